package io.vmlift.testing;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vmlift.model.Serialization;
import io.vmlift.verify.QemuGuest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The test cluster's virt-handler: each VirtualMachineInstance the test peer starts runs as a real guest, booted
 * with QEMU (vmlift's QemuGuest) from the bytes uploaded to its DataVolumes, so that KubeVirt's subresources
 * (KubevirtSubresources) answer with what a real guest does. Like virt-launcher, it makes a pod per VMI, named
 * virt-launcher-NAME-xxxxx and labelled kubevirt.io=virt-launcher and vm.kubevirt.io/name=NAME.
 */
public final class VirtHandler implements AutoCloseable {
    private final KubernetesClient client;
    private final FakeKubevirt cluster;
    private final Set<Integer> ports;
    private final Path work;
    private final Map<String, QemuGuest> guests = new ConcurrentHashMap<>();

    /** @param ports the guest ports the subresources may forward to */
    public VirtHandler(KubernetesClient client, FakeKubevirt cluster, Set<Integer> ports, Path work) {
        this.client = client;
        this.cluster = cluster;
        this.ports = ports;
        this.work = work;
    }

    /** Boots the VMI's guest (once), from the VM object and its uploaded disks. */
    synchronized void start(String namespace, String name) throws IOException {
        String key = namespace + "/" + name;
        if (guests.containsKey(key)) {
            return;
        }
        GenericKubernetesResource vm = client.genericKubernetesResources("kubevirt.io/v1", "VirtualMachine")
                .inNamespace(namespace).withName(name).get();
        Path folder = Files.createDirectories(work.resolve(namespace + "-" + name));
        Files.writeString(folder.resolve("virtualmachine.yaml"), Serialization.toYaml(vm));
        for (var volume : Serialization.json().valueToTree(vm).at("/spec/template/spec/volumes")) {
            String dataVolume = volume.at("/dataVolume/name").asText("");
            if (dataVolume.isEmpty()) {
                continue;
            }
            Path upload = cluster.uploadOf(namespace, dataVolume);
            byte[] magic = new byte[4];
            try (InputStream in = Files.newInputStream(upload)) {
                in.readNBytes(magic, 0, 4);
            }
            boolean qcow2 = magic[0] == 'Q' && magic[1] == 'F' && magic[2] == 'I' && (magic[3] & 0xff) == 0xfb;
            Files.createSymbolicLink(folder.resolve(dataVolume + (qcow2 ? ".qcow2" : ".img")), upload);
        }
        guests.put(key, QemuGuest.boot(folder, ports, Files.createTempDirectory("vmlift-virt-handler-")));
        client.pods().inNamespace(namespace).resource(new PodBuilder().withNewMetadata()
                .withName("virt-launcher-" + name + "-vmlft").withNamespace(namespace)
                .addToLabels("kubevirt.io", "virt-launcher").addToLabels("vm.kubevirt.io/name", name).endMetadata()
                .withNewSpec().addNewContainer().withName("compute").withImage("virt-launcher").endContainer()
                .addNewContainer().withName("guest-console-log").withImage("virt-launcher").endContainer().endSpec()
                .build()).create();
    }

    /** The guest of a running VMI, or null. */
    QemuGuest guest(String namespace, String name) {
        return guests.get(namespace + "/" + name);
    }

    @Override
    public void close() {
        guests.values().forEach(QemuGuest::close);
    }
}
