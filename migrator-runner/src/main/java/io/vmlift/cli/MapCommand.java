package io.vmlift.cli;

import io.vmlift.mapping.MapSuggester;
import io.vmlift.model.Document;
import io.vmlift.model.Located;
import io.vmlift.model.ObjectMeta;
import io.vmlift.model.Provider;
import io.vmlift.model.Serialization;
import io.vmlift.model.inventory.Inventory;
import io.vmlift.model.inventory.Vm;
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

    @Override
    public Integer call() throws Exception {
        results.prepare();
        try (SourceSession session = SourceSession.open(documents)) {
            Inventory inventory = session.source.inventory();
            List<Vm> vms = vmNames.isEmpty() ? inventory.vms() : inventory.vms().stream()
                    .filter(vm -> vmNames.contains(vm.name()) || vmNames.contains(vm.id())).collect(Collectors.toList());
            if (vms.size() < vmNames.size()) {
                throw io.vmlift.VmliftException.badInput("the source has no VM named " + vmNames.stream()
                        .filter(n -> inventory.vms().stream().noneMatch(vm -> vm.name().equals(n) || vm.id().equals(n)))
                        .collect(Collectors.joining(", ")) + "; see 'vmlift inventory'");
            }
            Provider source = session.provider.document();
            Optional<Located<Provider>> destination = session.documents.ofType(Provider.class).stream()
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
    }
}
