package io.vmlift.cli;

import io.vmlift.VmliftException;
import io.vmlift.engine.MigrationState;
import io.vmlift.engine.StateStore;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "status", mixinStandardHelpOptions = true, description = "Show where a plan's migration stands, VM by VM, from its state record.")
final class StatusCommand implements Callable<Integer> {
    @Mixin DocumentOptions documents;
    @Mixin OutputOptions output;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Mixin PlanOptions plan;

    @Option(names = "--output-dir", paramLabel = "DIR", required = true,
            description = "The folder the migration wrote to.")
    Path outputDir;

    @Override
    public Integer call() {
        String planName = documents.load().plan(plan.name).document().name();
        StateStore store = StateStore.forPlan(outputDir, planName);
        MigrationState state = store.load();
        if (state == null) {
            throw VmliftException.badInput("plan '" + planName + "' has not run into " + outputDir + " (no "
                    + store.file().getFileName() + "); run 'vmlift migrate' first");
        }
        PrintWriter out = spec.commandLine().getOut();
        if (!output.printStructured(out, state)) {
            Table table = new Table("VM", "TARGET", "PHASE", "COPIED", "STARTED", "COMPLETED");
            for (MigrationState.VmState vm : state.vms) {
                long copied = vm.disks.stream().mapToLong(d -> d.copiedBytes).sum();
                long allocated = vm.disks.stream().mapToLong(d -> d.allocatedBytes).sum();
                table.row(vm.name, vm.targetName, vm.phase, Sizes.human(copied) + "/" + Sizes.human(allocated),
                        vm.started, vm.completed);
            }
            table.print(out);
            out.println("plan " + state.plan + ": " + state.phase);
            out.flush();
        }
        return 0;
    }
}
