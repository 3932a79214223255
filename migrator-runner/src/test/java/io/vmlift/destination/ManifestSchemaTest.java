package io.vmlift.destination;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vmlift.spi.PowerState;
import io.vmlift.spi.Firmware;
import io.vmlift.spi.DiskBus;
import io.vmlift.model.Located;
import io.vmlift.model.NetworkMap;
import io.vmlift.model.ObjectMeta;
import io.vmlift.model.ObjectReference;
import io.vmlift.model.Plan;
import io.vmlift.model.ProviderPair;
import io.vmlift.model.StorageMap;
import io.vmlift.spi.Disk;
import io.vmlift.spi.Inventory;
import io.vmlift.spi.Network;
import io.vmlift.spi.Nic;
import io.vmlift.spi.Storage;
import io.vmlift.spi.Vm;
import io.vmlift.plan.ResolvedPlan;
import io.vmlift.plan.ResolvedPlan.TargetDisk;
import io.vmlift.plan.ResolvedPlan.TargetNic;
import io.vmlift.plan.ResolvedPlan.TargetVm;
import io.vmlift.spi.DiskSource;
import io.vmlift.testing.KubeSchemas;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The VirtualMachines and DataVolumes that {@link VirtualMachineBuilder} writes are accepted by the upstream
 * KubeVirt and CDI schemas, checked as strictly as {@code kubectl apply --validate=strict} (unknown fields are
 * errors). Skipped, with the reason, when the schemas folder (system property vmlift.schemasDir) is absent.
 */
class ManifestSchemaTest {
    private static final long KiB = 1024;
    private static final long MiB = 1024 * KiB;
    private static final long GiB = 1024 * MiB;

    // ---- a realistic plan, built by hand -------------------------------------------------------------------

    private static final Network VM_NETWORK = new Network("net-10", "VM Network", null);
    private static final Network BACKEND = new Network("net-20", "Backend 20", "20");
    private static final Network BACKUP = new Network("net-30", "Backup", "30");
    private static final Network STORAGE_NET = new Network("net-40", "Storage", "40");
    private static final Storage FAST = new Storage("ds-fast", "datastore-ssd-01", 4096 * GiB, 1024 * GiB);
    private static final Storage BULK = new Storage("ds-bulk", "datastore-hdd-02", 16384 * GiB, 8192 * GiB);

    private static final NetworkMap.Destination POD = new NetworkMap.Destination("pod", null, null);
    private static final NetworkMap.Destination BACKEND_NAD =
            new NetworkMap.Destination("multus", "app-networks", "backend-vlan20");
    private static final NetworkMap.Destination STORAGE_NAD = new NetworkMap.Destination("multus", null, "storage-vlan40");
    private static final NetworkMap.Destination IGNORED = new NetworkMap.Destination("ignored", null, null);

    /** Windows, EFI with secure boot, powered on: compatibility mode gives SATA disks and E1000E NICs. */
    private static final Vm WINDOWS = new Vm("vm-1042", "WIN2022 ERP (prod)", 8, 4, 16384, Firmware.EFI, true,
            "windows2019srv_64Guest", PowerState.ON, "erp/win2022-erp.ova",
            List.of(Disk.ofImage("2000", "win2022-erp-disk1.vmdk", GiB + 1, FAST.id(), "win2022-erp-disk1.vmdk",
                            DiskBus.SCSI, "vmdk-stream"),
                    Disk.ofImage("2001", "win2022-erp-disk2.vmdk", 200 * GiB, BULK.id(), "win2022-erp-disk2.vmdk",
                            DiskBus.SCSI, "vmdk-stream")),
            List.of(new Nic("Network adapter 1", "00:50:56:8a:10:01", VM_NETWORK.name(), VM_NETWORK.id(), "vmxnet3"),
                    new Nic("Network adapter 2", null, BACKEND.name(), BACKEND.id(), "e1000e"),
                    new Nic("Network adapter 3", "00:50:56:8a:10:03", BACKUP.name(), BACKUP.id(), "e1000")), null);

    /** RHEL, BIOS, powered off: virtio everywhere. */
    private static final Vm LINUX = new Vm("vm-2077", "rhel9-db-01", 4, 1, 8192, Firmware.BIOS, false, "rhel9_64Guest",
            PowerState.OFF, "db/rhel9-db-01.ova",
            List.of(Disk.ofImage("3000", "rhel9-db-01-disk1.vmdk", 50 * GiB, FAST.id(), "rhel9-db-01-disk1.vmdk",
                            DiskBus.SATA, "vmdk-sparse"),
                    Disk.ofImage("3001", "rhel9-db-01-disk2.vmdk", 3 * GiB + 12_345, BULK.id(), "rhel9-db-01-disk2.vmdk",
                            DiskBus.SCSI, "vmdk-sparse")),
            List.of(new Nic("eth0", "00:50:56:8a:20:01", STORAGE_NET.name(), STORAGE_NET.id(), "vmxnet3"),
                    new Nic("eth1", null, VM_NETWORK.name(), VM_NETWORK.id(), "virtio")), null);

    /** Ubuntu, EFI without secure boot, one core, a NIC on a network the map does not cover. */
    private static final Vm UBUNTU = new Vm("vm-3001", "ubuntu-edge", 1, 0, 2048, Firmware.EFI, false, "ubuntu64Guest",
            PowerState.ON, "edge/ubuntu-edge.ova",
            List.of(Disk.ofImage("4000", "ubuntu-edge-disk1.vmdk", 9 * MiB, FAST.id(), "ubuntu-edge-disk1.vmdk", DiskBus.SCSI,
                    "vmdk-stream")),
            List.of(new Nic("ens192", "00:50:56:8a:30:01", "Lab", "net-99", "vmxnet3")), null);

    private static final TargetVm WINDOWS_TARGET = new TargetVm(Plan.Vm.ref(WINDOWS.id(), null), WINDOWS,
            "win2022-erp-prod", PowerState.ON, true,
            List.of(new TargetNic(WINDOWS.nics().get(0), POD),
                    new TargetNic(WINDOWS.nics().get(1), BACKEND_NAD),
                    new TargetNic(WINDOWS.nics().get(2), IGNORED)),
            List.of(new TargetDisk(WINDOWS.disks().get(0), 0, "win2022-erp-prod-disk-0",
                            new StorageMap.Destination("ocs-storagecluster-ceph-rbd", "Filesystem", "ReadWriteOnce")),
                    new TargetDisk(WINDOWS.disks().get(1), 1, "win2022-erp-prod-disk-1",
                            new StorageMap.Destination("ceph-block-rwx", "Block", "ReadWriteMany"))));

    private static final TargetVm LINUX_TARGET = new TargetVm(Plan.Vm.ref(null, LINUX.name()), LINUX,
            "rhel9-db-01", PowerState.OFF, false,
            List.of(new TargetNic(LINUX.nics().get(0), STORAGE_NAD), new TargetNic(LINUX.nics().get(1), POD)),
            List.of(
                    // Block on the cluster's default class (an empty storageClass).
                    new TargetDisk(LINUX.disks().get(0), 0, "rhel9-db-01-disk-0",
                            new StorageMap.Destination("", "Block", null)),
                    // Not covered by the StorageMap: Filesystem on the default class, no access mode.
                    new TargetDisk(LINUX.disks().get(1), 1, "rhel9-db-01-disk-1", null)));

    private static final TargetVm UBUNTU_TARGET = new TargetVm(Plan.Vm.ref(UBUNTU.id(), UBUNTU.name()), UBUNTU,
            "ubuntu-edge", PowerState.ON, true,
            List.of(new TargetNic(UBUNTU.nics().get(0), null)),
            List.of(new TargetDisk(UBUNTU.disks().get(0), 0, "ubuntu-edge-disk-0",
                    new StorageMap.Destination("standard-csi", null, null))));

    private static final ResolvedPlan PLAN = plan(List.of(WINDOWS_TARGET, LINUX_TARGET, UBUNTU_TARGET));

    private static ResolvedPlan plan(List<TargetVm> vms) {
        Plan.Spec spec = Plan.Spec.of("migrated-vms",
                new ProviderPair(ObjectReference.to("datacenter-ova", "vmlift"), ObjectReference.to("host", "vmlift")),
                new Plan.Maps(ObjectReference.to("q3-networks", "vmlift"), ObjectReference.to("q3-storage", "vmlift")),
                "cold", vms.stream().map(TargetVm::entry).toList());
        Plan document = new Plan("forklift.konveyor.io/v1beta1", Plan.KIND, ObjectMeta.named("q3-wave-1", "vmlift"),
                spec, null);
        Inventory inventory = new Inventory(new Inventory.ProviderInfo("datacenter-ova", "ova", "/exports/q3"),
                vms.stream().map(TargetVm::source).toList(), List.of(VM_NETWORK, BACKEND, BACKUP, STORAGE_NET),
                List.of(FAST, BULK));
        return new ResolvedPlan(new Located<>(document, Path.of("plans/q3-wave-1.yaml"), 1, Map.of()), inventory, vms,
                List.of());
    }

    private static ObjectNode vm(TargetVm vm) {
        return VirtualMachineBuilder.virtualMachine(PLAN, vm);
    }

    private static ObjectNode dataVolume(TargetVm vm, int disk) {
        return VirtualMachineBuilder.dataVolume(PLAN, vm, vm.disks().get(disk), new DiskSource.Upload());
    }

    static Stream<Arguments> manifests() {
        List<Arguments> all = new ArrayList<>();
        for (TargetVm vm : PLAN.vms()) {
            List<ObjectNode> objects = new ArrayList<>();
            objects.add(VirtualMachineBuilder.virtualMachine(PLAN, vm));
            for (TargetDisk disk : vm.disks()) {
                objects.add(VirtualMachineBuilder.dataVolume(PLAN, vm, disk, new DiskSource.Upload()));
            }
            for (ObjectNode object : objects) {
                all.add(Arguments.of(object.path("kind").asText() + " " + object.path("metadata").path("name").asText(),
                        object));
            }
        }
        return all.stream();
    }

    /** CDI-side imports, as the vSphere (VDDK), oVirt (imageio) and HTTP sources will use them. */
    static Stream<Arguments> importedDataVolumes() {
        TargetVm vm = PLAN.vms().get(0);
        TargetDisk disk = vm.disks().get(0);
        return Stream.of(
                Arguments.of("http", new DiskSource.Http("https://images.example/disk.qcow2", "http-creds", "http-ca")),
                Arguments.of("http, no secret", new DiskSource.Http("https://images.example/disk.img", null, null)),
                Arguments.of("vddk", new DiskSource.Vddk("https://vcenter.example/sdk", "4213b1c6-0b2e-4a47-a4d5-1a2b3c4d5e6f",
                        "[datastore1] web-1/web-1.vmdk", "AA:BB:CC", "vsphere-creds", "quay.io/example/vddk:8")),
                Arguments.of("imageio", new DiskSource.Imageio("https://engine.example/ovirt-engine/api",
                        "b1c2d3e4-0000-4000-8000-000000000001", "ovirt-creds", "ovirt-ca")))
                .map(a -> Arguments.of(a.get()[0], VirtualMachineBuilder.dataVolume(PLAN, vm, disk, (DiskSource) a.get()[1])));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("importedDataVolumes")
    void importedDataVolumesAreValidAndCarryTheirSource(String kind, ObjectNode dataVolume) {
        String field = kind.split(",")[0];
        assertThat(dataVolume.at("/spec/source").fieldNames()).toIterable().containsExactly(field);
        assertThat(dataVolume.at("/spec/source/" + field + "/url").asText()).startsWith("https://");
        assertThat(KubeSchemas.cdi().validate(KubeSchemas.DATA_VOLUME, dataVolume)).isEmpty();
    }

    // ---- the manifests are valid ---------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("manifests")
    void everyManifestMatchesTheUpstreamSchema(String description, ObjectNode object) {
        String kind = object.path("kind").asText();
        List<String> errors = switch (kind) {
            case "VirtualMachine" -> {
                assertThat(object.path("apiVersion").asText()).isEqualTo("kubevirt.io/v1");
                yield KubeSchemas.kubevirt().validate(KubeSchemas.VIRTUAL_MACHINE, object);
            }
            case "DataVolume" -> {
                assertThat(object.path("apiVersion").asText()).isEqualTo("cdi.kubevirt.io/v1beta1");
                yield KubeSchemas.cdi().validate(KubeSchemas.DATA_VOLUME, object);
            }
            default -> throw new AssertionError("unexpected kind " + kind + " in " + object);
        };
        assertThat(errors).as("schema errors of %s:%n%s", description, object.toPrettyString()).isEmpty();
    }

    @Test
    void thePlanCoversEveryCase() {
        // Guards the parameterized test against silently validating fewer objects than intended.
        assertThat(manifests()).hasSize((2 + 1) + (2 + 1) + (1 + 1));
    }

    // ---- what the manifests say ----------------------------------------------------------------------------

    @Test
    void windowsGuestInCompatibilityModeGetsSataDisksAndE1000eNics() {
        assertThat(PLAN.document().useCompatibilityMode()).isTrue();
        JsonNode manifest = vm(WINDOWS_TARGET);
        assertThat(manifest.at("/spec/runStrategy").asText()).isEqualTo("Always");
        JsonNode domain = manifest.at("/spec/template/spec/domain");
        assertThat(domain.at("/cpu/sockets").asInt()).isEqualTo(2);
        assertThat(domain.at("/cpu/cores").asInt()).isEqualTo(4);
        assertThat(domain.at("/memory/guest").asText()).isEqualTo("16384Mi");
        assertThat(domain.at("/firmware/bootloader/efi/secureBoot").asBoolean()).isTrue();
        assertThat(domain.at("/firmware/bootloader/bios").isMissingNode()).isTrue();
        assertThat(domain.at("/features/smm/enabled").asBoolean()).isTrue();

        JsonNode disks = domain.at("/devices/disks");
        assertThat(disks).hasSize(2);
        disks.forEach(disk -> assertThat(disk.at("/disk/bus").asText()).isEqualTo("sata"));
        assertThat(disks.get(0).path("bootOrder").asInt()).isEqualTo(1);
        assertThat(disks.get(1).has("bootOrder")).isFalse();
        JsonNode volumes = manifest.at("/spec/template/spec/volumes");
        assertThat(volumes.get(0).at("/dataVolume/name").asText()).isEqualTo("win2022-erp-prod-disk-0");
        assertThat(volumes.get(1).at("/dataVolume/name").asText()).isEqualTo("win2022-erp-prod-disk-1");

        // The ignored network (adapter 3) is left out; the NIC without a MAC gets none (KubeVirt generates one).
        JsonNode interfaces = domain.at("/devices/interfaces");
        JsonNode networks = manifest.at("/spec/template/spec/networks");
        assertThat(interfaces).hasSize(2);
        assertThat(networks).hasSize(2);
        interfaces.forEach(iface -> assertThat(iface.path("model").asText()).isEqualTo("e1000e"));
        assertThat(interfaces.get(0).path("macAddress").asText()).isEqualTo("00:50:56:8a:10:01");
        assertThat(interfaces.get(0).has("masquerade")).isTrue();
        assertThat(networks.get(0).has("pod")).isTrue();
        assertThat(interfaces.get(1).has("macAddress")).isFalse();
        assertThat(interfaces.get(1).has("bridge")).isTrue();
        assertThat(networks.get(1).at("/multus/networkName").asText()).isEqualTo("app-networks/backend-vlan20");
        assertThat(manifest.toString()).doesNotContain("00:50:56:8a:10:03");
    }

    @Test
    void linuxGuestGetsVirtioAndBios() {
        JsonNode manifest = vm(LINUX_TARGET);
        assertThat(manifest.at("/spec/runStrategy").asText()).isEqualTo("Halted");
        JsonNode domain = manifest.at("/spec/template/spec/domain");
        assertThat(domain.at("/firmware/bootloader/bios").isObject()).isTrue();
        assertThat(domain.at("/firmware/bootloader/efi").isMissingNode()).isTrue();
        assertThat(domain.has("features")).isFalse();
        domain.at("/devices/disks").forEach(disk -> assertThat(disk.at("/disk/bus").asText()).isEqualTo("virtio"));
        JsonNode interfaces = domain.at("/devices/interfaces");
        JsonNode networks = manifest.at("/spec/template/spec/networks");
        assertThat(interfaces).hasSize(2);
        interfaces.forEach(iface -> assertThat(iface.path("model").asText()).isEqualTo("virtio"));
        // A NetworkAttachmentDefinition named without a namespace: just its name.
        assertThat(networks.get(0).at("/multus/networkName").asText()).isEqualTo("storage-vlan40");
        assertThat(interfaces.get(0).has("bridge")).isTrue();
        assertThat(interfaces.get(1).has("masquerade")).isTrue();
        assertThat(interfaces.get(1).has("macAddress")).isFalse();
        assertThat(networks.get(1).has("pod")).isTrue();
    }

    @Test
    void efiWithoutSecureBootAndAnUnmappedNic() {
        JsonNode manifest = vm(UBUNTU_TARGET);
        JsonNode domain = manifest.at("/spec/template/spec/domain");
        assertThat(domain.at("/firmware/bootloader/efi/secureBoot").isBoolean()).isTrue();
        assertThat(domain.at("/firmware/bootloader/efi/secureBoot").asBoolean()).isFalse();
        assertThat(domain.has("features")).isFalse();
        assertThat(domain.at("/cpu/sockets").asInt()).isEqualTo(1);
        assertThat(domain.at("/cpu/cores").asInt()).isEqualTo(1);
        assertThat(domain.at("/devices/interfaces")).isEmpty();
        assertThat(manifest.at("/spec/template/spec/networks")).isEmpty();
    }

    @Test
    void dataVolumesCarryVolumeModeStorageClassAndAccessMode() {
        JsonNode fsWithClass = dataVolume(WINDOWS_TARGET, 0);
        assertThat(fsWithClass.at("/spec/source/upload").isObject()).isTrue();
        assertThat(fsWithClass.at("/spec/storage/volumeMode").asText()).isEqualTo("Filesystem");
        assertThat(fsWithClass.at("/spec/storage/storageClassName").asText()).isEqualTo("ocs-storagecluster-ceph-rbd");
        assertThat(fsWithClass.at("/spec/storage/accessModes/0").asText()).isEqualTo("ReadWriteOnce");

        JsonNode blockWithClass = dataVolume(WINDOWS_TARGET, 1);
        assertThat(blockWithClass.at("/spec/storage/volumeMode").asText()).isEqualTo("Block");
        assertThat(blockWithClass.at("/spec/storage/storageClassName").asText()).isEqualTo("ceph-block-rwx");
        assertThat(blockWithClass.at("/spec/storage/accessModes/0").asText()).isEqualTo("ReadWriteMany");

        JsonNode blockDefaultClass = dataVolume(LINUX_TARGET, 0);
        assertThat(blockDefaultClass.at("/spec/storage/volumeMode").asText()).isEqualTo("Block");
        assertThat(blockDefaultClass.at("/spec/storage").has("storageClassName")).isFalse();
        assertThat(blockDefaultClass.at("/spec/storage").has("accessModes")).isFalse();

        JsonNode unmapped = dataVolume(LINUX_TARGET, 1);
        assertThat(unmapped.at("/spec/storage/volumeMode").asText()).isEqualTo("Filesystem");
        assertThat(unmapped.at("/spec/storage").has("storageClassName")).isFalse();
        assertThat(unmapped.at("/spec/storage").has("accessModes")).isFalse();

        JsonNode classWithoutMode = dataVolume(UBUNTU_TARGET, 0);
        assertThat(classWithoutMode.at("/spec/storage/volumeMode").asText()).isEqualTo("Filesystem");
        assertThat(classWithoutMode.at("/spec/storage/storageClassName").asText()).isEqualTo("standard-csi");
    }

    // ---- the DataVolume size rule, from its formula ----------------------------------------------------------

    /** ceil(x / 0.9) for x >= 0 in exact integer arithmetic: ceil(10x / 9). */
    private static long ceilDivByNineTenths(long x) {
        return (x * 10 + 8) / 9;
    }

    private static long roundUpTo1MiB(long capacity) {
        return (capacity + MiB - 1) / MiB * MiB;
    }

    private static long requestedStorage(JsonNode dataVolume) {
        return Long.parseLong(dataVolume.at("/spec/storage/resources/requests/storage").asText());
    }

    @Test
    void filesystemRequestIsTheMiBAlignedCapacityPlusTenPercentOverhead() {
        // C = 1 GiB + 1 byte -> 1025 MiB = 1,074,790,400 -> / 0.9 = 1,194,211,555.6 -> 1,194,211,556
        long capacity = GiB + 1;
        assertThat(roundUpTo1MiB(capacity)).isEqualTo(1025 * MiB).isEqualTo(1_074_790_400L);
        long expected = ceilDivByNineTenths(roundUpTo1MiB(capacity));
        assertThat(expected).isEqualTo(1_194_211_556L);
        assertThat(requestedStorage(dataVolume(WINDOWS_TARGET, 0))).isEqualTo(expected);

        // C = 3 GiB + 12,345 -> 3073 MiB = 3,222,274,048 -> / 0.9 = 3,580,304,497.8 -> 3,580,304,498
        long odd = 3 * GiB + 12_345;
        assertThat(ceilDivByNineTenths(roundUpTo1MiB(odd))).isEqualTo(3_580_304_498L);
        assertThat(requestedStorage(dataVolume(LINUX_TARGET, 1))).isEqualTo(3_580_304_498L);

        // C = 9 MiB, already aligned and a multiple of 9 MiB: exactly 10 MiB, no rounding up by one byte.
        assertThat(ceilDivByNineTenths(roundUpTo1MiB(9 * MiB))).isEqualTo(10 * MiB);
        assertThat(requestedStorage(dataVolume(UBUNTU_TARGET, 0))).isEqualTo(10 * MiB);
    }

    @Test
    void blockRequestIsTheMiBAlignedCapacity() {
        // C = 1 GiB + 1 byte on a Block volume: 1025 MiB, no overhead.
        TargetVm blockVm = new TargetVm(WINDOWS_TARGET.entry(), WINDOWS, WINDOWS_TARGET.name(), PowerState.ON, true, List.of(),
                List.of(new TargetDisk(WINDOWS.disks().get(0), 0, "win2022-erp-prod-disk-0",
                        new StorageMap.Destination("ceph-block-rwx", "Block", "ReadWriteMany"))));
        assertThat(requestedStorage(dataVolume(blockVm, 0))).isEqualTo(roundUpTo1MiB(GiB + 1)).isEqualTo(1_074_790_400L);

        // Already aligned: unchanged.
        assertThat(requestedStorage(dataVolume(WINDOWS_TARGET, 1))).isEqualTo(200 * GiB).isEqualTo(214_748_364_800L);
        assertThat(requestedStorage(dataVolume(LINUX_TARGET, 0))).isEqualTo(50 * GiB);
    }

    // ---- the check can fail: negative and positive controls -------------------------------------------------

    @Test
    void anUnknownFieldUnderTheDomainIsRejected() {
        ObjectNode manifest = vm(WINDOWS_TARGET);
        assertThat(KubeSchemas.kubevirt().validate(KubeSchemas.VIRTUAL_MACHINE, manifest)).isEmpty();

        ((ObjectNode) manifest.at("/spec/template/spec/domain")).put("cpuModel", "host-passthrough");
        List<String> errors = KubeSchemas.kubevirt().validate(KubeSchemas.VIRTUAL_MACHINE, manifest);
        assertThat(errors).hasSize(1);
        assertThat(errors.get(0)).startsWith("/spec/template/spec/domain: ").contains("cpuModel");
    }

    @Test
    void aDataVolumeWhoseResourcesIsAStringIsRejected() {
        ObjectNode manifest = dataVolume(WINDOWS_TARGET, 0);
        assertThat(KubeSchemas.cdi().validate(KubeSchemas.DATA_VOLUME, manifest)).isEmpty();

        ((ObjectNode) manifest.at("/spec/storage")).put("resources", "20Gi");
        List<String> errors = KubeSchemas.cdi().validate(KubeSchemas.DATA_VOLUME, manifest);
        assertThat(errors).isNotEmpty();
        assertThat(errors).anySatisfy(error -> assertThat(error).startsWith("/spec/storage/resources: ")
                .contains("string").contains("object"));
    }

    @Test
    void theSchemaIsTheNamedDefinitionNotTheSwaggerRoot() {
        // v1.VirtualMachine requires spec and knows no "specification"; the swagger root would accept anything.
        ObjectNode wrong = vm(LINUX_TARGET);
        wrong.set("specification", wrong.remove("spec"));
        assertThat(KubeSchemas.kubevirt().validate(KubeSchemas.VIRTUAL_MACHINE, wrong))
                .anySatisfy(error -> assertThat(error).contains("spec").contains("required"))
                .anySatisfy(error -> assertThat(error).contains("specification"));
        // A DataVolume is not a VirtualMachine.
        assertThat(KubeSchemas.kubevirt().validate(KubeSchemas.VIRTUAL_MACHINE, dataVolume(LINUX_TARGET, 0)))
                .isNotEmpty();
        // Types and enums are checked too, not only field names.
        ObjectNode badMode = dataVolume(LINUX_TARGET, 0);
        ((ObjectNode) badMode.at("/spec/storage")).put("volumeMode", "block");
        assertThat(KubeSchemas.cdi().validate(KubeSchemas.DATA_VOLUME, badMode))
                .anySatisfy(error -> assertThat(error).startsWith("/spec/storage/volumeMode: "));
        ObjectNode badCores = vm(LINUX_TARGET);
        ((ObjectNode) badCores.at("/spec/template/spec/domain/cpu")).put("cores", "4");
        assertThat(KubeSchemas.kubevirt().validate(KubeSchemas.VIRTUAL_MACHINE, badCores))
                .anySatisfy(error -> assertThat(error).startsWith("/spec/template/spec/domain/cpu/cores: "));
    }

    @Test
    void quantitiesMayBeIntegersOrStringsAndNullFieldsAreDropped() {
        ObjectNode manifest = vm(LINUX_TARGET);
        ((ObjectNode) manifest.at("/spec/template/spec/domain/memory")).put("guest", 8L * GiB);
        ((ObjectNode) manifest.path("metadata")).putNull("creationTimestamp");
        ((ObjectNode) manifest.at("/spec/template/metadata")).putNull("creationTimestamp");
        assertThat(KubeSchemas.kubevirt().validate(KubeSchemas.VIRTUAL_MACHINE, manifest)).isEmpty();

        ObjectNode dataVolume = dataVolume(LINUX_TARGET, 1);
        ((ObjectNode) dataVolume.at("/spec/storage/resources/requests")).put("storage", 3_580_304_498L);
        ((ObjectNode) dataVolume.path("metadata")).putNull("creationTimestamp");
        assertThat(KubeSchemas.cdi().validate(KubeSchemas.DATA_VOLUME, dataVolume)).isEmpty();
        ((ObjectNode) dataVolume.at("/spec/storage/resources/requests")).put("storage", "4Gi");
        assertThat(KubeSchemas.cdi().validate(KubeSchemas.DATA_VOLUME, dataVolume)).isEmpty();
        // But not any type: a boolean is no quantity.
        ((ObjectNode) dataVolume.at("/spec/storage/resources/requests")).put("storage", true);
        assertThat(KubeSchemas.cdi().validate(KubeSchemas.DATA_VOLUME, dataVolume))
                .anySatisfy(error -> assertThat(error).startsWith("/spec/storage/resources/requests/storage: "));
    }
}
