package io.vmlift.cli;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.tekton.v1.ChildStatusReference;
import io.fabric8.tekton.v1.Param;
import io.fabric8.tekton.v1.ParamBuilder;
import io.fabric8.tekton.v1.PipelineRun;
import io.fabric8.tekton.v1.PipelineRunBuilder;
import io.fabric8.tekton.v1.TaskRun;
import io.fabric8.tekton.v1.TaskRunResult;
import io.fabric8.tekton.v1.WorkspaceBinding;
import io.fabric8.tekton.v1.WorkspaceBindingBuilder;
import io.fabric8.knative.pkg.apis.Condition;
import io.vmlift.ExitCode;
import io.vmlift.VmliftException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Hands the five stages to Tekton: install its Tasks and Pipeline, or start a PipelineRun and follow it. */
@Command(name = "tekton", mixinStandardHelpOptions = true, subcommands = {TektonCommand.Install.class,
    TektonCommand.Run.class}, description = "Install vmlift's Tekton Tasks, or run its Pipeline and follow it.")
final class TektonCommand {
    /** The Tasks and Pipeline inside this jar (copied from tekton-tasks/ at build time). */
    static final List<String> RESOURCES = List.of(
            "task/vmlift-connect/0.1/vmlift-connect.yaml", "task/vmlift-map/0.1/vmlift-map.yaml",
            "task/vmlift-plan/0.1/vmlift-plan.yaml", "task/vmlift-migrate/0.1/vmlift-migrate.yaml",
            "task/vmlift-test/0.1/vmlift-test.yaml", "task/vmlift-report/0.1/vmlift-report.yaml",
            "task/vmlift-rollback/0.1/vmlift-rollback.yaml",
            "pipeline/vm-migrate-and-test/0.1/vm-migrate-and-test.yaml",
            "pipeline/vm-migrate-in-waves/0.1/vm-migrate-in-waves.yaml", "rbac/vmlift-rbac.yaml",
            "rbac/vmlift-transfer-secrets.yaml");

    @Command(name = "install", mixinStandardHelpOptions = true, description = {
        "Create or update vmlift's Tasks, the vm-migrate-and-test and vm-migrate-in-waves Pipelines, and the vmlift"
            + " ServiceAccount with the",
        "RBAC its Tasks need, in a namespace."})
    static final class Install implements Callable<Integer> {
        @Mixin ClusterOptions cluster;
        @Spec picocli.CommandLine.Model.CommandSpec spec;

        @Option(names = {"-n", "--namespace"}, required = true, paramLabel = "NS",
                description = "Where the Tasks, the Pipeline and the ServiceAccount go (where PipelineRuns run).")
        String namespace;

        @Option(names = "--target-namespace", paramLabel = "NS",
                description = "Where VMs land, which the Role grants access to (default: --namespace).")
        String targetNamespace;

        @Override
        public Integer call() throws IOException {
            String target = targetNamespace == null ? namespace : targetNamespace;
            PrintWriter out = spec.commandLine().getOut();
            try (KubernetesClient client = cluster.connect()) {
                for (String resource : RESOURCES) {
                    try (InputStream in = TektonCommand.class.getResourceAsStream("/tekton/" + resource)) {
                        if (in == null) {
                            throw new IllegalStateException("this jar lacks /tekton/" + resource);
                        }
                        for (HasMetadata item : client.load(in).items()) {
                            place(item, namespace, target);
                            apply(client, item, out);
                        }
                    }
                }
                // The files bind nothing cluster-wide (a ClusterRoleBinding must name the account's namespace,
                // which only this command knows): the binding for plan --check-cluster's reads is made here.
                apply(client, new io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder().withNewMetadata()
                        .withName("vmlift-cluster-checks").addToLabels("app.kubernetes.io/name", "vmlift").endMetadata()
                        .addNewSubject().withKind("ServiceAccount").withName("vmlift").withNamespace(namespace)
                        .endSubject().withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole")
                        .withName("vmlift-cluster-checks").endRoleRef().build(), out);
            }
            return 0;
        }

        private static void apply(KubernetesClient client, HasMetadata item, PrintWriter out) {
            client.resource(item).createOr(NonDeletingOperation::update);
            out.println(item.getKind() + " " + (item.getMetadata().getNamespace() == null ? ""
                    : item.getMetadata().getNamespace() + "/") + item.getMetadata().getName() + " applied");
        }

        /**
         * Tasks, Pipeline and ServiceAccount in the namespace; the bindings where VMs land, to the account in the
         * namespace; ClusterRoles as they are.
         */
        private static void place(HasMetadata item, String namespace, String target) {
            if (item.getKind().startsWith("Cluster")) {
                return;
            }
            item.getMetadata().setNamespace(item instanceof Role || item instanceof RoleBinding ? target : namespace);
            if (item instanceof RoleBinding binding) {
                for (Subject subject : binding.getSubjects()) {
                    subject.setNamespace(namespace);
                }
            }
        }
    }

    @Command(name = "run", mixinStandardHelpOptions = true, description = {
        "Start a PipelineRun of vm-migrate-and-test (or another Pipeline) and follow it with a line per change, to its",
        "end. The exit code is the failed Task's vmlift exit code (2, 3, 4, 5), or 0 when the run succeeded.",
        "The documents workspace is a PVC that already holds the documents (Provider, maps, Plan)."})
    static final class Run implements Callable<Integer> {
        @Mixin ClusterOptions cluster;
        @Spec picocli.CommandLine.Model.CommandSpec spec;

        @Option(names = {"-n", "--namespace"}, required = true, paramLabel = "NS", description = "Where to run.")
        String namespace;

        @Option(names = "--pipeline", paramLabel = "NAME", defaultValue = "vm-migrate-and-test",
                description = "The Pipeline (default: ${DEFAULT-VALUE}).")
        String pipeline;

        @Option(names = "--documents-pvc", required = true, paramLabel = "PVC",
                description = "The PVC holding the documents.")
        String documentsPvc;

        @Option(names = "--reports-pvc", paramLabel = "PVC",
                description = "The PVC for reports: the documents PVC (the default), where they go to the folder"
                        + " reports; Tekton refuses a TaskRun that binds two PVCs.")
        String reportsPvc;

        @Option(names = {"-p", "--param"}, paramLabel = "NAME=VALUE", description = "A Pipeline param; repeatable."
                + " A value in [ ] with commas is an array: vms=[web-1,db-1].")
        Map<String, String> params = new LinkedHashMap<>();

        @Option(names = "--service-account", paramLabel = "NAME", defaultValue = "vmlift",
                description = "The Tasks' ServiceAccount (default: ${DEFAULT-VALUE}).")
        String serviceAccount;

        @Option(names = "--timeout", paramLabel = "MINUTES", defaultValue = "1440",
                description = "The PipelineRun's timeout (Tekton's own default is 60), and how long to follow it"
                        + " (default: ${DEFAULT-VALUE}).")
        long timeoutMinutes;

        @Option(names = "--poll-interval", paramLabel = "SECONDS", defaultValue = "5", hidden = true)
        long pollSeconds;

        @Override
        public Integer call() throws Exception {
            PrintWriter err = spec.commandLine().getErr();
            try (KubernetesClient client = cluster.connect()) {
                var tekton = client.adapt(io.fabric8.tekton.client.TektonClient.class).v1();
                PipelineRun created = tekton.pipelineRuns().inNamespace(namespace).resource(pipelineRun()).create();
                String name = created.getMetadata().getName();
                err.println(now() + " PipelineRun " + namespace + "/" + name + " created");
                err.flush();
                Instant deadline = Instant.now().plus(Duration.ofMinutes(timeoutMinutes));
                Map<String, String> seen = new LinkedHashMap<>();
                while (true) {
                    PipelineRun run = tekton.pipelineRuns().inNamespace(namespace).withName(name).get();
                    Condition condition = succeeded(run == null || run.getStatus() == null ? null
                            : run.getStatus().getConditions());
                    for (TaskRun taskRun : taskRuns(client, run)) {
                        Condition taskCondition = succeeded(taskRun.getStatus() == null ? null
                                : taskRun.getStatus().getConditions());
                        String reason = taskCondition == null ? "Pending" : taskCondition.getReason();
                        String task = taskRun.getMetadata().getLabels() == null ? taskRun.getMetadata().getName()
                                : taskRun.getMetadata().getLabels().getOrDefault("tekton.dev/pipelineTask",
                                        taskRun.getMetadata().getName());
                        if (!reason.equals(seen.put(task, reason))) {
                            err.println(now() + " " + task + ": " + reason);
                            err.flush();
                        }
                    }
                    if (condition != null && !"Unknown".equals(condition.getStatus())) {
                        return outcome(client, run, condition, err);
                    }
                    if (Instant.now().isAfter(deadline)) {
                        throw new VmliftException(ExitCode.FAILED, "PipelineRun " + namespace + "/" + name
                                + " did not finish within " + timeoutMinutes + " min; it goes on: kubectl get pipelinerun -n "
                                + namespace + " " + name);
                    }
                    Thread.sleep(Duration.ofSeconds(pollSeconds).toMillis());
                }
            }
        }

        /** The runner image's group (tekton-tasks/Containerfile). */
        static final long RUNNER_GROUP = 10001;

        private PipelineRun pipelineRun() throws java.text.ParseException {
            List<Param> values = new ArrayList<>();
            params.forEach((key, value) -> {
                ParamBuilder param = new ParamBuilder().withName(key);
                if (value.startsWith("[") && value.endsWith("]")) {
                    String inner = value.substring(1, value.length() - 1).trim();
                    param.withValue(new io.fabric8.tekton.v1.ParamValue(
                            inner.isEmpty() ? List.of() : List.of(inner.split("\\s*,\\s*"))));
                } else {
                    param.withNewValue(value);
                }
                values.add(param.build());
            });
            List<WorkspaceBinding> workspaces = new ArrayList<>();
            workspaces.add(new WorkspaceBindingBuilder().withName("documents")
                    .withNewPersistentVolumeClaim(documentsPvc, false).build());
            // One claim with a subPath: Tekton's affinity assistant (coschedule: workspaces, the default)
            // refuses a TaskRun that binds two PersistentVolumeClaims, and plan, test and report bind both.
            if (reportsPvc != null && !reportsPvc.equals(documentsPvc)) {
                throw VmliftException.badInput("--reports-pvc " + reportsPvc + " differs from --documents-pvc "
                        + documentsPvc + ": Tekton refuses a TaskRun that binds two PVCs; leave it out, and the"
                        + " reports go to the folder reports of the documents PVC");
            }
            WorkspaceBindingBuilder reports = new WorkspaceBindingBuilder().withName("reports")
                    .withNewPersistentVolumeClaim(documentsPvc, false).withSubPath("reports");
            workspaces.add(reports.build());
            return new PipelineRunBuilder().withNewMetadata().withGenerateName(pipeline + "-")
                    .addToLabels("app.kubernetes.io/managed-by", "vmlift").endMetadata()
                    .withNewSpec().withNewPipelineRef().withName(pipeline).endPipelineRef()
                    // The runner's group owns the volumes (PVCs come root-owned; steps run as uid 10001), and a
                    // migration may take longer than Tekton's default 60 minutes.
                    .withNewTaskRunTemplate().withServiceAccountName(serviceAccount).withNewPodTemplate()
                    .withSecurityContext(new io.fabric8.kubernetes.api.model.PodSecurityContextBuilder()
                            .withFsGroup(RUNNER_GROUP).build()).endPodTemplate()
                    .endTaskRunTemplate()
                    .withNewTimeouts().withPipeline(io.fabric8.kubernetes.api.model.Duration.parse(timeoutMinutes + "m"))
                    .endTimeouts()
                    .withParams(values).withWorkspaces(workspaces).endSpec().build();
        }

        /** 0 when the run succeeded; else the failed Task's exit-code result, its error as the message. */
        private int outcome(KubernetesClient client, PipelineRun run, Condition condition, PrintWriter err) {
            if ("True".equals(condition.getStatus())) {
                err.println(now() + " PipelineRun " + run.getMetadata().getName() + ": Succeeded");
                if (run.getStatus().getResults() != null) {
                    // Results are written by the Tasks' pods: shown escaped, on one line each.
                    run.getStatus().getResults().forEach(r -> spec.commandLine().getOut().println(
                            io.vmlift.Printable.oneLine(r.getName() + ": " + (r.getValue() == null ? ""
                                    : r.getValue().getStringVal() != null ? r.getValue().getStringVal()
                                    : String.valueOf(r.getValue().getArrayVal())))));
                }
                return 0;
            }
            for (TaskRun taskRun : taskRuns(client, run)) {
                Condition failed = succeeded(taskRun.getStatus() == null ? null : taskRun.getStatus().getConditions());
                if (failed == null || !"False".equals(failed.getStatus())) {
                    continue;
                }
                Map<String, String> results = new LinkedHashMap<>();
                for (TaskRunResult result : taskRun.getStatus().getResults() == null ? List.<TaskRunResult>of()
                        : taskRun.getStatus().getResults()) {
                    results.put(result.getName(), result.getValue() == null ? "" : result.getValue().getStringVal());
                }
                ExitCode code = ExitCode.FAILED;
                for (ExitCode candidate : ExitCode.values()) {
                    if (Integer.toString(candidate.code()).equals(results.get("exit-code"))) {
                        code = candidate;
                    }
                }
                String why = results.getOrDefault("error", "");
                throw new VmliftException(code, "PipelineRun " + run.getMetadata().getName() + " failed in Task "
                        + taskRun.getMetadata().getName() + ": " + (why.isBlank() ? failed.getMessage() : why));
            }
            throw new VmliftException(ExitCode.FAILED, "PipelineRun " + run.getMetadata().getName() + " failed: "
                    + condition.getReason() + " " + (condition.getMessage() == null ? "" : condition.getMessage()));
        }

        private List<TaskRun> taskRuns(KubernetesClient client, PipelineRun run) {
            List<TaskRun> runs = new ArrayList<>();
            if (run == null || run.getStatus() == null || run.getStatus().getChildReferences() == null) {
                return runs;
            }
            var tekton = client.adapt(io.fabric8.tekton.client.TektonClient.class).v1();
            for (ChildStatusReference child : run.getStatus().getChildReferences()) {
                if ("TaskRun".equals(child.getKind())) {
                    TaskRun taskRun = tekton.taskRuns().inNamespace(namespace).withName(child.getName()).get();
                    if (taskRun != null) {
                        runs.add(taskRun);
                    }
                }
            }
            return runs;
        }

        private static Condition succeeded(List<Condition> conditions) {
            return conditions == null ? null : conditions.stream().filter(c -> "Succeeded".equals(c.getType()))
                    .findFirst().orElse(null);
        }

        private static String now() {
            return LocalTime.now().truncatedTo(ChronoUnit.SECONDS).toString();
        }
    }
}
