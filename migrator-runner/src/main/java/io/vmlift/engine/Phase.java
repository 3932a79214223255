package io.vmlift.engine;

/** The per-VM steps of a cold migration, named after Forklift's cold itinerary. */
public enum Phase {
    Pending,
    StorePowerState,
    PowerOffSource,
    CreateDataVolumes,
    CopyDisks,
    CreateVM,
    Completed,
    Failed
}
