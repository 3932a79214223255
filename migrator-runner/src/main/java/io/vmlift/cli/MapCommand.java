package io.vmlift.cli;

import io.vmlift.VmliftException;
import io.vmlift.mapping.MapSuggester;
import io.vmlift.model.DocumentSet;
import io.vmlift.model.Document;
import io.vmlift.model.Located;
import io.vmlift.model.ObjectMeta;
import io.vmlift.model.Provider;
import io.vmlift.model.Serialization;
import io.vmlift.spi.Inventory;
import io.vmlift.spi.Vm;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "map", mixinStandardHelpOptions = true, description = {
    "Suggest a NetworkMap and a StorageMap for the source's networks and storage.",
    "Review and edit the result, then pass it to 'vmlift plan' with -f."})
final class MapCommand implements Callable<Integer> {
    @Mixin DocumentOptions documents;
    @Mixin ResultsOptions results;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--vm", paramLabel = "NAME", description = "Map only what these VMs use (repeatable; default all).")
    List<String> vmNames = new ArrayList<>();

    @Option(names = "--target-namespace", paramLabel = "NS", defaultValue = "default",
            description = "Namespace for the suggested Multus networks (default: ${DEFAULT-VALUE}).")
    String targetNamespace;

    @Option(names = "--storage-class", paramLabel = "CLASS", defaultValue = "",
            description = "Storage class for every source storage (default: the cluster's default class).")
    String storageClass;

    @Option(names = "--name", paramLabel = "NAME", description = "Name prefix of the maps (default: the provider's).")
    String name;

    @Option(names = "--output-file", paramLabel = "FILE", description = "Write the maps to FILE instead of stdout.")
    Path outputFile;

    @Option(names = "--inventory", paramLabel = "FILE",
            description = "Map from an inventory 'vmlift connect --inventory-file' wrote, without connecting again.")
    Path inventoryFile;

    @Override
    public Integer call() throws Exception {
        results.prepare();
        DocumentSet set = documents.load();
        Located<Provider> sourceProvider = set.sourceProvider(documents.provider);
        Inventory inventory = inventoryFile != null ? readInventory(inventoryFile, sourceProvider)
                : connectAndRead(set, sourceProvider);
        List<Vm> vms = vmNames.isEmpty() ? inventory.vms() : inventory.vms().stream()
                .filter(vm -> vmNames.contains(vm.name()) || vmNames.contains(vm.id())).collect(Collectors.toList());
        if (vms.size() < vmNames.size()) {
            throw VmliftException.badInput("the source has no VM named " + vmNames.stream()
                    .filter(n -> inventory.vms().stream().noneMatch(vm -> vm.name().equals(n) || vm.id().equals(n)))
                    .collect(Collectors.joining(", ")) + "; see 'vmlift inventory'");
        }
        Provider source = sourceProvider.document();
        Optional<Located<Provider>> destination = set.ofType(Provider.class).stream()
                .filter(p -> p.document().isDestination()).findFirst();
        List<Document> out = new ArrayList<>();
        String destinationName = destination.map(p -> p.document().name()).orElse("host");
        if (destination.isEmpty()) {
            // Forklift's "host" provider: the cluster of the current kubeconfig.
            out.add(new Provider("forklift.konveyor.io/v1beta1", Provider.KIND,
                    ObjectMeta.named("host", source.namespace()), new Provider.Spec("openshift", "", null, null), null));
        }
        MapSuggester.Suggestion suggestion = MapSuggester.suggest(inventory, vms, name != null ? name : source.name(),
                source.namespace(), MapSuggester.providers(source.name(), destinationName, source.namespace()),
                targetNamespace, storageClass);
        out.add(suggestion.networkMap());
        out.add(suggestion.storageMap());
        String yaml = Serialization.toYamlStream(out);
        if (outputFile != null) {
            Serialization.writeAtomically(outputFile, yaml);
        } else {
            spec.commandLine().getOut().print(yaml);
            spec.commandLine().getOut().flush();
        }
        results.write("network-map", suggestion.networkMap().name());
        results.write("storage-map", suggestion.storageMap().name());
        return 0;
    }

    private static Inventory connectAndRead(DocumentSet set, Located<Provider> provider) throws IOException {
        try (SourceSession session = SourceSession.open(set, provider)) {
            return session.source.inventory();
        }
    }

    /** An inventory connect saved, for this provider. */
    private static Inventory readInventory(Path file, Located<Provider> provider) {
        Inventory inventory;
        try {
            inventory = Serialization.json().readValue(file.toFile(), Inventory.class);
        } catch (IOException e) {
            throw VmliftException.badInput(file + ": not an inventory that 'vmlift connect --inventory-file' wrote ("
                    + e.getMessage().lines().findFirst().orElse("") + ")", e);
        }
        if (inventory == null || inventory.provider() == null || inventory.vms() == null
                || inventory.networks() == null || inventory.storage() == null) {
            throw VmliftException.badInput(file + ": not an inventory that 'vmlift connect --inventory-file' wrote"
                    + " (provider, vms, networks or storage is missing)");
        }
        String name = provider.document().name();
        if (!name.equals(inventory.provider().name())) {
            throw VmliftException.badInput(file + ": the inventory is of provider '" + inventory.provider().name()
                    + "', not '" + name + "'; run 'vmlift connect --inventory-file' for " + provider.describe());
        }
        return inventory;
    }
}
