package io.vmlift.engine;

/** Where a plan's run stands as a whole, as Forklift's Migration reports it (the state record's "phase"). */
public enum PlanPhase {
    Pending,
    Running,
    /** Every VM of the plan completed. */
    Succeeded,
    /** The run ended with at least one VM not completed (or a rollback left something undone). */
    Failed,
    /** `vmlift rollback` undid every VM of the plan. */
    RolledBack
}
