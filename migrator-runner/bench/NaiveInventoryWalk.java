import com.vmware.vim25.VirtualDevice;
import com.vmware.vim25.mo.InventoryNavigator;
import com.vmware.vim25.mo.ManagedEntity;
import com.vmware.vim25.mo.ServiceInstance;
import com.vmware.vim25.mo.VirtualMachine;
import java.io.FileInputStream;
import java.net.URL;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The baseline for bench/vsphere-inventory.sh: what a first vSphere tool does, one getter (one round trip) per
 * VM and property, through yavijava. Usage: java -cp vmlift.jar NaiveInventoryWalk.java SDK_URL USER CERT_PEM,
 * password in the environment variable VCSIM_PASSWORD.
 */
public class NaiveInventoryWalk {
    public static void main(String[] args) throws Exception {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        try (FileInputStream pem = new FileInputStream(args[2])) {
            store.setCertificateEntry("server", CertificateFactory.getInstance("X.509").generateCertificate(pem));
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(store);
        ServiceInstance si = new ServiceInstance(new URL(args[0]), args[1], System.getenv("VCSIM_PASSWORD"),
                (X509TrustManager) factory.getTrustManagers()[0], 20_000, 600_000);
        int vms = 0;
        long devices = 0;
        for (ManagedEntity entity : new InventoryNavigator(si.getRootFolder()).searchManagedEntities("VirtualMachine")) {
            VirtualMachine vm = (VirtualMachine) entity;
            vm.getName();
            var config = vm.getConfig();
            VirtualDevice[] hardware = config.getHardware().getDevice();
            devices += hardware.length;
            vm.getRuntime().getPowerState();
            vm.getSnapshot();
            vm.getGuest();
            vms++;
        }
        System.out.println(vms + " VMs, " + devices + " devices");
        si.getServerConnection().logout();
    }
}
