package io.vmlift.source.vsphere;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.vmlift.spi.PowerState;
import io.vmlift.spi.Firmware;
import io.vmlift.spi.DiskBus;
import io.vmlift.spi.Disk;
import io.vmlift.spi.Nic;
import io.vmlift.spi.Vm;
import io.vmlift.spi.Concern;
import io.vmlift.spi.Concern.Category;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Forklift's VMware validation rules, one case each: a VM as the inventory maps it, changed in one way from a
 * VM that raises nothing, and the one concern that change must raise (id, category, the VM it names).
 */
class VsphereRulesTest {
    private static final long GIB = 1L << 30;
    private static final Set<String> DATASTORES = Set.of("datastore-11", "datastore-12");
    private static final String BIOS = "bios";

    static Stream<Arguments> rules() {
        return Stream.of(
                Arguments.of("vmware.datastore.missing", Category.Critical,
                        vm("db-1", "on", "rhel9_64Guest", details(true, false, List.of()),
                                disk("datastore-99", false, null)), BIOS),
                Arguments.of("vmware.datastore.missing", Category.Critical,
                        vm("db-2", "on", "rhel9_64Guest", details(true, false, List.of()),
                                disk(null, false, null)), BIOS),
                Arguments.of("vmware.device.passthrough", Category.Critical,
                        vm("gpu-1", "on", "rhel9_64Guest", details(true, false, List.of("PCI device 0")),
                                disk("datastore-11", false, null)), BIOS),
                Arguments.of("vmware.disk.rdm.detected", Category.Critical,
                        vm("san-1", "on", "rhel9_64Guest", details(true, false, List.of()),
                                disk("datastore-11", false, "physical")), BIOS),
                Arguments.of("vmware.disk.rdm.detected", Category.Critical,
                        vm("san-2", "on", "rhel9_64Guest", details(true, false, List.of()),
                                disk("datastore-12", false, "virtual")), BIOS),
                Arguments.of("vmware.disk.shared.detected", Category.Warning,
                        vm("quorum-1", "on", "rhel9_64Guest", details(true, false, List.of()),
                                disk("datastore-11", true, null)), BIOS),
                Arguments.of("vmware.firmware.unsupported", Category.Critical,
                        vm("odd-boot", "on", "rhel9_64Guest", details(true, false, List.of()),
                                disk("datastore-11", false, null)), "coreboot"),
                Arguments.of("vmware.os.unsupported", Category.Warning,
                        vm("mac-1", "on", "darwin19_64Guest", details(true, false, List.of()),
                                disk("datastore-11", false, null)), BIOS),
                Arguments.of("vmware.os.unsupported", Category.Warning,
                        vm("sol-1", "on", "solaris11_64Guest", details(true, false, List.of()),
                                disk("datastore-11", false, null)), BIOS),
                Arguments.of("vmware.power.suspended", Category.Warning,
                        vm("sleepy-1", "suspended", "rhel9_64Guest", details(true, false, List.of()),
                                disk("datastore-11", false, null)), BIOS),
                Arguments.of("vmware.tools.not_running", Category.Information,
                        vm("quiet-1", "on", "rhel9_64Guest", details(false, false, List.of()),
                                disk("datastore-11", false, null)), BIOS),
                Arguments.of("vmware.vm.template", Category.Critical,
                        vm("golden-1", "on", "rhel9_64Guest", details(true, true, List.of()),
                                disk("datastore-11", false, null)), BIOS));
    }

    @ParameterizedTest(name = "{0} ({2})")
    @MethodSource("rules")
    void eachRuleRaisesItsOwnConcernAndNoOther(String id, Category category, Vm vm, String rawFirmware) {
        List<Concern> concerns = VsphereValidations.of(vm, rawFirmware, DATASTORES, false);

        assertThat(concerns).extracting(Concern::id, Concern::category, Concern::vm)
                .containsExactly(tuple(id, category, vm.name()));
    }

    @Test
    void aVmThatBreaksNoRuleRaisesNoConcern() {
        Vm clean = vm("web-1", "on", "rhel9_64Guest", details(true, false, List.of()),
                disk("datastore-11", false, null));

        assertThat(VsphereValidations.of(clean, BIOS, DATASTORES, false)).isEmpty();
        assertThat(VsphereValidations.of(clean, "efi", DATASTORES, true)).isEmpty();
    }

    @Test
    void toolsThatDoNotRunMatterOnlyForARunningVm() {
        Vm off = vm("quiet-2", "off", "rhel9_64Guest", details(false, false, List.of()),
                disk("datastore-11", false, null));
        Vm unknown = vm("quiet-3", "on", "rhel9_64Guest", details(null, false, List.of()),
                disk("datastore-11", false, null));

        assertThat(VsphereValidations.of(off, BIOS, DATASTORES, false)).extracting(Concern::id)
                .doesNotContain("vmware.tools.not_running");
        assertThat(VsphereValidations.of(unknown, BIOS, DATASTORES, false)).extracting(Concern::id)
                .doesNotContain("vmware.tools.not_running");
    }

    @Test
    void snapshotsBlockWhenVmliftReadsTheFilesAndOnlyWarnWhenVddkFollowsTheChain() {
        Vm.Details withSnapshots = new Vm.Details("4215a7c3-0000-4000-8000-000000000002", "esxi-01.example.com", 2,
                true, true, false, List.of());
        Vm vm = vm("snappy-1", "on", "rhel9_64Guest", withSnapshots, disk("datastore-11", false, null));

        assertThat(VsphereValidations.of(vm, BIOS, DATASTORES, false))
                .extracting(Concern::id, Concern::category, Concern::vm)
                .containsExactly(tuple("vmware.snapshot.detected", Category.Critical, "snappy-1"));
        assertThat(VsphereValidations.of(vm, BIOS, DATASTORES, true))
                .extracting(Concern::id, Concern::category, Concern::vm)
                .containsExactly(tuple("vmware.snapshot.detected", Category.Warning, "snappy-1"));
    }

    @Test
    void everyBadDiskOfAVmIsNamedOnce() {
        Vm vm = new Vm("vm-7", "mixed-1", 2, 1, 4096, Firmware.BIOS, false, "rhel9_64Guest", PowerState.ON, "/dc/vm/mixed-1",
                List.of(disk("datastore-11", false, null), disk("datastore-11", true, null),
                        disk("datastore-12", false, "physical")),
                List.of(), details(true, false, List.of()));

        assertThat(VsphereValidations.of(vm, BIOS, DATASTORES, false))
                .extracting(Concern::id, Concern::category, Concern::vm)
                .containsExactlyInAnyOrder(
                        tuple("vmware.disk.shared.detected", Category.Warning, "mixed-1"),
                        tuple("vmware.disk.rdm.detected", Category.Critical, "mixed-1"));
    }

    private static Vm vm(String name, String power, String osType, Vm.Details details, Disk disk) {
        return new Vm("vm-" + name, name, 2, 1, 4096, Firmware.BIOS, false, osType, PowerState.of(power), "/dc/vm/" + name,
                List.of(disk), List.of(new Nic("Network adapter 1", "00:50:56:aa:bb:01", "VM Network", "network-7",
                        "vmxnet3")), details);
    }

    /** A VM with no snapshots and changed block tracking on, as a cold or warm migration wants it. */
    private static Vm.Details details(Boolean toolsRunning, boolean template, List<String> passthrough) {
        return new Vm.Details("4215a7c3-0000-4000-8000-000000000001", "esxi-01.example.com", 0, true, toolsRunning,
                template, passthrough);
    }

    private static Disk disk(String datastore, boolean shared, String rawDeviceMapping) {
        return new Disk("2000", "Hard disk 1", 16 * GIB, datastore, "[" + datastore + "] vm/vm.vmdk", DiskBus.SCSI,
                "vmdk-flat", shared, "persistent", true, rawDeviceMapping);
    }
}
