package io.vmlift.destination;

import io.vmlift.disk.DiskCopier;
import io.vmlift.disk.DiskImage;
import io.vmlift.plan.ResolvedPlan;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.LongConsumer;

/**
 * Where VMs land: a folder of manifests and images, or a cluster. Every operation is idempotent, so that a
 * rerun adopts what a previous run finished.
 */
public interface MigrationTarget {
    /** For messages: "folder out/", "cluster https://...". */
    String describe();

    /**
     * Creates (or adopts) the DataVolumes of a VM.
     *
     * @param checkpoints for a warm migration, the source snapshots CDI copies up to, oldest first (a multi-stage
     *     import); empty for a cold one
     */
    void createDisks(ResolvedPlan plan, ResolvedPlan.TargetVm vm, List<String> checkpoints) throws IOException;

    /** True when the disk's bytes are already complete on the target. */
    boolean diskComplete(ResolvedPlan plan, ResolvedPlan.TargetVm vm, ResolvedPlan.TargetDisk disk) throws IOException;

    /**
     * A digest of the disk as the target stores it, recorded when the disk completes, so that a rerun can tell
     * the disk is still whole (not deleted, truncated or changed); null where the target keeps its own proof
     * (a DataVolume's phase).
     */
    default String storedDigest(ResolvedPlan plan, ResolvedPlan.TargetVm vm, ResolvedPlan.TargetDisk disk)
            throws IOException {
        return null;
    }

    /**
     * Copies a source disk's bytes to the target with the given copier; nothing shows as complete unless the
     * copy completes. The target chooses how: positional writes into a file, or an ordered stream (an upload).
     * The target disk has the source disk's declared capacity. A result's file digest, when there is one, is what
     * {@link #storedDigest} would answer for the disk now.
     */
    DiskCopier.Result copyDisk(ResolvedPlan plan, ResolvedPlan.TargetVm vm, ResolvedPlan.TargetDisk disk,
            DiskImage image, DiskCopier copier, LongConsumer progress) throws IOException;

    /** Where CDI moves disks itself inside the cluster (VDDK, imageio, warm imports); empty for a folder. */
    default Optional<InClusterTransfers> inClusterTransfers() {
        return Optional.empty();
    }

    /**
     * Where a warm migration's changes can be written over a disk's precopied image (a raw image file can; an
     * upload cannot).
     */
    default Optional<ChangeWriter> changeWriter() {
        return Optional.empty();
    }

    /** Where the guest's disks can be converted with virt-v2v after the copy; empty where they cannot be yet. */
    default Optional<GuestConverter> guestConverter() {
        return Optional.empty();
    }

    /** Creates (or updates) the VirtualMachine. */
    void createVm(ResolvedPlan plan, ResolvedPlan.TargetVm vm) throws IOException;

    boolean vmExists(ResolvedPlan plan, ResolvedPlan.TargetVm vm) throws IOException;

    /** Waits until the VM is usable on the target, or throws when the timeout passes. */
    void waitForVm(ResolvedPlan plan, ResolvedPlan.TargetVm vm, Duration timeout) throws IOException;

    /** Removes everything this VM's migration made on the target (after a failure); nothing there is fine. */
    void remove(ResolvedPlan plan, ResolvedPlan.TargetVm vm) throws IOException;

    /**
     * Keeps what this VM's migration made, but stopped (a rollback with --keep-target): the VirtualMachine's
     * runStrategy becomes Halted. Nothing there is fine; a VirtualMachine the plan did not make is refused.
     */
    void halt(ResolvedPlan plan, ResolvedPlan.TargetVm vm) throws IOException;
}
