package io.vmlift.cli;

import io.vmlift.model.Serialization;
import io.vmlift.model.inventory.Inventory;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "connect", mixinStandardHelpOptions = true, description = "Connect to the source provider, log in, and summarize what it holds.")
final class ConnectCommand implements Callable<Integer> {
    @Mixin DocumentOptions documents;
    @Mixin OutputOptions output;
    @Mixin ResultsOptions results;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--inventory-file", paramLabel = "FILE",
            description = "Also write the full inventory as JSON to FILE, for 'vmlift map --inventory'.")
    Path inventoryFile;

    @Override
    public Integer call() throws Exception {
        results.prepare();
        try (SourceSession session = SourceSession.open(documents)) {
            Inventory inventory = session.source.inventory();
            if (inventoryFile != null) {
                Serialization.writeAtomically(inventoryFile, Serialization.toJson(inventory));
            }
            Map<String, Object> summary = new LinkedHashMap<>();
            summary.put("provider", session.provider.document().name());
            summary.put("type", session.provider.document().type());
            summary.put("url", session.provider.document().url());
            summary.put("connected", true);
            summary.put("vms", inventory.vms().size());
            summary.put("networks", inventory.networks().size());
            summary.put("storage", inventory.storage().size());
            if (!output.printStructured(spec.commandLine().getOut(), summary)) {
                Table table = new Table("PROVIDER", "TYPE", "CONNECTED", "VMS", "NETWORKS", "STORAGE");
                table.row(summary.get("provider"), summary.get("type"), "True", summary.get("vms"),
                        summary.get("networks"), summary.get("storage"));
                table.print(spec.commandLine().getOut());
            }
            results.write("provider", session.provider.document().name());
            results.write("vm-count", Integer.toString(inventory.vms().size()));
            return 0;
        }
    }
}
