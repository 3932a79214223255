package io.vmlift.tekton;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.vmlift.model.Serialization;
import io.vmlift.testing.Example;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The vm-migrate-in-waves Pipeline end to end on the example OVA made into five VMs (vm-5's disk is corrupt
 * in the middle, so its copy fails), into the output workspace: a canary, its gate, the approval as a rerun, the
 * waves side by side as a matrix over the wave Plans, and the rollback of a wave whose gate or migration failed.
 */
class PipelineWavesTest {
    private static final Path JAR = TektonFiles.REPO.resolve("migrator-runner/target/vmlift.jar");
    private static final String PLAN = "example-wave-1";

    @TempDir
    Path dir;
    private LocalTektonRunner runner;
    private Path documents;
    private Path reports;
    private Path output;
    private JsonNode pipeline;

    @BeforeEach
    void setUp() throws Exception {
        runner = new LocalTektonRunner(Files.createDirectories(dir.resolve("runner")), JAR);
        Path claim = runner.pvc("vmlift-waves");
        documents = Example.copyTo(claim);
        Example.withVms(documents, dir.resolve("share"), 5, Set.of(5));
        reports = Files.createDirectories(claim.resolve("reports"));
        output = Files.createDirectories(claim.resolve("output"));
        pipeline = TektonFiles.read(TektonFiles.pipeline("vm-migrate-in-waves"));
    }

    private LocalTektonRunner.PipelineRun run(Map<String, String> more) throws Exception {
        Map<String, JsonNode> params = new HashMap<>(Map.of("plan", TextNode.valueOf(PLAN),
                "checkCluster", TextNode.valueOf("false")));
        more.forEach((key, value) -> params.put(key, TextNode.valueOf(value)));
        return runner.runPipeline(pipeline, params, Map.of("documents", documents, "reports", reports,
                "output", output));
    }

    private JsonNode record(String plan) throws Exception {
        return Serialization.json().readTree(output.resolve(plan + ".status.json").toFile());
    }

    private Set<String> migratedVms() throws Exception {
        Path namespace = output.resolve("migrated");
        if (!Files.isDirectory(namespace)) {
            return Set.of();
        }
        try (Stream<Path> vms = Files.list(namespace)) {
            return vms.filter(vm -> Files.exists(vm.resolve("virtualmachine.yaml")))
                    .map(vm -> vm.getFileName().toString()).collect(java.util.stream.Collectors.toSet());
        }
    }

    @Test
    void theCanaryGatesTheApprovalIsARerunAndAWaveThatFailedIsRolledBack() throws Exception {
        // Not approved yet: the canary migrates and passes; the waves wait.
        LocalTektonRunner.PipelineRun first = run(Map.of());
        first.tasks().forEach((name, task) -> assertThat(task.succeeded()).as(name + ":\n" + task.log()).isTrue());
        assertThat(first.tasks().keySet()).containsExactly("connect", "split", "migrate-canary", "test-canary",
                "rollback-failed-canary");
        assertThat(first.results()).containsEntry("canary-plan", PLAN + "-canary");
        assertThat(Serialization.json().readTree(first.tasks().get("split").results().get("wave-plans")))
                .extracting(JsonNode::asText).containsExactly(PLAN + "-wave-1", PLAN + "-wave-2");
        assertThat(documents.resolve(PLAN + "-waves.yaml")).isRegularFile();
        assertThat(reports.resolve(PLAN + "-canary/junit.xml")).isRegularFile();
        assertThat(first.tasks().get("rollback-failed-canary").results()).containsEntry("rollback-status",
                "NothingToDo");
        assertThat(migratedVms()).containsExactly("vm-1");

        // Approved: the canary is found migrated, both waves run side by side; wave 2 fails on vm-5's disk and
        // is rolled back by finally (its vm-4 had completed), wave 1 stays.
        LocalTektonRunner.PipelineRun second = run(Map.of("approveWaves", "true"));
        assertThat(second.tasks().get("migrate-canary").log()).contains("already migrated");
        LocalTektonRunner.TaskRun waves = second.tasks().get("migrate-waves");
        assertThat(waves.succeeded()).as(waves.log()).isFalse();
        assertThat(waves.log()).contains("--- migrate-waves[0]").contains("--- migrate-waves[1]")
                .contains("vm-5");
        assertThat(second.tasks()).doesNotContainKey("test-waves");
        LocalTektonRunner.TaskRun rollback = second.tasks().get("rollback-failed-waves");
        assertThat(rollback.succeeded()).as(rollback.log()).isTrue();
        assertThat(Serialization.json().readTree(rollback.results().get("rollback-status")))
                .as(waves.log() + "\n" + rollback.log())
                .extracting(JsonNode::asText).containsExactly("NothingToDo", "RolledBack");
        assertThat(record(PLAN + "-wave-1").path("phase").asText()).isEqualTo("Succeeded");
        assertThat(record(PLAN + "-wave-2").path("phase").asText()).isEqualTo("RolledBack");
        assertThat(migratedVms()).containsExactlyInAnyOrder("vm-1", "vm-2", "vm-3");
    }

    @Test
    void aCanaryThatFailsItsGateIsRolledBackAndNoWaveStarts() throws Exception {
        // A suite that cannot run without a cluster or --boot: the gate fails (exit 5), as a failed check would.
        TektonFiles.writeSuiteThatNeedsAGuest(documents);
        LocalTektonRunner.PipelineRun run = run(Map.of("approveWaves", "true", "suite", "suites/smoke.yaml"));
        LocalTektonRunner.TaskRun gate = run.tasks().get("test-canary");
        assertThat(gate.exitCode()).as(gate.log()).isEqualTo(5);
        assertThat(gate.results().get("error")).endsWith("the plan was rolled back");
        assertThat(run.tasks()).doesNotContainKeys("migrate-waves", "test-waves");
        assertThat(record(PLAN + "-canary").path("phase").asText()).isEqualTo("RolledBack");
        assertThat(migratedVms()).isEmpty();
        assertThat(Files.readString(reports.resolve(PLAN + "-canary/junit.xml"))).contains("smoke/boots");
    }

    @Test
    void theControllersAdmissionRulesHold() {
        // The plan param has no default: Tekton refuses a run without it before creating any TaskRun.
        assertThatThrownBy(() -> runner.runPipeline(pipeline, Map.of(), Map.of("documents", documents,
                "reports", reports))).hasMessageContaining("ParameterMissing").hasMessageContaining("plan");
        assertThatThrownBy(() -> runner.runPipeline(pipeline, Map.of("plan", TextNode.valueOf(PLAN),
                "waves", Serialization.json().createArrayNode().add("2")), Map.of("documents", documents,
                "reports", reports))).hasMessageContaining("ParameterTypeMismatch");
        assertThatThrownBy(() -> runner.runPipeline(pipeline, Map.of("plan", TextNode.valueOf(PLAN)),
                Map.of("documents", documents))).hasMessageContaining("workspace reports is not bound");
        // A matrix over a result that is not an array, and a result nobody declares, are invalid Pipelines.
        JsonNode notAnArray = edited("$(tasks.split.results.wave-plans[*])", "$(tasks.split.results.plan-name[*])");
        assertThatThrownBy(() -> runner.runPipeline(notAnArray, Map.of("plan", TextNode.valueOf(PLAN)),
                Map.of("documents", documents, "reports", reports))).hasMessageContaining("not an array");
        JsonNode undeclared = edited("$(tasks.split.results.canary-plan)", "$(tasks.split.results.canary)");
        assertThatThrownBy(() -> runner.runPipeline(undeclared, Map.of("plan", TextNode.valueOf(PLAN)),
                Map.of("documents", documents, "reports", reports))).hasMessageContaining("does not exist");
    }

    private JsonNode edited(String from, String to) {
        try {
            return Serialization.json().readTree(pipeline.toString().replace(from, to));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
