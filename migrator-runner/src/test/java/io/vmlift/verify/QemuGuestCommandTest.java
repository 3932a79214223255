package io.vmlift.verify;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmlift.model.Serialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The QEMU command line a VirtualMachine manifest turns into: the devices KubeVirt would give the guest (each
 * disk on its bus, each NIC of its model with its MAC, the topology, the firmware), booted from overlays.
 */
class QemuGuestCommandTest {
    @TempDir
    Path dir;

    private static final String MANIFEST = """
            apiVersion: kubevirt.io/v1
            kind: VirtualMachine
            metadata: {name: erp-1, namespace: wave}
            spec:
              template:
                spec:
                  domain:
                    cpu: {sockets: 2, cores: 4, threads: 1}
                    memory: {guest: 3Gi}
                    firmware: {bootloader: {efi: {secureBoot: true}}}
                    devices:
                      disks:
                      - {name: disk-0, disk: {bus: sata}, bootOrder: 1}
                      - {name: disk-1, disk: {bus: scsi}}
                      - {name: disk-2, disk: {bus: virtio}}
                      - {name: cloudinit, disk: {bus: virtio}}
                      interfaces:
                      - {name: net-0, model: e1000e, macAddress: "00:50:56:8a:12:01", masquerade: {}}
                      - {name: net-1, model: virtio, macAddress: "00:50:56:8a:12:02", bridge: {}}
                  volumes:
                  - {name: disk-0, dataVolume: {name: erp-1-disk-0}}
                  - {name: disk-1, dataVolume: {name: erp-1-disk-1}}
                  - {name: disk-2, dataVolume: {name: erp-1-disk-2}}
                  - {name: cloudinit, cloudInitNoCloud: {userData: "#cloud-config"}}
            """;

    @Test
    void theManifestsDevicesBecomeQemusDevices() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("erp-1"));
        for (String disk : List.of("erp-1-disk-0.qcow2", "erp-1-disk-1.img", "erp-1-disk-2.qcow2")) {
            io.vmlift.testing.QemuImg.require("create", "-q", "-f", disk.endsWith(".img") ? "raw" : "qcow2",
                    folder.resolve(disk).toString(), "1M");
        }
        JsonNode vm = Serialization.yaml().readTree(MANIFEST);
        Map<Integer, Integer> forwards = new LinkedHashMap<>(Map.of(80, 40080));
        Path work = Files.createDirectories(dir.resolve("work"));
        String tcg = String.join(" ", QemuGuest.command(vm, folder, work, work.resolve("console.log"), forwards,
                false));

        assertThat(tcg).contains("-machine q35,accel=tcg,smm=on").contains("-cpu max")
                .contains("-smp sockets=2,cores=4,threads=1").contains("-m 3072")
                .contains("OVMF_CODE_4M.secboot.fd").contains("driver=cfi.pflash01,property=secure,value=on")
                .contains("-device ahci,id=ahci0").contains("-device ide-hd,drive=d0,bus=ahci0.0,bootindex=1")
                .contains("-device virtio-scsi-pci,id=scsi0").contains("-device scsi-hd,drive=d1,bus=scsi0.0")
                .contains("-device virtio-blk-pci,drive=d2")
                .doesNotContain("d3") // the cloud-init disk is not vmlift's
                .contains("-netdev user,id=n0,hostfwd=tcp:127.0.0.1:40080-:80")
                .contains("-device e1000e,netdev=n0,mac=00:50:56:8a:12:01")
                .contains("-netdev user,id=n1 ").contains("-device virtio-net-pci,netdev=n1,mac=00:50:56:8a:12:02");
        // Overlays on the migrated images, which stay as they were.
        assertThat(io.vmlift.testing.QemuImg.require("info", work.resolve("disk-1.qcow2").toString()))
                .contains("backing file: " + folder.resolve("erp-1-disk-1.img").toAbsolutePath())
                .contains("backing file format: raw");
        assertThat(String.join(" ", QemuGuest.command(vm, folder, work, work.resolve("console.log"), forwards,
                true))).contains("accel=kvm").contains("-cpu host");
    }
}
