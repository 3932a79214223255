package io.vmlift.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.vmlift.ExitCode;
import io.vmlift.model.DocumentSet;
import io.vmlift.model.Located;
import io.vmlift.model.Provider;
import io.vmlift.model.Plan;
import io.vmlift.model.Serialization;
import io.vmlift.spi.Concern;
import io.vmlift.destination.kubevirt.ClusterAccess;
import io.vmlift.destination.kubevirt.ClusterKinds;
import java.io.PrintWriter;
import java.util.List;
import io.vmlift.spi.Inventory;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "connect", mixinStandardHelpOptions = true, description = {
    "Connect to the source provider, log in, and summarize what it holds.",
    "With --destination: check the cluster instead (API, KubeVirt, CDI, storage classes, Multus networks and",
    "the permissions vmlift needs in the target namespace); Critical findings exit 3."})
final class ConnectCommand implements Callable<Integer> {
    @Mixin DocumentOptions documents;
    @Mixin OutputOptions output;
    @Mixin ResultsOptions results;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Mixin ClusterOptions cluster;

    @Option(names = "--destination", description = "Check the destination cluster instead of the source.")
    boolean destination;

    @Option(names = {"-n", "--namespace"}, paramLabel = "NS", description = "With --destination: the target"
            + " namespace to check (default: the Plan's targetNamespace, else default).")
    String namespace;

    @Option(names = "--inventory-file", paramLabel = "FILE",
            description = "Also write the full inventory as JSON to FILE, for 'vmlift map --inventory'.")
    Path inventoryFile;

    @Override
    public Integer call() throws Exception {
        results.prepare();
        if (destination) {
            return checkDestination();
        }
        try (SourceSession session = SourceSession.open(documents)) {
            Inventory inventory = session.source.inventory();
            session.printWarnings(spec.commandLine().getErr());
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
            summary.put("skipped", inventory.warningsOrNone().size());
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

    private int checkDestination() {
        DocumentSet set = documents.load();
        String target = namespace != null ? namespace : set.ofType(Plan.class).size() == 1
                ? set.ofType(Plan.class).get(0).document().spec().targetNamespace() : "default";
        Located<Provider> provider = set.ofType(Provider.class).stream().filter(p -> p.document().isDestination())
                .findFirst().orElse(null);
        try (KubernetesClient client = provider == null ? cluster.connect()
                : cluster.connect(provider, set.credentials(provider))) {
            Map<String, Object> summary = new LinkedHashMap<>();
            summary.put("cluster", client.getMasterUrl().toString());
            summary.put("version", client.getKubernetesVersion().getGitVersion());
            summary.put("namespace", target);
            summary.put("namespaceExists", client.namespaces().withName(target).get() != null);
            summary.put("storageClasses", client.storage().v1().storageClasses().list().getItems().stream()
                    .map(c -> Map.of("name", c.getMetadata().getName(),
                            "default", c.getMetadata().getAnnotations() != null && "true".equals(
                                    c.getMetadata().getAnnotations().get("storageclass.kubernetes.io/is-default-class")),
                            "volumeBindingMode", String.valueOf(c.getVolumeBindingMode())))
                    .toList());
            summary.put("networkAttachmentDefinitions", ClusterKinds.served(client,
                    ClusterKinds.NETWORK_ATTACHMENT_DEFINITION) ? client.genericKubernetesResources(
                    ClusterKinds.NETWORK_ATTACHMENT_DEFINITION).inNamespace(target).list().getItems().stream()
                    .map(n -> n.getMetadata().getName()).toList() : List.of());
            List<Concern> concerns = ClusterAccess.check(client, target, false);
            summary.put("concerns", concerns);
            PrintWriter out = spec.commandLine().getOut();
            if (!output.printStructured(out, summary)) {
                Table table = new Table("CLUSTER", "VERSION", "NAMESPACE", "STORAGE CLASSES", "NETWORKS");
                table.row(summary.get("cluster"), summary.get("version"), target
                        + (Boolean.TRUE.equals(summary.get("namespaceExists")) ? "" : " (missing)"),
                        ((List<?>) summary.get("storageClasses")).size(),
                        ((List<?>) summary.get("networkAttachmentDefinitions")).size());
                table.print(out);
                for (Concern concern : concerns) {
                    out.println("  " + concern.oneLine());
                }
                out.flush();
            }
            boolean blocked = concerns.stream().anyMatch(Concern::blocks);
            results.write("destination-ready", Boolean.toString(!blocked));
            return blocked ? ExitCode.BLOCKED.code() : 0;
        }
    }
}
