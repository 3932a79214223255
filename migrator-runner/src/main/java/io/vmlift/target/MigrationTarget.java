package io.vmlift.target;

import io.vmlift.disk.DiskWriter;
import io.vmlift.plan.ResolvedPlan;
import java.io.IOException;
import java.time.Duration;

/**
 * Where VMs land: a folder of manifests and images, or a cluster. Every operation is idempotent, so that a
 * rerun adopts what a previous run finished.
 */
public interface MigrationTarget {
    /** For messages: "folder out/", "cluster https://...". */
    String describe();

    /** Creates (or updates) the DataVolumes of a VM. */
    void createDisks(ResolvedPlan plan, ResolvedPlan.TargetVm vm) throws IOException;

    /** True when the disk's bytes are already complete on the target. */
    boolean diskComplete(ResolvedPlan plan, ResolvedPlan.TargetVm vm, ResolvedPlan.TargetDisk disk) throws IOException;

    /** A writer for the disk's bytes; nothing shows as complete until the writer completes. */
    DiskWriter openDisk(ResolvedPlan plan, ResolvedPlan.TargetVm vm, ResolvedPlan.TargetDisk disk, long virtualSize)
            throws IOException;

    /** Creates (or updates) the VirtualMachine. */
    void createVm(ResolvedPlan plan, ResolvedPlan.TargetVm vm) throws IOException;

    boolean vmExists(ResolvedPlan plan, ResolvedPlan.TargetVm vm) throws IOException;

    /** Waits until the VM is usable on the target, or throws when the timeout passes. */
    void waitForVm(ResolvedPlan plan, ResolvedPlan.TargetVm vm, Duration timeout) throws IOException;

    /** Removes everything this VM's migration made on the target (after a failure). */
    void remove(ResolvedPlan plan, ResolvedPlan.TargetVm vm) throws IOException;
}
