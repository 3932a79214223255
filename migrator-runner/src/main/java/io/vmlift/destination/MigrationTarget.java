package io.vmlift.destination;

import io.vmlift.disk.DiskCopier;
import io.vmlift.disk.DiskImage;
import io.vmlift.disk.Extent;
import io.vmlift.plan.ResolvedPlan;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;
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

    /**
     * Warm migration: gives CDI the next checkpoints of the multi-stage import (all of them, oldest first);
     * final when the source is off and the last snapshot holds its final state.
     */
    void setCheckpoints(ResolvedPlan plan, ResolvedPlan.TargetVm vm, List<String> checkpoints, boolean last)
            throws IOException;

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
     * The target disk has the source disk's declared capacity.
     */
    DiskCopier.Result copyDisk(ResolvedPlan plan, ResolvedPlan.TargetVm vm, ResolvedPlan.TargetDisk disk,
            DiskImage image, DiskCopier copier, LongConsumer progress) throws IOException;

    /**
     * Creates or updates the Secret that transfers CDI performs itself name in their secretRef. A target that
     * cannot hold secrets (a folder) writes none and says so.
     */
    void putTransferSecret(ResolvedPlan plan, String name, Map<String, String> data) throws IOException;

    /** Creates or updates the ConfigMap with the source's CA that such transfers name in certConfigMap. */
    void putTransferConfigMap(ResolvedPlan plan, String name, Map<String, String> data) throws IOException;

    /**
     * Waits while CDI copies a disk inside the cluster (a transfer vmlift does not perform itself), reporting
     * progress in percent; returns when the DataVolume has succeeded, or, in a warm migration, has paused after
     * copying its newest checkpoint.
     */
    void awaitTransfer(ResolvedPlan plan, ResolvedPlan.TargetVm vm, ResolvedPlan.TargetDisk disk,
            IntConsumer percent) throws IOException;

    /**
     * Whether this target can take a warm migration's changes from vmlift: write the areas that changed since
     * the precopy over the disk's image (a raw image file can; an upload cannot).
     */
    boolean acceptsChanges();

    /** Writes the changed areas of the source image over the disk's precopied image; reports bytes written. */
    void applyChanges(ResolvedPlan plan, ResolvedPlan.TargetVm vm, ResolvedPlan.TargetDisk disk, DiskImage image,
            List<Extent> changed, LongConsumer progress) throws IOException;

    /** Creates (or updates) the VirtualMachine. */
    void createVm(ResolvedPlan plan, ResolvedPlan.TargetVm vm) throws IOException;

    boolean vmExists(ResolvedPlan plan, ResolvedPlan.TargetVm vm) throws IOException;

    /** Waits until the VM is usable on the target, or throws when the timeout passes. */
    void waitForVm(ResolvedPlan plan, ResolvedPlan.TargetVm vm, Duration timeout) throws IOException;

    /** Removes everything this VM's migration made on the target (after a failure). */
    void remove(ResolvedPlan plan, ResolvedPlan.TargetVm vm) throws IOException;
}
