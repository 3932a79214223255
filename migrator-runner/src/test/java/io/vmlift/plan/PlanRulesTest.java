package io.vmlift.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.vmlift.spi.PowerState;
import io.vmlift.spi.Firmware;
import io.vmlift.spi.DiskBus;
import io.vmlift.model.DocumentLoader;
import io.vmlift.model.DocumentSet;
import io.vmlift.spi.Disk;
import io.vmlift.spi.Inventory;
import io.vmlift.spi.Network;
import io.vmlift.spi.Nic;
import io.vmlift.spi.Storage;
import io.vmlift.spi.Vm;
import io.vmlift.spi.PowerControl;
import io.vmlift.spi.Snapshots;
import io.vmlift.source.SourceDisk;
import io.vmlift.source.SourceProvider;
import io.vmlift.spi.Concern;
import io.vmlift.spi.Concern.Category;
import io.vmlift.spi.TargetNames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Forklift's plan validation rules, one case each: a plan and an inventory built here that break one rule, and
 * the concern it must raise (id, category, the VM it names). A clean plan raises none of them.
 */
class PlanRulesTest {
    private static final long GIB = 1L << 30;
    private static final Set<String> RULES = Set.of("DuplicateVM", "TargetNameNotValid", "VMNameChanged",
            "VMNetworksNotMapped", "VMStorageNotMapped", "VMMultiplePodNetworkMappings", "InvalidDiskSizes",
            "DataVolumeNameConflict", "MigrationTypeUnsupported");

    /**
     * Two valid target names of 58 characters that share their first 55 and whose String hash codes are equal
     * ('a'*31+'k' == 'c'*31+'-'): TargetNames.withSuffix cuts both to the same prefix plus the same hash.
     */
    private static final String LONG_A = "a".repeat(55) + "akz";
    private static final String LONG_B = "a".repeat(55) + "c-z";

    private static final String MAPS = """
            apiVersion: forklift.konveyor.io/v1beta1
            kind: Provider
            metadata: {name: src}
            spec: {type: ova, url: ./packages}
            ---
            apiVersion: forklift.konveyor.io/v1beta1
            kind: Provider
            metadata: {name: host}
            spec: {type: openshift}
            ---
            apiVersion: forklift.konveyor.io/v1beta1
            kind: NetworkMap
            metadata: {name: net}
            spec:
              provider: {source: {name: src}}
              map:
                - source: {name: app}
                  destination: {type: pod}
                - source: {id: net-app2}
                  destination: {type: pod}
            ---
            apiVersion: forklift.konveyor.io/v1beta1
            kind: StorageMap
            metadata: {name: store}
            spec:
              provider: {source: {name: src}}
              map:
                - source: {name: ds1}
                  destination: {storageClass: standard}
            ---
            apiVersion: forklift.konveyor.io/v1beta1
            kind: Plan
            metadata: {name: wave}
            spec:
              targetNamespace: migrated
              provider: {source: {name: src}, destination: {name: host}}
              map: {network: {name: net}, storage: {name: store}}
            """;

    @TempDir
    Path dir;

    static Stream<Arguments> rules() {
        return Stream.of(
                Arguments.of("DuplicateVM", Category.Critical, "clean", "cold",
                        "[{name: clean}, {id: vm-clean}]"),
                Arguments.of("TargetNameNotValid", Category.Critical, "clean", "cold",
                        "[{name: clean, targetName: Clean_VM}]"),
                Arguments.of("VMNameChanged", Category.Information, "Web Server", "cold",
                        "[{name: Web Server}]"),
                Arguments.of("VMNameChanged", Category.Information, "twin", "cold",
                        "[{name: clean}, {name: twin, targetName: clean}]"),
                Arguments.of("VMNetworksNotMapped", Category.Critical, "lost-net", "cold", "[{name: lost-net}]"),
                Arguments.of("VMStorageNotMapped", Category.Critical, "lost-disk", "cold", "[{name: lost-disk}]"),
                Arguments.of("VMMultiplePodNetworkMappings", Category.Critical, "two-pods", "cold",
                        "[{name: two-pods}]"),
                Arguments.of("InvalidDiskSizes", Category.Critical, "no-size", "cold", "[{name: no-size}]"),
                Arguments.of("DataVolumeNameConflict", Category.Critical, "twin", "cold",
                        "[{name: clean, targetName: " + LONG_A + "}, {name: twin, targetName: " + LONG_B + "}]"),
                Arguments.of("MigrationTypeUnsupported", Category.Critical, null, "live", "[{name: clean}]"),
                // Warm from a source that cannot take snapshots: the plan as a whole, no VM named.
                Arguments.of("MigrationTypeUnsupported", Category.Critical, null, "warm", "[{name: clean}]"));
    }

    @ParameterizedTest(name = "{0} ({4})")
    @MethodSource("rules")
    void eachPlanRuleRaisesItsOwnConcernAndNoOther(String id, Category category, String vm, String type, String vms)
            throws IOException {
        List<Concern> concerns = resolve(type, vms, new FixedSource(null)).concerns();

        assertThat(concerns).filteredOn(c -> RULES.contains(c.id()))
                .extracting(Concern::id, Concern::category, Concern::vm)
                .containsExactly(tuple(id, category, vm));
    }

    @Test
    void aCleanPlanRaisesNoneOfTheRules() throws IOException {
        ResolvedPlan plan = resolve("cold", "[{name: clean}, {name: twin}]", new FixedSource(null));

        assertThat(plan.concerns()).extracting(Concern::id).doesNotContainAnyElementsOf(RULES);
        assertThat(plan.vms()).extracting(ResolvedPlan.TargetVm::name).containsExactly("clean", "twin");
    }

    @Test
    void theConflictCaseReallyHasTwoValidTargetNamesWithOneDataVolumeName() {
        // Target names are made unique per plan, so only names cut to the same hash can share a DataVolume name.
        assertThat(LONG_A).isNotEqualTo(LONG_B).hasSize(58);
        assertThat(TargetNames.isValid(LONG_A)).isTrue();
        assertThat(TargetNames.isValid(LONG_B)).isTrue();
        assertThat(LONG_A.hashCode()).isEqualTo(LONG_B.hashCode());
        assertThat(TargetNames.withSuffix(LONG_A, "disk-0")).isEqualTo(TargetNames.withSuffix(LONG_B, "disk-0"));
    }

    @Test
    void warmWhereNeitherCdiNorTheSourceCopiesChangesNamesTheVm() throws IOException {
        // The source takes snapshots but reports no changed areas, and vmlift uploads the disk itself.
        Snapshots snapshots = new Snapshots() {
            @Override
            public String create(Vm vm, String name) {
                return "snap-1";
            }

            @Override
            public void remove(Vm vm, String id) {}
        };
        List<Concern> concerns = resolve("warm", "[{name: clean}]", new FixedSource(snapshots)).concerns();

        assertThat(concerns).filteredOn(c -> RULES.contains(c.id()))
                .extracting(Concern::id, Concern::category, Concern::vm)
                .containsExactly(tuple("MigrationTypeUnsupported", Category.Critical, "clean"));
    }

    /**
     * Guest conversion: off by default, with a Warning for a guest that likely cannot boot on virtio unconverted
     * (a RHEL-family guest from vSphere: dracut's host-only initramfs); on with the annotation, where the Warning
     * goes and the VM is marked for conversion; skipGuestConversion: true wins; an unknown value is Critical.
     */
    @Test
    void guestConversionIsChosenByTheAnnotationAndAnUnconvertedRiskyGuestIsWarnedAbout() throws IOException {
        ResolvedPlan off = resolve("cold", "[{name: clean}]", new FixedSource(null));
        assertThat(off.concerns()).filteredOn(c -> c.id().startsWith("GuestConversion"))
                .extracting(Concern::id, Concern::category, Concern::vm)
                .containsExactly(tuple("GuestConversionOff", Category.Warning, "clean"));
        assertThat(off.concerns().stream().filter(c -> c.id().equals("GuestConversionOff")).findFirst().orElseThrow()
                .oneLine()).contains("rhel9_64Guest").contains("host-only initramfs").contains("vmlift.io/guest-conversion");
        assertThat(off.vms().get(0).convertGuest()).isFalse();

        ResolvedPlan on = resolveAnnotated("virt-v2v", "");
        assertThat(on.concerns()).extracting(Concern::id).noneMatch(id -> id.startsWith("GuestConversion"));
        assertThat(on.vms().get(0).convertGuest()).isTrue();

        ResolvedPlan skipped = resolveAnnotated("virt-v2v", "  skipGuestConversion: true\n");
        assertThat(skipped.vms().get(0).convertGuest()).isFalse();
        assertThat(skipped.concerns()).extracting(Concern::id).contains("GuestConversionOff")
                .doesNotContain("FieldIgnored");

        ResolvedPlan unknown = resolveAnnotated("virt-v2v-please", "");
        assertThat(unknown.concerns()).filteredOn(c -> c.id().equals("GuestConversionUnknown"))
                .extracting(Concern::category).containsExactly(Category.Critical);
    }

    private ResolvedPlan resolveAnnotated(String conversion, String moreSpec) throws IOException {
        Path file = dir.resolve("annotated.yaml");
        Files.writeString(file, MAPS.replace("metadata: {name: wave}", "metadata: {name: wave, annotations: "
                + "{vmlift.io/guest-conversion: " + conversion + "}}") + "  type: cold\n  vms: [{name: clean}]\n"
                + moreSpec);
        DocumentSet documents = DocumentLoader.load(List.of(file));
        return PlanResolver.resolve(documents, documents.plan(null), new FixedSource(null));
    }

    private ResolvedPlan resolve(String type, String vms, SourceProvider source) throws IOException {
        Path file = dir.resolve("docs.yaml");
        Files.writeString(file, MAPS + "  type: " + type + "\n  vms: " + vms + "\n");
        DocumentSet documents = DocumentLoader.load(List.of(file));
        return PlanResolver.resolve(documents, documents.plan(null), source);
    }

    private static Vm vm(String id, String name, List<Disk> disks, List<Nic> nics) {
        return new Vm(id, name, 2, 1, 2048, Firmware.BIOS, false, "rhel9_64Guest", PowerState.OFF, "/dc/vm/" + name, disks, nics,
                null);
    }

    private static Disk disk(String key, long capacity, String storageId) {
        return new Disk(key, "Hard disk " + key, capacity, storageId, "[" + storageId + "] " + key + ".vmdk", DiskBus.SCSI,
                "vmdk-sparse", false, "persistent", true, null);
    }

    private static Nic nic(String name, String mac, String network, String networkId) {
        return new Nic(name, mac, network, networkId, "vmxnet3");
    }

    private static Inventory sampleInventory() {
        return new Inventory(new Inventory.ProviderInfo("src", "vsphere", "https://vcenter.example.com"), List.of(
                vm("vm-clean", "clean", List.of(disk("2000", 10 * GIB, "ds1")),
                        List.of(nic("nic1", "00:50:56:00:00:01", "app", "net-app"))),
                vm("vm-twin", "twin", List.of(disk("2000", 10 * GIB, "ds1")),
                        List.of(nic("nic1", "00:50:56:00:00:02", "app", "net-app"))),
                vm("vm-web", "Web Server", List.of(disk("2000", 10 * GIB, "ds1")),
                        List.of(nic("nic1", "00:50:56:00:00:03", "app", "net-app"))),
                vm("vm-lost-net", "lost-net", List.of(disk("2000", 10 * GIB, "ds1")),
                        List.of(nic("nic1", "00:50:56:00:00:04", "lost", "net-lost"))),
                vm("vm-lost-disk", "lost-disk", List.of(disk("2000", 10 * GIB, "ds2")),
                        List.of(nic("nic1", "00:50:56:00:00:05", "app", "net-app"))),
                vm("vm-two-pods", "two-pods", List.of(disk("2000", 10 * GIB, "ds1")),
                        List.of(nic("nic1", "00:50:56:00:00:06", "app", "net-app"),
                                nic("nic2", "00:50:56:00:00:07", "app2", "net-app2"))),
                vm("vm-no-size", "no-size", List.of(disk("2000", 0, "ds1")),
                        List.of(nic("nic1", "00:50:56:00:00:08", "app", "net-app")))),
                List.of(new Network("net-app", "app", null), new Network("net-app2", "app2", null),
                        new Network("net-lost", "lost", null)),
                List.of(new Storage("ds1", "ds1", 500 * GIB, 400 * GIB), new Storage("ds2", "ds2", 500 * GIB, 0)));
    }

    /** A source that holds the inventory above, raises no concerns of its own and never copies anything. */
    private static final class FixedSource implements SourceProvider {
        private final Inventory inventory = sampleInventory();
        private final Snapshots snapshots;

        FixedSource(Snapshots snapshots) {
            this.snapshots = snapshots;
        }

        @Override
        public Inventory inventory() {
            return inventory;
        }

        @Override
        public List<Concern> validate(Vm vm) {
            return List.of();
        }

        @Override
        public PowerControl power() {
            return PowerControl.ALWAYS_OFF;
        }

        @Override
        public List<SourceDisk> disks(Vm vm) {
            throw new UnsupportedOperationException("plan checks read no disk");
        }

        @Override
        public java.util.Optional<Snapshots> snapshots() {
            return java.util.Optional.ofNullable(snapshots);
        }

        @Override
        public void close() {}
    }
}
