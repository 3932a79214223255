package io.vmlift.engine;

import io.vmlift.destination.MigrationTarget;
import io.vmlift.plan.ResolvedPlan;
import io.vmlift.source.SourceProvider;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Undoes a plan's migration after a failed gate: each source VM gets back the power state vmlift recorded
 * before it powered it off, and what the plan made on the target is removed (or, keeping the target, halted).
 * It holds the plan's lock, so it never runs beside a migration of the plan. It asks the source and the target
 * what exists instead of trusting the record, so a rerun finishes what a failed one left and changes nothing
 * else. Each VM's outcome is recorded in the state record.
 */
public final class Rollback {
    private final SourceProvider source;
    private final MigrationTarget target;
    private final StateStore store;
    private final ProgressListener progress;
    private final EngineClock clock;

    public Rollback(SourceProvider source, MigrationTarget target, StateStore store, ProgressListener progress,
            EngineClock clock) {
        this.source = source;
        this.target = target;
        this.store = store;
        this.progress = progress;
        this.clock = clock;
    }

    /**
     * Rolls the plan's recorded VMs back; returns the record, or null when the plan never ran into this target
     * (nothing to undo).
     *
     * @param keepTarget halt the VirtualMachines and keep their disks instead of removing them
     * @param onlyIfFailed do nothing when the plan's last migration succeeded (a pipeline's finally step that
     *     rolls back the waves that failed); a run that never ended (Running, killed) counts as failed
     */
    public MigrationState run(ResolvedPlan plan, boolean keepTarget, boolean onlyIfFailed) throws IOException {
        try (StateStore.Lock held = store.lock()) {
            MigrationState state = store.load();
            if (state == null || !plan.name().equals(state.plan)) {
                return null;
            }
            if (onlyIfFailed && (state.phase == PlanPhase.Succeeded || state.phase == PlanPhase.RolledBack)) {
                return state;
            }
            try (StateWriter record = new StateWriter(state, store)) {
                for (ResolvedPlan.TargetVm vm : plan.vms()) {
                    MigrationState.VmState vmState = state.vm(vm.source().id());
                    if (vmState != null) {
                        rollBack(plan, vm, vmState, keepTarget, record);
                    }
                }
                String at = clock.now().toString();
                record.post(s -> {
                    boolean all = s.vms.stream().allMatch(v -> v.phase == Phase.RolledBack);
                    s.phase = all ? PlanPhase.RolledBack : PlanPhase.Failed;
                    s.completed = at;
                }, true);
            }
            return state;
        }
    }

    private void rollBack(ResolvedPlan plan, ResolvedPlan.TargetVm vm, MigrationState.VmState vmState,
            boolean keepTarget, StateWriter record) {
        // The source first: a VM that cannot be given back its power must not lose its copy too.
        SourceRestore.Outcome restored = SourceRestore.restore(source, vm.source(), vmState);
        List<String> done = new ArrayList<>(restored.done());
        List<String> notDone = new ArrayList<>(restored.notDone());
        boolean targetUndone = false;
        if (restored.complete()) {
            try {
                if (keepTarget) {
                    target.halt(plan, vm);
                    done.add("the target VM was halted; its disks were kept");
                } else {
                    target.remove(plan, vm);
                    done.add("what the plan made on the target was removed");
                }
                targetUndone = true;
            } catch (IOException | RuntimeException e) {
                notDone.add("could not " + (keepTarget ? "halt" : "remove") + " the target VM: " + e.getMessage());
            }
        } else {
            notDone.add("the target was left as it is until the source is restored");
        }
        boolean complete = notDone.isEmpty();
        boolean targetChanged = targetUndone;
        String at = clock.now().toString();
        record.change(s -> {
            SourceRestore.record(restored, vmState);
            if (targetChanged) {
                // The source may run again before the next migration: its disks are copied afresh then.
                vmState.forgetDisks();
            }
            vmState.rollback = new MigrationState.Rollback(at, keepTarget, done, notDone);
            if (complete) {
                vmState.phase = Phase.RolledBack;
            }
        });
        progress.phase(vm.name(), complete ? Phase.RolledBack : vmState.phase,
                String.join("; ", complete ? done : notDone));
    }
}
