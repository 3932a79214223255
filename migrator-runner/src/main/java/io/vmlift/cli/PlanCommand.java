package io.vmlift.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.vmlift.ExitCode;
import io.vmlift.VmliftException;
import io.vmlift.model.DocumentLoader;
import io.vmlift.model.DocumentSet;
import io.vmlift.model.Located;
import io.vmlift.model.NetworkMap;
import io.vmlift.model.ObjectMeta;
import io.vmlift.model.ObjectReference;
import io.vmlift.model.Plan;
import io.vmlift.model.Provider;
import io.vmlift.model.Serialization;
import io.vmlift.model.StorageMap;
import io.vmlift.spi.Concern;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "plan", mixinStandardHelpOptions = true, description = {
    "Validate a Plan against the source and the maps, or write a new one for the VMs given with --vm.",
    "Concerns are Critical (blocks the migration, exit 3), Warning or Information, as in Forklift."})
final class PlanCommand implements Callable<Integer> {
    @Mixin DocumentOptions documents;
    @Mixin OutputOptions output;
    @Mixin ResultsOptions results;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Mixin PlanOptions plan;

    @Option(names = "--vm", paramLabel = "NAME_OR_ID",
            description = "Write a new Plan for these VMs (repeatable) instead of validating one from the documents.")
    List<String> vms = new ArrayList<>();

    @Option(names = "--name", paramLabel = "NAME", defaultValue = "wave-1",
            description = "Name of a new Plan (default: ${DEFAULT-VALUE}).")
    String newPlanName;

    @Option(names = "--target-namespace", paramLabel = "NS", defaultValue = "default",
            description = "targetNamespace of a new Plan (default: ${DEFAULT-VALUE}).")
    String targetNamespace;

    @Option(names = "--plan-file", paramLabel = "FILE", description = "Where to write a new Plan (default: stdout);"
            + " without --vm, where to write the checked Plan. Either way with each VM's fingerprint recorded, so"
            + " that migrate refuses a VM that changed since (VMChangedSincePlan).")
    Path planFile;

    @Option(names = "--wave-size", paramLabel = "N", description = "With --plan-file: write the Plan as waves of N"
            + " VMs each (NAME-wave-1, NAME-wave-2, ...) after a canary wave (NAME-canary), in the Plan's VM order.")
    Integer waveSize;

    @Option(names = "--split", paramLabel = "N", description = "With --plan-file: write the Plan as a canary wave"
            + " and N waves of nearly equal size (instead of --wave-size); N waves can then run side by side.")
    Integer split;

    @Option(names = "--canary", paramLabel = "N", defaultValue = "1",
            description = "With --wave-size or --split: VMs in the canary wave, 0 for none (default: ${DEFAULT-VALUE}).")
    int canary;

    @Option(names = "--concerns-file", paramLabel = "FILE", description = "Also write the concerns as JSON to FILE.")
    Path concernsFile;

    @Option(names = "--check-cluster", description = "Also check the plan against the destination cluster (APIs,"
            + " permissions, namespace, networks, storage classes, existing VMs and MACs).")
    boolean checkCluster;

    @Mixin ClusterOptions cluster;

    @Override
    public Integer call() throws Exception {
        results.prepare();
        DocumentSet set = documents.load();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (!vms.isEmpty()) {
            set = withNewPlan(set, out);
            plan.name = newPlanName;
        }
        // Writing the plan records the VMs as they are now: a change since the earlier record is no concern then.
        try (PlanSession session = PlanSession.open(set, plan.name, planFile != null)) {
            if (!vms.isEmpty() || planFile != null) {
                writePlan(session, out);
            }
            if (checkCluster) {
                try (KubernetesClient client = session.connectDestination(cluster)) {
                    session.checkCluster(client);
                }
            }
            Map<String, Object> report = new LinkedHashMap<>();
            report.put("plan", session.plan.name());
            report.put("ready", !session.plan.blocked());
            report.put("vms", session.plan.vms().stream().map(vm -> Map.of("name", vm.source().name(),
                    "id", vm.source().id(), "targetName", vm.name())).toList());
            report.put("concerns", session.plan.concerns());
            if (concernsFile != null) {
                Serialization.writeAtomically(concernsFile, Serialization.toJson(report));
            }
            // With a new plan on stdout, the verdict goes to stderr so that stdout stays a clean document.
            PrintWriter verdict = !vms.isEmpty() && planFile == null ? err : out;
            if (!output.printStructured(verdict, report)) {
                Table table = new Table("CATEGORY", "ID", "VM", "CONCERN");
                for (Concern concern : session.plan.concerns()) {
                    table.row(concern.category(), concern.id(), concern.vm(), concern.label()
                            + (concern.assessment() == null ? "" : "; " + concern.assessment()));
                }
                table.print(verdict);
                verdict.println("plan " + session.plan.name() + ": " + (session.plan.blocked()
                        ? "blocked by Critical concerns" : "ready") + " (" + session.plan.vms().size() + " VM(s))");
                verdict.flush();
            }
            results.write("plan-name", session.plan.name());
            results.write("plan-ready", Boolean.toString(!session.plan.blocked()));
            if (session.plan.blocked()) {
                List<Concern> critical = session.plan.concerns().stream().filter(Concern::blocks).toList();
                results.writeError("plan " + session.plan.name() + " has " + critical.size() + " Critical concern(s),"
                        + " the first: " + critical.get(0).oneLine(), session.plan.blockedExitCode());
                return session.plan.blockedExitCode().code();
            }
            return 0;
        }
    }

    /** Writes a Plan for --vm with the documents' maps and providers, and loads it with the rest. */
    private DocumentSet withNewPlan(DocumentSet set, PrintWriter out) throws IOException {
        Located<Provider> source = set.sourceProvider(documents.provider);
        Located<Provider> destination = set.ofType(Provider.class).stream().filter(p -> p.document().isDestination())
                .findFirst().orElseThrow(() -> VmliftException.badInput("no destination Provider (type openshift) among"
                        + " the documents; 'vmlift map' writes one"));
        Located<NetworkMap> networkMap = only(set.ofType(NetworkMap.class), "NetworkMap");
        Located<StorageMap> storageMap = only(set.ofType(StorageMap.class), "StorageMap");
        String namespace = source.document().namespace();
        List<Plan.Vm> entries = vms.stream().map(vm -> Plan.Vm.ref(null, vm)).toList();
        Plan plan = new Plan("forklift.konveyor.io/v1beta1", Plan.KIND, ObjectMeta.named(newPlanName, namespace),
                Plan.Spec.of(targetNamespace, new io.vmlift.model.ProviderPair(ref(source), ref(destination)),
                        new Plan.Maps(ref(networkMap), ref(storageMap)), "cold", entries), null);
        String yaml = Serialization.toYaml(plan);
        Path file = planFile;
        if (file == null) {
            file = Files.createTempFile("vmlift-plan", ".yaml");
            file.toFile().deleteOnExit();
            Files.writeString(file, yaml);
        } else {
            Serialization.writeAtomically(file, yaml); // rewritten with the fingerprints once the source is read
        }
        List<Path> paths = new ArrayList<>(documents.paths);
        if (!coveredBy(paths, file)) {
            paths.add(file);
        }
        return DocumentLoader.load(paths);
    }

    /** The plan as checked, with each VM's fingerprint, to --plan-file or (a new plan) stdout. */
    private void writePlan(PlanSession session, PrintWriter out) {
        Path from = session.plan.plan().file().toAbsolutePath().normalize();
        boolean shared = session.session.documents.all().stream()
                .filter(d -> d.file().toAbsolutePath().normalize().equals(from)).count() > 1;
        if (vms.isEmpty() && shared && planFile.toAbsolutePath().normalize().equals(from)) {
            throw VmliftException.badInput("--plan-file " + planFile + " is the file the Plan was read from, and it"
                    + " holds other documents too; write the Plan to a file of its own");
        }
        Map<String, String> fingerprints = new java.util.TreeMap<>();
        session.plan.vms().forEach(vm -> fingerprints.put(vm.source().id(), vm.source().fingerprint()));
        String yaml = waveSize == null && split == null
                ? Serialization.toYaml(session.plan.plan().document().withFingerprints(fingerprints))
                : waves(session);
        if (planFile != null) {
            Serialization.writeAtomically(planFile, yaml);
        } else {
            out.print(yaml);
            out.flush();
        }
    }

    /**
     * The checked plan as waves, one Plan document each: the canary first, then waves of --wave-size VMs (or
     * --split waves), each with its VMs' fingerprints. The wave names are results too (canary-plan, wave-plans),
     * for a pipeline that fans out over them.
     */
    private String waves(PlanSession session) {
        if (planFile == null || canary < 0 || (waveSize == null) == (split == null)
                || (waveSize != null && waveSize < 1) || (split != null && split < 1)) {
            throw VmliftException.badInput("write waves with --plan-file and one of --wave-size N or --split N (N of 1"
                    + " or more), and --canary 0 or more");
        }
        io.vmlift.model.Plan whole = session.plan.plan().document();
        List<io.vmlift.plan.ResolvedPlan.TargetVm> resolved = session.plan.vms();
        StringBuilder yaml = new StringBuilder();
        String canaryPlan = "";
        List<String> wavePlans = new ArrayList<>();
        int from = 0;
        for (int size : waveSizes(resolved.size(), canary, waveSize, split)) {
            List<io.vmlift.plan.ResolvedPlan.TargetVm> members = resolved.subList(from, from + size);
            String name;
            if (from == 0 && canary > 0) {
                name = canaryPlan = whole.name() + "-canary";
            } else {
                name = whole.name() + "-wave-" + (wavePlans.size() + 1);
                wavePlans.add(name);
            }
            Map<String, String> fingerprints = new java.util.TreeMap<>();
            members.forEach(vm -> fingerprints.put(vm.source().id(), vm.source().fingerprint()));
            io.vmlift.model.Plan part = whole.wave(name, members.stream()
                    .map(io.vmlift.plan.ResolvedPlan.TargetVm::entry).toList()).withFingerprints(fingerprints);
            yaml.append(yaml.length() == 0 ? "" : "---\n").append(Serialization.toYaml(part));
            from += size;
        }
        String names = Serialization.toCompactJson(wavePlans);
        if (results.resultsDir != null && names.length() > ResultsOptions.LIST_BUDGET) {
            // A pipeline fans out over every name: a cut list would drop waves, so refuse instead.
            throw VmliftException.badInput(wavePlans.size() + " waves do not fit a Tekton result ("
                    + names.length() + " bytes of names, at most " + ResultsOptions.LIST_BUDGET + "): use fewer waves");
        }
        results.write("canary-plan", canaryPlan);
        results.write("wave-plans", names);
        return yaml.toString();
    }

    /**
     * The sizes of the waves, in order: the canary (when there is one and VMs for it), then waves of waveSize, or
     * split waves whose sizes differ by at most one; never an empty wave.
     */
    static List<Integer> waveSizes(int vms, int canary, Integer waveSize, Integer split) {
        List<Integer> sizes = new ArrayList<>();
        int first = Math.min(canary, vms);
        if (first > 0) {
            sizes.add(first);
        }
        int rest = vms - first;
        if (waveSize != null) {
            for (int left = rest; left > 0; left -= waveSize) {
                sizes.add(Math.min(waveSize, left));
            }
        } else {
            int waves = Math.min(split, rest);
            for (int wave = 0; wave < waves; wave++) {
                sizes.add(rest / waves + (wave < rest % waves ? 1 : 0));
            }
        }
        return sizes;
    }

    /** True when -f already names the file, or the folder it was written to. */
    private static boolean coveredBy(List<Path> paths, Path file) {
        Path absolute = file.toAbsolutePath().normalize();
        return paths.stream().map(p -> p.toAbsolutePath().normalize())
                .anyMatch(p -> p.equals(absolute) || p.equals(absolute.getParent()));
    }

    private static <T extends io.vmlift.model.Document> Located<T> only(List<Located<T>> found, String kind) {
        if (found.size() != 1) {
            throw VmliftException.badInput("a new plan needs exactly one " + kind + " among the documents, found "
                    + found.size() + "; write one with 'vmlift map'");
        }
        return found.get(0);
    }

    private static ObjectReference ref(Located<?> located) {
        return ObjectReference.to(located.document().name(), located.document().namespace());
    }
}
