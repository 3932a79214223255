package io.vmlift.verify;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmlift.disk.DiskComparison;
import io.vmlift.disk.DiskImage;
import io.vmlift.disk.DiskImages;
import io.vmlift.engine.MigrationState;
import io.vmlift.engine.Phase;
import io.vmlift.model.Serialization;
import io.vmlift.plan.ResolvedPlan;
import io.vmlift.source.SourceProvider;
import io.vmlift.destination.manifests.ManifestsTarget;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The test stage for the manifests target: each VM finished, its manifests are there and say what the source
 * said (CPU, memory, MACs), and each disk image is complete with the source's capacity and, unless
 * switched off, the source's contents.
 */
public final class ManifestsVerifier {
    private final ResolvedPlan plan;
    private final ManifestsTarget target;
    private final MigrationState state;
    private final SourceProvider source;

    /**
     * @param source when not null, each image's contents are compared with the source disk's (a re-read of
     *     the source's allocated bytes)
     */
    public ManifestsVerifier(ResolvedPlan plan, ManifestsTarget target, MigrationState state, SourceProvider source) {
        this.plan = plan;
        this.target = target;
        this.state = state;
        this.source = source;
    }

    public TestReport verify() {
        TestReport report = TestReport.of(plan.name());
        for (ResolvedPlan.TargetVm vm : plan.vms()) {
            List<TestReport.Check> checks = new ArrayList<>();
            MigrationState.VmState vmState = state == null ? null : state.vm(vm.source().id());
            checks.add(TestReport.Check.run("migration completed", () -> vmState == null ? "the VM was never migrated here"
                    : vmState.phase == Phase.Completed ? null
                    : "the VM is in phase " + vmState.phase + (vmState.error == null ? "" : ": "
                            + String.join("; ", vmState.error.reasons()))));
            Path folder = target.vmFolder(plan, vm);
            JsonNode[] manifest = new JsonNode[1];
            checks.add(TestReport.Check.run("VirtualMachine manifest", () -> {
                Path file = folder.resolve(ManifestsTarget.VIRTUAL_MACHINE_FILE);
                if (!Files.isRegularFile(file)) {
                    return file + " is missing";
                }
                manifest[0] = Serialization.yaml().readTree(file.toFile());
                return vm.name().equals(manifest[0].path("metadata").path("name").asText()) ? null
                        : file + " names another VM: " + manifest[0].path("metadata").path("name").asText();
            }));
            checks.add(TestReport.Check.run("CPU and memory as at the source", () -> {
                if (manifest[0] == null) {
                    return "no manifest to check";
                }
                JsonNode domain = manifest[0].at("/spec/template/spec/domain");
                int cpus = domain.at("/cpu/sockets").asInt() * domain.at("/cpu/cores").asInt()
                        * domain.at("/cpu/threads").asInt(1);
                String memory = domain.at("/memory/guest").asText();
                if (cpus != vm.source().cpus()) {
                    return "the VM has " + cpus + " vCPUs, the source " + vm.source().cpus();
                }
                return memory.equals(vm.source().memoryMiB() + "Mi") ? null
                        : "the VM has memory " + memory + ", the source " + vm.source().memoryMiB() + "Mi";
            }));
            checks.add(TestReport.Check.run("interfaces keep the source MACs", () -> {
                if (manifest[0] == null) {
                    return "no manifest to check";
                }
                Set<String> macs = new HashSet<>();
                manifest[0].at("/spec/template/spec/domain/devices/interfaces")
                        .forEach(i -> macs.add(i.path("macAddress").asText()));
                for (ResolvedPlan.TargetNic nic : vm.nics()) {
                    if (nic.source().mac() != null && !nic.ignored() && !macs.contains(nic.source().mac())) {
                        return "MAC " + nic.source().mac() + " of NIC " + nic.source().name() + " is missing";
                    }
                }
                return null;
            }));
            MigrationState.Conversion conversion = vmState == null ? null : vmState.conversion;
            if (conversion != null) {
                // The report's record of what virt-v2v did; the disks now differ from the source by design.
                checks.add(new TestReport.Check("guest converted by " + conversion.tool(), true, null, 0,
                        "converted in " + conversion.seconds() + " s" + (conversion.virtioDrivers()
                                ? "; virtio drivers installed" : "; no virtio drivers")
                                + (conversion.warnings().isEmpty() ? "" : "; warnings: "
                                        + String.join("; ", conversion.warnings()))
                                + (conversion.notes().isEmpty() ? "" : "; notes: " + String.join("; ", conversion.notes())),
                        true));
            }
            for (ResolvedPlan.TargetDisk disk : vm.disks()) {
                if (!disk.copiedByVmlift()) {
                    // CDI copies this disk when the manifests are applied: what can be checked here is the order.
                    checks.add(TestReport.Check.run("disk " + disk.index() + " DataVolume imports from the source",
                            () -> importsFromSource(target.vmFolder(plan, vm), disk)));
                    continue;
                }
                checks.add(TestReport.Check.run("disk " + disk.index() + " image complete", () -> {
                    Path image = target.image(plan, vm, disk);
                    if (!Files.isRegularFile(image)) {
                        return image + " is missing";
                    }
                    long size = virtualSize(image);
                    long capacity = disk.source().capacityBytes();
                    // qcow2 sizes are whole sectors: a capacity of 1000 bytes is stored as 1024.
                    return size >= capacity && size - capacity < 512 ? null : image + " holds a " + size
                            + "-byte disk, the source disk has " + capacity;
                }));
                if (source != null && conversion == null) {
                    checks.add(TestReport.Check.run("disk " + disk.index() + " contents match the source", () -> {
                        Path image = target.image(plan, vm, disk);
                        if (!Files.isRegularFile(image)) {
                            return image + " is missing";
                        }
                        try (DiskImage expected = source.disks(vm.source()).get(disk.index()).open();
                                DiskImage actual = DiskImages.open(image)) {
                            String difference = DiskComparison.firstDifference(expected, actual);
                            return difference == null ? null : image + ": " + difference;
                        }
                    }));
                }
            }
            report.vms().add(new TestReport.VmResult(vm.name(), checks));
        }
        return report;
    }

    /** Null when datavolumes.yaml has the disk's DataVolume with the source CDI is to read; else what is wrong. */
    private static String importsFromSource(Path vmFolder, ResolvedPlan.TargetDisk disk) throws IOException {
        Path file = vmFolder.resolve(ManifestsTarget.DATA_VOLUMES_FILE);
        if (!Files.isRegularFile(file)) {
            return file + " is missing";
        }
        try (var parser = Serialization.yaml().createParser(file.toFile())) {
            for (var it = Serialization.yaml().readValues(parser, JsonNode.class); it.hasNext(); ) {
                JsonNode volume = it.next();
                if (disk.dataVolumeName().equals(volume.at("/metadata/name").asText())) {
                    JsonNode source = volume.at("/spec/source");
                    return source.has("upload") || source.isMissingNode() ? "DataVolume " + disk.dataVolumeName()
                            + " has no source CDI could import from" : null;
                }
            }
        }
        return file + " has no DataVolume " + disk.dataVolumeName();
    }

    /** The virtual size of an image as its format reads it (a corrupt or truncated image fails here). */
    static long virtualSize(Path image) throws IOException {
        try (DiskImage opened = DiskImages.open(image)) {
            return opened.virtualSize();
        }
    }
}
