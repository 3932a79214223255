package io.vmlift.testing;

import com.vmware.vim25.OptionValue;
import com.vmware.vim25.VirtualDevice;
import com.vmware.vim25.VirtualDeviceConfigSpec;
import com.vmware.vim25.VirtualDeviceConfigSpecOperation;
import com.vmware.vim25.VirtualDisk;
import com.vmware.vim25.VirtualEthernetCard;
import com.vmware.vim25.VirtualMachineConfigSpec;
import com.vmware.vim25.VirtualMachinePowerState;
import com.vmware.vim25.mo.InventoryNavigator;
import com.vmware.vim25.mo.ServiceInstance;
import com.vmware.vim25.mo.Task;
import com.vmware.vim25.mo.VirtualMachine;
import java.net.URL;
import java.util.function.Consumer;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * What an administrator would do to the simulator with the vSphere API, through yavijava directly (not through
 * vmlift): reshape VMs before a test, and read back what a migration did to them.
 */
public final class VcsimAdmin implements AutoCloseable {
    private final ServiceInstance instance;

    public VcsimAdmin(Vcsim vcsim) throws Exception {
        var store = java.security.KeyStore.getInstance(java.security.KeyStore.getDefaultType());
        store.load(null, null);
        store.setCertificateEntry("vcsim", java.security.cert.CertificateFactory.getInstance("X.509")
                .generateCertificate(new java.io.ByteArrayInputStream(vcsim.certificatePem().getBytes())));
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(store);
        instance = new ServiceInstance(new URL(vcsim.sdk().toString()), vcsim.user(), vcsim.password(),
                (X509TrustManager) factory.getTrustManagers()[0], 20_000, 60_000);
    }

    public ServiceInstance instance() {
        return instance;
    }

    public VirtualMachine vm(String name) throws Exception {
        VirtualMachine vm = (VirtualMachine) new InventoryNavigator(instance.getRootFolder())
                .searchManagedEntity("VirtualMachine", name);
        if (vm == null) {
            throw new IllegalArgumentException("the simulator has no VM " + name);
        }
        return vm;
    }

    public VirtualMachinePowerState powerState(String name) throws Exception {
        return vm(name).getRuntime().getPowerState();
    }

    public void powerOff(String name) throws Exception {
        if (powerState(name) == VirtualMachinePowerState.poweredOn) {
            await(vm(name).powerOffVM_Task());
        }
    }

    public void powerOn(String name) throws Exception {
        if (powerState(name) != VirtualMachinePowerState.poweredOn) {
            await(vm(name).powerOnVM_Task(null));
        }
    }

    /**
     * Puts a real disk under the VM: the raw image as a monolithicSparse VMDK (made by qemu-img) in place of the
     * simulator's empty first disk file, whose capacity becomes the image's size.
     */
    public void putFirstDisk(Vcsim vcsim, String name, java.nio.file.Path raw, long size) throws Exception {
        java.nio.file.Path vmdk = raw.resolveSibling(raw.getFileName() + ".vmdk");
        QemuImg.toVmdk(raw, vmdk, "monolithicSparse");
        String file = firstDiskFile(name);
        vcsim.putFile("DC0", "LocalDS_0", file.substring(file.indexOf(']') + 1).trim(), vmdk);
        setFirstDiskCapacity(name, size);
    }

    /** The datastore path of the VM's first disk, "[LocalDS_0] VM/disk1.vmdk". */
    public String firstDiskFile(String name) throws Exception {
        return ((com.vmware.vim25.VirtualDeviceFileBackingInfo) firstOf(name, VirtualDisk.class).getBacking())
                .getFileName();
    }

    /** The device key of the VM's first disk, which vSphere's CBT calls name it by. */
    public String firstDiskKey(String name) throws Exception {
        return Integer.toString(firstOf(name, VirtualDisk.class).getKey());
    }

    public void setFirstDiskCapacity(String name, long bytes) throws Exception {
        edit(name, VirtualDisk.class, disk -> {
            disk.setCapacityInKB(bytes / 1024);
            disk.setCapacityInBytes(bytes);
        });
    }

    public void setFirstMac(String name, String mac) throws Exception {
        edit(name, VirtualEthernetCard.class, nic -> {
            nic.setAddressType("manual");
            nic.setMacAddress(mac);
        });
    }

    public void setDiskMode(String name, String mode) throws Exception {
        edit(name, VirtualDisk.class, disk ->
                ((com.vmware.vim25.VirtualDiskFlatVer2BackingInfo) disk.getBacking()).setDiskMode(mode));
    }

    public void enableChangeTracking(String name) throws Exception {
        setChangeTracking(name, true);
    }

    public void setChangeTracking(String name, boolean on) throws Exception {
        VirtualMachineConfigSpec spec = new VirtualMachineConfigSpec();
        spec.setChangeTrackingEnabled(on);
        OptionValue ctk = new OptionValue();
        ctk.setKey("ctkEnabled");
        ctk.setValue(Boolean.toString(on));
        spec.setExtraConfig(new OptionValue[] {ctk});
        await(vm(name).reconfigVM_Task(spec));
    }

    public void snapshot(String name, String snapshotName) throws Exception {
        await(vm(name).createSnapshot_Task(snapshotName, "made by a vmlift test", false, false));
    }

    private <T extends VirtualDevice> T firstOf(String name, Class<T> type) throws Exception {
        for (VirtualDevice device : vm(name).getConfig().getHardware().getDevice()) {
            if (type.isInstance(device)) {
                return type.cast(device);
            }
        }
        throw new IllegalArgumentException(name + " has no " + type.getSimpleName());
    }

    private <T extends VirtualDevice> void edit(String name, Class<T> type, Consumer<T> change) throws Exception {
        T device = firstOf(name, type);
        change.accept(device);
        VirtualDeviceConfigSpec edit = new VirtualDeviceConfigSpec();
        edit.setOperation(VirtualDeviceConfigSpecOperation.edit);
        edit.setDevice(device);
        VirtualMachineConfigSpec spec = new VirtualMachineConfigSpec();
        spec.setDeviceChange(new VirtualDeviceConfigSpec[] {edit});
        await(vm(name).reconfigVM_Task(spec));
    }

    private static void await(Task task) throws Exception {
        String result = task.waitForTask();
        if (!Task.SUCCESS.equals(result)) {
            throw new IllegalStateException("task failed: " + task.getTaskInfo().getError().getLocalizedMessage());
        }
    }

    @Override
    public void close() {
        instance.getServerConnection().logout();
    }
}
