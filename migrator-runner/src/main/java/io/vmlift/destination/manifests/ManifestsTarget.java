package io.vmlift.destination.manifests;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vmlift.disk.DiskCopier;
import io.vmlift.disk.DiskFormat;
import io.vmlift.disk.DiskImage;
import io.vmlift.disk.Extent;
import io.vmlift.disk.DiskWriter;
import io.vmlift.model.Serialization;
import io.vmlift.plan.ResolvedPlan;
import io.vmlift.destination.MigrationTarget;
import io.vmlift.destination.VirtualMachineBuilder;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;
import java.util.function.LongConsumer;
import java.util.stream.Stream;

/**
 * The manifests target: for each VM a folder &lt;output&gt;/&lt;namespace&gt;/&lt;vm&gt;/ with datavolumes.yaml,
 * virtualmachine.yaml and one image per disk, named after its DataVolume. `kubectl apply -R -f` takes the
 * manifests; `virtctl image-upload dv NAME --image-path=IMAGE` fills each DataVolume.
 */
public final class ManifestsTarget implements MigrationTarget, io.vmlift.destination.ChangeWriter {
    public static final String DATA_VOLUMES_FILE = "datavolumes.yaml";
    private static final int CHANGE_CHUNK = 4 << 20;
    public static final String VIRTUAL_MACHINE_FILE = "virtualmachine.yaml";

    private final Path root;
    private final DiskFormat format;

    public ManifestsTarget(Path root, DiskFormat format) {
        this.root = root;
        this.format = format;
        Serialization.requireWritableFolder(root, "--output-dir");
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
    public void createDisks(ResolvedPlan plan, ResolvedPlan.TargetVm vm, List<String> checkpoints) {
        if (!checkpoints.isEmpty()) {
            throw new IllegalStateException("warm migration needs a cluster: CDI copies the changes between snapshots");
        }
        List<ObjectNode> volumes = vm.disks().stream()
                .map(disk -> {
                    ObjectNode volume = VirtualMachineBuilder.dataVolume(plan, vm, disk, disk.transfer());
                    if (disk.copiedByVmlift()) {
                        volume.with("metadata").with("annotations").put("vmlift.io/image-file",
                                image(plan, vm, disk).getFileName().toString());
                    }
                    return volume;
                })
                .toList();
        Serialization.writeAtomically(vmFolder(plan, vm).resolve(DATA_VOLUMES_FILE), Serialization.toYamlStream(volumes));
    }

    @Override
    public boolean diskComplete(ResolvedPlan plan, ResolvedPlan.TargetVm vm, ResolvedPlan.TargetDisk disk) {
        return disk.copiedByVmlift() ? Files.isRegularFile(image(plan, vm, disk))
                : Files.isRegularFile(vmFolder(plan, vm).resolve(DATA_VOLUMES_FILE));
    }

    /** The image file's {@link io.vmlift.disk.FileDigest}: CRC-32C and size. */
    @Override
    public String storedDigest(ResolvedPlan plan, ResolvedPlan.TargetVm vm, ResolvedPlan.TargetDisk disk)
            throws IOException {
        Path image = image(plan, vm, disk);
        if (!disk.copiedByVmlift() || !Files.isRegularFile(image)) {
            return null;
        }
        return io.vmlift.disk.FileDigest.read(image);
    }

    /** A raw image is the disk byte for byte, so changes are written where they belong; qcow2 is not patched. */
    @Override
    public java.util.Optional<io.vmlift.destination.ChangeWriter> changeWriter() {
        return format == DiskFormat.RAW ? java.util.Optional.of(this) : java.util.Optional.empty();
    }

    @Override
    public void applyChanges(ResolvedPlan plan, ResolvedPlan.TargetVm vm, ResolvedPlan.TargetDisk disk,
            DiskImage image, List<Extent> changed, LongConsumer progress) throws IOException {
        if (format != DiskFormat.RAW) {
            throw new IllegalStateException("changes are applied to raw images only");
        }
        Path file = image(plan, vm, disk);
        ByteBuffer buffer = ByteBuffer.allocateDirect(CHANGE_CHUNK);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            for (Extent area : changed) {
                for (long at = area.offset(); at < area.end(); ) {
                    int n = (int) Math.min(CHANGE_CHUNK, area.end() - at);
                    buffer.clear().limit(n);
                    image.read(at, buffer);
                    buffer.flip();
                    long position = at;
                    while (buffer.hasRemaining()) {
                        position += channel.write(buffer, position);
                    }
                    progress.accept(n);
                    at += n;
                }
            }
            channel.force(false);
        }
    }

    @Override
    public DiskCopier.Result copyDisk(ResolvedPlan plan, ResolvedPlan.TargetVm vm, ResolvedPlan.TargetDisk disk,
            DiskImage image, DiskCopier copier, LongConsumer progress) throws IOException {
        // Resumable: after kill -9 the rerun goes on from the copy's last checkpoint.
        try (DiskWriter writer = format.createResumable(image(plan, vm, disk), disk.source().capacityBytes())) {
            return copier.copy(image, writer, progress);
        }
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

    /** A folder has nothing to wait for: the VM is there once its manifest is written. */
    @Override
    public void waitForVm(ResolvedPlan plan, ResolvedPlan.TargetVm vm, Duration timeout) throws IOException {
        if (!vmExists(plan, vm)) {
            throw new IOException(vmFolder(plan, vm).resolve(VIRTUAL_MACHINE_FILE) + " was not written");
        }
    }

    /** The images of this folder, converted here by virt-v2v-in-place, in a work folder beside them. */
    @Override
    public java.util.Optional<io.vmlift.destination.GuestConverter> guestConverter() {
        return java.util.Optional.of((plan, vm, progress, cancelled) -> {
            List<io.vmlift.conversion.VirtV2vInPlace.Disk> disks = vm.disks().stream()
                    .map(disk -> new io.vmlift.conversion.VirtV2vInPlace.Disk(image(plan, vm, disk),
                            format == DiskFormat.RAW ? "raw" : "qcow2")).toList();
            io.vmlift.conversion.VirtV2vInPlace.Guest guest = new io.vmlift.conversion.VirtV2vInPlace.Guest(vm.name(),
                    vm.source().firmware() == io.vmlift.spi.Firmware.EFI, vm.source().memoryMiB(),
                    Math.max(1, vm.source().cpus()), disks);
            return io.vmlift.conversion.VirtV2vInPlace.convert(guest, vmFolder(plan, vm).resolve(".v2v"), progress,
                    cancelled);
        });
    }

    /** Rewrites the VM's manifest with runStrategy Halted; images and DataVolumes stay. */
    @Override
    public void halt(ResolvedPlan plan, ResolvedPlan.TargetVm vm) throws IOException {
        Path manifest = vmFolder(plan, vm).resolve(VIRTUAL_MACHINE_FILE);
        if (!Files.isRegularFile(manifest)) {
            return;
        }
        ObjectNode existing;
        try {
            existing = (ObjectNode) Serialization.yaml().readTree(manifest.toFile());
        } catch (IOException | ClassCastException e) {
            throw new IOException(manifest + " is not a VirtualMachine manifest vmlift can read; left as it is");
        }
        Map<String, String> labels = Serialization.json().convertValue(existing.path("metadata").path("labels"),
                new com.fasterxml.jackson.core.type.TypeReference<Map<String, String>>() {});
        if (!VirtualMachineBuilder.madeBy(plan, labels)) {
            throw new IOException(manifest + " was not written by plan " + plan.name() + "; left as it is");
        }
        existing.with("spec").put("runStrategy", VirtualMachineBuilder.RUN_STRATEGY_HALTED);
        Serialization.writeAtomically(manifest, Serialization.toYaml(existing));
    }

    /** Removes the files vmlift wrote for the VM (images of either format), and the folder when nothing else is in it. */
    @Override
    public void remove(ResolvedPlan plan, ResolvedPlan.TargetVm vm) throws IOException {
        Path folder = vmFolder(plan, vm);
        Files.deleteIfExists(folder.resolve(VIRTUAL_MACHINE_FILE));
        Files.deleteIfExists(folder.resolve(DATA_VOLUMES_FILE));
        for (ResolvedPlan.TargetDisk disk : vm.disks()) {
            // Either format: a rollback does not know which one the migration chose.
            for (DiskFormat any : DiskFormat.values()) {
                Path image = folder.resolve(disk.dataVolumeName() + any.extension());
                Files.deleteIfExists(image);
                Path partial = image.resolveSibling(image.getFileName() + DiskFormat.PARTIAL_SUFFIX);
                Files.deleteIfExists(partial);
                Files.deleteIfExists(DiskFormat.journalOf(partial));
            }
        }
        try (Stream<Path> left = Files.exists(folder) ? Files.list(folder) : Stream.empty()) {
            if (Files.exists(folder) && left.findAny().isEmpty()) {
                Files.delete(folder);
            }
        }
    }
}
