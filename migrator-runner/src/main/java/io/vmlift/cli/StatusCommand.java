package io.vmlift.cli;

import io.vmlift.VmliftException;
import io.vmlift.engine.MigrationState;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vmlift.engine.FileStateStore;
import io.vmlift.engine.StateStore;
import io.vmlift.model.DocumentSet;
import io.vmlift.model.Located;
import io.vmlift.model.Plan;
import io.vmlift.model.Provider;
import io.vmlift.destination.kubevirt.ConfigMapStateStore;
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

    @Option(names = "--output-dir", paramLabel = "DIR",
            description = "The folder the migration wrote to (default: the state record in the cluster).")
    Path outputDir;

    @Mixin ClusterOptions cluster;

    @Override
    public Integer call() {
        DocumentSet set = documents.load();
        Plan found = set.plan(plan.name).document();
        MigrationState state;
        String where;
        if (outputDir != null) {
            StateStore store = FileStateStore.forPlan(outputDir, found.name());
            state = store.load();
            where = store.describe();
        } else {
            Located<Provider> destination = set.find(Provider.class, found.spec().provider().destination()).orElseThrow();
            try (KubernetesClient client = cluster.connect(destination, set.credentials(destination))) {
                StateStore store = new ConfigMapStateStore(client, found.spec().targetNamespace(), found.name());
                state = store.load();
                where = store.describe();
            }
        }
        if (state == null) {
            throw VmliftException.badInput("plan '" + found.name() + "' has no state record (" + where
                    + "); run 'vmlift migrate' first");
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
