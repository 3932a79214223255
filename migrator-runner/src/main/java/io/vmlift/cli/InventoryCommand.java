package io.vmlift.cli;

import io.vmlift.spi.Inventory;
import io.vmlift.spi.Vm;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

@Command(name = "inventory", mixinStandardHelpOptions = true, description = "List the source's VMs (with disks and NICs), networks and storage.")
final class InventoryCommand implements Callable<Integer> {
    @Mixin DocumentOptions documents;
    @Mixin OutputOptions output;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        try (SourceSession session = SourceSession.open(documents)) {
            Inventory inventory = session.source.inventory();
            if (!output.printStructured(spec.commandLine().getOut(), inventory)) {
                Table table = new Table("NAME", "ID", "CPUS", "MEMORY", "FIRMWARE", "POWER", "DISKS", "NETWORKS");
                for (Vm vm : inventory.vms()) {
                    table.row(vm.name(), vm.id(), vm.cpus(), vm.memoryMiB() + "Mi", vm.firmware(), vm.powerState(),
                            vm.disks().stream().map(d -> Sizes.human(d.capacityBytes())).collect(Collectors.joining(",")),
                            vm.nics().stream().map(n -> n.network()).collect(Collectors.joining(",")));
                }
                table.print(spec.commandLine().getOut());
                if (inventory.networks().stream().anyMatch(n -> n.forkliftId() != null)) {
                    // The ids Forklift knows these networks by, for maps written for either tool.
                    Table networks = new Table("NETWORK", "ID", "FORKLIFT ID");
                    inventory.networks().forEach(n -> networks.row(n.name(), n.id(), n.forkliftId()));
                    spec.commandLine().getOut().println();
                    networks.print(spec.commandLine().getOut());
                }
            }
            session.printWarnings(spec.commandLine().getErr());
            return 0;
        }
    }
}
