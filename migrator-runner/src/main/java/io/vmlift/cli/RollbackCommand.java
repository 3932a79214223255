package io.vmlift.cli;

import io.vmlift.ExitCode;
import io.vmlift.VmliftException;
import io.vmlift.engine.MigrationState;
import io.vmlift.engine.Phase;
import io.vmlift.engine.PlanPhase;
import io.vmlift.engine.Rollback;
import io.vmlift.disk.DiskFormat;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "rollback", mixinStandardHelpOptions = true, description = {
    "Undo a plan's migration, as after a failed test gate: power each source VM back on when vmlift powered it"
        + " off, remove vmlift's snapshots, and remove what the plan made on the target (or, with --keep-target,"
        + " halt it and keep its disks).",
    "Safe to rerun: it finishes what an earlier rollback could not do. Exit 5 when anything could not be undone;"
        + " the state record says what and why."})
final class RollbackCommand implements Callable<Integer> {
    @Mixin DocumentOptions documents;
    @Mixin OutputOptions output;
    @Mixin ResultsOptions results;
    @Mixin PlanOptions plan;
    @Mixin ClusterOptions cluster;
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @picocli.CommandLine.ParentCommand Vmlift root;

    @Option(names = "--output-dir", paramLabel = "DIR",
            description = "The folder the migration wrote to (default: the cluster).")
    Path outputDir;

    @Option(names = "--keep-target", description = "Halt the migrated VirtualMachines and keep their disks, for a"
            + " look at what failed, instead of removing them.")
    boolean keepTarget;

    @Option(names = "--if-failed", description = "Roll back only when the plan's last migration did not succeed"
            + " (for a pipeline's finally step over every wave); a plan that succeeded is left as it is.")
    boolean ifFailed;

    @Override
    public Integer call() throws Exception {
        results.prepare();
        PrintWriter err = spec.commandLine().getErr();
        // The plan's drift does not matter here: a rollback gives back what the record says vmlift took.
        try (PlanSession session = PlanSession.open(documents.load(), plan.name, true);
                Destination destination = outputDir != null
                        // The format only names images to remove: remove() takes both, halt() none.
                        ? Destination.folder(outputDir, DiskFormat.QCOW2, session.plan.name())
                        : Destination.cluster(cluster, null, session)) {
            Rollback rollback = new Rollback(session.session.source, destination.target(false), destination.store,
                    (vm, phase, detail) -> err.println(vm + ": " + phase + (detail.isEmpty() ? "" : ": " + detail)),
                    root.clock());
            MigrationState state = rollback.run(session.plan, keepTarget, ifFailed);
            results.write("plan-name", session.plan.name());
            if (state == null || (ifFailed && state.phase == PlanPhase.Succeeded)) {
                err.println("vmlift: plan '" + session.plan.name() + "' " + (state == null ? "has no state record in "
                        + destination.store.describe() : "succeeded") + ": nothing to roll back");
                results.write("rollback-status", "NothingToDo");
                results.write("rolled-back-vms", "[]");
                return 0;
            }
            printSummary(state);
            results.write("rollback-status", state.phase.name());
            results.write("rolled-back-vms", ResultsOptions.list(state.vms.stream()
                    .filter(v -> v.phase == Phase.RolledBack).map(v -> v.targetName).toList(),
                    destination.store.describe()));
            if (state.phase != PlanPhase.RolledBack) {
                long left = state.vms.stream().filter(v -> v.phase != Phase.RolledBack).count();
                MigrationState.VmState first = state.vms.stream().filter(v -> v.phase != Phase.RolledBack)
                        .findFirst().orElseThrow();
                String why = first.rollback == null || first.rollback.notDone().isEmpty() ? ""
                        : " (" + first.name + ": " + first.rollback.notDone().get(0) + ")";
                throw new VmliftException(ExitCode.FAILED, left + " of " + state.vms.size() + " VM(s) could not be"
                        + " rolled back" + why + "; see " + destination.store.describe() + ", fix it, then rerun");
            }
            return 0;
        }
    }

    private void printSummary(MigrationState state) {
        PrintWriter out = spec.commandLine().getOut();
        if (output.printStructured(out, state)) {
            return;
        }
        Table table = new Table("VM", "TARGET", "PHASE", "DONE", "NOT DONE");
        for (MigrationState.VmState vm : state.vms) {
            table.row(vm.name, vm.targetName, vm.phase,
                    vm.rollback == null ? "" : String.join("; ", vm.rollback.done()),
                    vm.rollback == null ? "" : String.join("; ", vm.rollback.notDone()));
        }
        table.print(out);
    }
}
