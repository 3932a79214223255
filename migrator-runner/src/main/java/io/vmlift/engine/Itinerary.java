package io.vmlift.engine;

import static io.vmlift.engine.Phase.AddCheckpoint;
import static io.vmlift.engine.Phase.AddFinalCheckpoint;
import static io.vmlift.engine.Phase.Completed;
import static io.vmlift.engine.Phase.ConvertGuest;
import static io.vmlift.engine.Phase.CopyDisks;
import static io.vmlift.engine.Phase.CopyingPaused;
import static io.vmlift.engine.Phase.CreateDataVolumes;
import static io.vmlift.engine.Phase.CreateFinalSnapshot;
import static io.vmlift.engine.Phase.CreateSnapshot;
import static io.vmlift.engine.Phase.CreateVM;
import static io.vmlift.engine.Phase.Finalize;
import static io.vmlift.engine.Phase.PowerOffSource;
import static io.vmlift.engine.Phase.RemoveFinalSnapshot;
import static io.vmlift.engine.Phase.RemovePreviousSnapshot;
import static io.vmlift.engine.Phase.StorePowerState;
import static io.vmlift.engine.Phase.Validate;
import static io.vmlift.engine.Phase.WaitForVM;

import io.vmlift.plan.ResolvedPlan;
import java.io.IOException;
import java.util.List;
import java.util.function.Predicate;

/**
 * The steps a VM goes through, as tables after Forklift's itineraries (pkg/controller/plan/migration.go): each
 * step a phase, the handler that performs it, and the condition under which it is taken. The engine's stepper
 * runs a VM through the table of its plan and disks: after a step it goes where the handler says (a warm
 * precopy loops back to CreateSnapshot) or else to the next step whose condition holds. Dry runs show the table.
 */
public enum Itinerary {
    /** Power off, copy, create: Forklift's cold itinerary. */
    COLD(List.of(
            step(Validate, MigrationEngine::validate),
            step(StorePowerState, MigrationEngine::storePowerState),
            step(PowerOffSource, MigrationEngine::powerOffSource),
            step(CreateDataVolumes, MigrationEngine::createDataVolumes),
            step(CopyDisks, MigrationEngine::copyDisks),
            step(ConvertGuest, MigrationEngine::convertGuest, MigrationEngine.VmRun::convertsGuest),
            step(CreateVM, MigrationEngine::createVm),
            step(WaitForVM, MigrationEngine::waitForVm),
            step(Completed, MigrationEngine::complete))),
    /** Snapshots of the running VM as CDI checkpoints (VDDK), precopies until the cutover: Forklift's warm one. */
    WARM_CDI(List.of(
            step(Validate, MigrationEngine::validate),
            step(CreateSnapshot, MigrationEngine::createSnapshot),
            step(CreateDataVolumes, MigrationEngine::createDataVolumes, MigrationEngine.VmRun::firstPrecopy),
            step(AddCheckpoint, MigrationEngine::addCheckpoint, MigrationEngine.VmRun::laterPrecopy),
            step(CopyDisks, MigrationEngine::awaitCheckpoint),
            step(RemovePreviousSnapshot, MigrationEngine::removePreviousSnapshots,
                    MigrationEngine.VmRun::olderSnapshots),
            step(CopyingPaused, MigrationEngine::pauseBetweenPrecopies, MigrationEngine.VmRun::beforeCutover),
            step(StorePowerState, MigrationEngine::storePowerState),
            step(PowerOffSource, MigrationEngine::powerOffSource),
            step(CreateFinalSnapshot, MigrationEngine::createFinalSnapshot),
            step(AddFinalCheckpoint, MigrationEngine::addFinalCheckpoint),
            step(Finalize, MigrationEngine::awaitFinalCheckpoint),
            step(RemoveFinalSnapshot, MigrationEngine::removeFinalSnapshots),
            step(ConvertGuest, MigrationEngine::convertGuest, MigrationEngine.VmRun::convertsGuest),
            step(CreateVM, MigrationEngine::createVm),
            step(WaitForVM, MigrationEngine::waitForVm),
            step(Completed, MigrationEngine::complete))),
    /** vmlift's own warm copy: one precopy from a snapshot, then at the cutover the areas CBT says changed. */
    WARM_BY_CHANGES(List.of(
            step(Validate, MigrationEngine::validate),
            step(CreateSnapshot, MigrationEngine::createSnapshot),
            step(CreateDataVolumes, MigrationEngine::createDataVolumes),
            step(CopyDisks, MigrationEngine::copyDisks),
            step(CopyingPaused, MigrationEngine::pauseBetweenPrecopies, MigrationEngine.VmRun::beforeCutover),
            step(StorePowerState, MigrationEngine::storePowerState),
            step(PowerOffSource, MigrationEngine::powerOffSource),
            step(RemovePreviousSnapshot, MigrationEngine::removePrecopySnapshot),
            step(Finalize, MigrationEngine::applyChanges),
            step(ConvertGuest, MigrationEngine::convertGuest, MigrationEngine.VmRun::convertsGuest),
            step(CreateVM, MigrationEngine::createVm),
            step(WaitForVM, MigrationEngine::waitForVm),
            step(Completed, MigrationEngine::complete)));

    /** Performs a step; returns the phase to go to, or null for the next step of the table. */
    @FunctionalInterface
    interface Handler {
        Phase run(MigrationEngine engine, MigrationEngine.VmRun run) throws IOException, InterruptedException;
    }

    /** A row of the table: the phase, its handler, and when it is taken (always, if no condition). */
    record Step(Phase phase, Handler handler, Predicate<MigrationEngine.VmRun> when) {}

    private static Step step(Phase phase, Handler handler) {
        return new Step(phase, handler, run -> true);
    }

    private static Step step(Phase phase, Handler handler, Predicate<MigrationEngine.VmRun> when) {
        return new Step(phase, handler, when);
    }

    private final List<Step> steps;

    Itinerary(List<Step> steps) {
        this.steps = steps;
    }

    /** The steps in order; warm ones repeat the precopy steps (CreateSnapshot to CopyingPaused). */
    public List<Phase> phases() {
        return steps.stream().map(Step::phase).toList();
    }

    Phase first() {
        return steps.get(0).phase();
    }

    Step step(Phase phase) {
        return steps.stream().filter(s -> s.phase() == phase).findFirst()
                .orElseThrow(() -> new IllegalStateException(phase + " is not a step of the " + this + " itinerary"));
    }

    /** The next step after phase whose condition holds for this run; null after the last. */
    Phase next(Phase phase, MigrationEngine.VmRun run) {
        for (int i = steps.indexOf(step(phase)) + 1; i < steps.size(); i++) {
            if (steps.get(i).when().test(run)) {
                return steps.get(i).phase();
            }
        }
        return null;
    }

    /** The itinerary of a VM: warm plans by CDI unless vmlift copies every disk itself. */
    public static Itinerary of(ResolvedPlan plan, ResolvedPlan.TargetVm vm) {
        if (!plan.warm()) {
            return COLD;
        }
        return vm.disks().stream().allMatch(ResolvedPlan.TargetDisk::copiedByVmlift) ? WARM_BY_CHANGES : WARM_CDI;
    }
}
