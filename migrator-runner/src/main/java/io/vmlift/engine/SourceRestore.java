package io.vmlift.engine;

import io.vmlift.source.SourceProvider;
import io.vmlift.spi.PowerState;
import io.vmlift.spi.Vm;
import java.util.ArrayList;
import java.util.List;

/**
 * Gives a source VM back what vmlift took from it: its power, when the record says vmlift powered it off from
 * on, and the snapshots vmlift made (warm). A migration's failure and a rollback both do it, in this one place.
 * It never powers on a VM that someone else turned off, and asks the source before acting, so running it twice
 * changes nothing the second time.
 */
final class SourceRestore {
    /**
     * @param done one line per thing given back
     * @param notDone one line per thing that could not be given back, with the source's reason
     * @param powerRestored the source runs again (or needed nothing): the record may forget the power it stored
     * @param removedSnapshots vmlift's snapshots that are gone now
     */
    record Outcome(List<String> done, List<String> notDone, boolean powerRestored, List<String> removedSnapshots) {
        boolean complete() {
            return notDone.isEmpty();
        }

        /** Both, in the order they happened (power, then snapshots), for a failure's reasons. */
        List<String> said() {
            List<String> all = new ArrayList<>(done);
            all.addAll(notDone);
            return all;
        }
    }

    private SourceRestore() {}

    static Outcome restore(SourceProvider source, Vm vm, MigrationState.VmState vmState) {
        List<String> done = new ArrayList<>();
        List<String> notDone = new ArrayList<>();
        boolean powerRestored = false;
        if (vmState.poweredOffByVmlift && vmState.restorePowerState == PowerState.ON) {
            // Also after a crashed earlier run: the record says vmlift powered it off. A VM someone else
            // powered off is left off.
            try {
                if (source.power().state(vm) != PowerState.ON) {
                    source.power().powerOn(vm);
                    done.add("the source VM was powered back on");
                }
                powerRestored = true;
            } catch (Exception e) {
                notDone.add("could not power the source VM back on: " + e.getMessage());
            }
        }
        List<String> removed = new ArrayList<>();
        if (!vmState.snapshots.isEmpty()) {
            // Forklift once left snapshots behind after a failed warm migration; vmlift removes its own.
            try {
                for (String snapshot : List.copyOf(vmState.snapshots)) {
                    source.snapshots().orElseThrow().remove(vm, snapshot);
                    removed.add(snapshot);
                }
                done.add("vmlift's snapshots of the source VM were removed");
            } catch (Exception e) {
                List<String> left = new ArrayList<>(vmState.snapshots);
                left.removeAll(removed);
                notDone.add("could not remove vmlift's snapshots " + left + " of the source VM: " + e.getMessage());
            }
        }
        return new Outcome(done, notDone, powerRestored, removed);
    }

    /** Writes the outcome into the record (on the writer thread): what was given back is no longer owed. */
    static void record(Outcome outcome, MigrationState.VmState vmState) {
        if (outcome.powerRestored()) {
            vmState.poweredOffByVmlift = false;
            vmState.restorePowerState = null; // the next run records the state it finds
        }
        vmState.snapshots.removeAll(outcome.removedSnapshots());
    }
}
