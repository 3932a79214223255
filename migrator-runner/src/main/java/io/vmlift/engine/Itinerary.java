package io.vmlift.engine;

import static io.vmlift.engine.Phase.AddCheckpoint;
import static io.vmlift.engine.Phase.AddFinalCheckpoint;
import static io.vmlift.engine.Phase.Completed;
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
import java.util.List;

/**
 * The steps a VM goes through, as Forklift's itineraries list them (pkg/controller/plan/migration.go). The
 * engine follows the one a VM's plan and disks choose, and refuses to enter a step that is not on it; dry runs
 * show it.
 */
public enum Itinerary {
    /** Power off, copy, create: Forklift's cold itinerary. */
    COLD(List.of(Validate, StorePowerState, PowerOffSource, CreateDataVolumes, CopyDisks, CreateVM, WaitForVM,
            Completed)),
    /** Snapshots of the running VM as CDI checkpoints (VDDK), precopies until the cutover: Forklift's warm one. */
    WARM_CDI(List.of(Validate, CreateSnapshot, CreateDataVolumes, CopyDisks, CopyingPaused, AddCheckpoint,
            RemovePreviousSnapshot, StorePowerState, PowerOffSource, CreateFinalSnapshot, AddFinalCheckpoint,
            Finalize, RemoveFinalSnapshot, CreateVM, WaitForVM, Completed)),
    /** vmlift's own warm copy: one precopy from a snapshot, then at the cutover the areas CBT says changed. */
    WARM_BY_CHANGES(List.of(Validate, CreateSnapshot, CreateDataVolumes, CopyDisks, CopyingPaused, StorePowerState,
            PowerOffSource, RemovePreviousSnapshot, Finalize, CreateVM, WaitForVM, Completed));

    private final List<Phase> phases;

    Itinerary(List<Phase> phases) {
        this.phases = phases;
    }

    /** The steps in order; warm ones repeat the precopy steps (CopyingPaused to RemovePreviousSnapshot). */
    public List<Phase> phases() {
        return phases;
    }

    /** The itinerary of a VM: warm plans by CDI unless vmlift copies every disk itself. */
    public static Itinerary of(ResolvedPlan plan, ResolvedPlan.TargetVm vm) {
        if (!plan.warm()) {
            return COLD;
        }
        return vm.disks().stream().allMatch(ResolvedPlan.TargetDisk::copiedByVmlift) ? WARM_BY_CHANGES : WARM_CDI;
    }
}
