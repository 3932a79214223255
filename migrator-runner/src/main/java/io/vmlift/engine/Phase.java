package io.vmlift.engine;

/** The per-VM steps of a migration, named after Forklift's cold and warm itineraries. */
public enum Phase {
    Pending,
    /** The source VM's concerns, asked again right before anything changes (it may have changed since plan). */
    Validate,
    /** Warm: a snapshot of the running VM, which the next precopy copies up to. */
    CreateSnapshot,
    /** Warm: the new snapshot becomes the DataVolumes' next checkpoint. */
    AddCheckpoint,
    /** Warm: between precopies, the VM still running at the source. */
    CopyingPaused,
    /** Warm: the snapshot the last precopy copied up to is no longer needed. */
    RemovePreviousSnapshot,
    StorePowerState,
    PowerOffSource,
    CreateDataVolumes,
    CopyDisks,
    /** Warm cutover: a snapshot of the VM once off, its final state. */
    CreateFinalSnapshot,
    AddFinalCheckpoint,
    /** Warm cutover: CDI copies the last changes and completes the DataVolumes. */
    Finalize,
    /** Warm: vmlift removes every snapshot it made. */
    RemoveFinalSnapshot,
    /** virt-v2v converts the copied guest to run on KVM (virtio drivers, no VMware Tools), when the plan asks. */
    ConvertGuest,
    CreateVM,
    /** Until the target says the VM is there (a cluster: Ready); immediate for a folder of manifests. */
    WaitForVM,
    Completed,
    Failed,
    /** Undone by `vmlift rollback`: the source has its power back, the target's objects are gone or halted. */
    RolledBack
}
