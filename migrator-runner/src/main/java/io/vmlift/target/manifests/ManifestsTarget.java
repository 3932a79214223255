package io.vmlift.target.manifests;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vmlift.ExitCode;
import io.vmlift.VmliftException;
import io.vmlift.disk.DiskFormat;
import io.vmlift.disk.DiskWriter;
import io.vmlift.model.Serialization;
import io.vmlift.plan.ResolvedPlan;
import io.vmlift.target.MigrationTarget;
import io.vmlift.target.VirtualMachineBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The manifests target: for each VM a folder &lt;output&gt;/&lt;namespace&gt;/&lt;vm&gt;/ with datavolumes.yaml,
 * virtualmachine.yaml and one image per disk, named after its DataVolume. `kubectl apply -R -f` takes the
 * manifests; `virtctl image-upload dv NAME --image-path=IMAGE` fills each DataVolume.
 */
public final class ManifestsTarget implements MigrationTarget {
    public static final String DATA_VOLUMES_FILE = "datavolumes.yaml";
    public static final String VIRTUAL_MACHINE_FILE = "virtualmachine.yaml";

    private final Path root;
    private final DiskFormat format;

    public ManifestsTarget(Path root, DiskFormat format) {
        this.root = root;
        this.format = format;
        requireWritable(root);
    }

    private static void requireWritable(Path root) {
        try {
            Files.createDirectories(root);
            Path probe = Files.createTempFile(root, ".vmlift-write-check", "");
            Files.delete(probe);
        } catch (IOException e) {
            throw new VmliftException(ExitCode.BAD_INPUT, "--output-dir " + root + " is not writable ("
                    + Serialization.describe(e) + "); choose a folder you can write to", e);
        }
    }

    public Path root() {
        return root;
    }

    public DiskFormat format() {
        return format;
    }

    public Path vmFolder(ResolvedPlan plan, ResolvedPlan.TargetVm vm) {
        return root.resolve(plan.targetNamespace()).resolve(vm.name());
    }

    public Path image(ResolvedPlan plan, ResolvedPlan.TargetVm vm, ResolvedPlan.TargetDisk disk) {
        return vmFolder(plan, vm).resolve(disk.dataVolumeName() + format.extension());
    }

    @Override
    public String describe() {
        return "folder " + root;
    }

    @Override
    public void createDisks(ResolvedPlan plan, ResolvedPlan.TargetVm vm) {
        List<ObjectNode> volumes = vm.disks().stream()
                .map(disk -> {
                    ObjectNode volume = VirtualMachineBuilder.dataVolume(plan, vm, disk,
                            VirtualMachineBuilder.DiskSourceKind.UPLOAD);
                    volume.with("metadata").with("annotations").put("vmlift.io/image-file",
                            image(plan, vm, disk).getFileName().toString());
                    return volume;
                })
                .toList();
        Serialization.writeAtomically(vmFolder(plan, vm).resolve(DATA_VOLUMES_FILE), Serialization.toYamlStream(volumes));
    }

    @Override
    public boolean diskComplete(ResolvedPlan plan, ResolvedPlan.TargetVm vm, ResolvedPlan.TargetDisk disk) {
        return Files.isRegularFile(image(plan, vm, disk));
    }

    @Override
    public DiskWriter openDisk(ResolvedPlan plan, ResolvedPlan.TargetVm vm, ResolvedPlan.TargetDisk disk,
            long virtualSize) throws IOException {
        return format.create(image(plan, vm, disk), virtualSize);
    }

    @Override
    public void createVm(ResolvedPlan plan, ResolvedPlan.TargetVm vm) {
        Serialization.writeAtomically(vmFolder(plan, vm).resolve(VIRTUAL_MACHINE_FILE),
                Serialization.toYaml(VirtualMachineBuilder.virtualMachine(plan, vm)));
    }

    @Override
    public boolean vmExists(ResolvedPlan plan, ResolvedPlan.TargetVm vm) {
        return Files.isRegularFile(vmFolder(plan, vm).resolve(VIRTUAL_MACHINE_FILE));
    }

    @Override
    public void remove(ResolvedPlan plan, ResolvedPlan.TargetVm vm) throws IOException {
        Path folder = vmFolder(plan, vm);
        if (!Files.exists(folder)) {
            return;
        }
        try (Stream<Path> files = Files.walk(folder)) {
            for (Path path : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
