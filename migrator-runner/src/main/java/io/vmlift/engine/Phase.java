package io.vmlift.engine;

/** The per-VM steps of a cold migration, named after Forklift's cold itinerary. */
public enum Phase {
    Pending,
    /** The source VM's concerns, asked again right before anything changes (it may have changed since plan). */
    Validate,
    StorePowerState,
    PowerOffSource,
    CreateDataVolumes,
    CopyDisks,
    CreateVM,
    /** Until the target says the VM is there (a cluster: Ready); immediate for a folder of manifests. */
    WaitForVM,
    Completed,
    Failed
}
