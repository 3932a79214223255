package io.vmlift.tekton;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.vmlift.model.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Tasks' scripts as Tekton would run them (see {@link LocalTektonRunner}), with the vmlift jar this build
 * made: the whole vm-migrate-and-test Pipeline on the bundled example OVA into the output workspace, and the
 * ways a Task must fail fast with its reason as a result.
 */
class PipelineLocalRunTest {
    private static final Path JAR = TektonFiles.REPO.resolve("migrator-runner/target/vmlift.jar");

    @TempDir
    Path dir;
    private LocalTektonRunner runner;
    private Path documents;
    private Path reports;
    private Path output;

    @BeforeEach
    void setUp() throws IOException {
        assertThat(JAR).as("the runner jar; mvn builds migrator-runner before this module").isRegularFile();
        runner = new LocalTektonRunner(Files.createDirectories(dir.resolve("runner")), JAR);
        // One PersistentVolumeClaim with a subPath per workspace: a TaskRun may bind only one claim.
        Path claim = runner.pvc("vmlift-wave");
        documents = Files.createDirectories(claim.resolve("documents"));
        try (Stream<Path> files = Files.list(TektonFiles.REPO.resolve("examples/pipelines/ova"))) {
            for (Path file : files.filter(f -> f.toString().matches(".*\\.(yaml|ova)$")).toList()) {
                Files.copy(file, documents.resolve(file.getFileName()));
            }
        }
        reports = Files.createDirectories(claim.resolve("reports"));
        output = Files.createDirectories(claim.resolve("output"));
    }

    @Test
    void thePipelineMigratesTheExampleTestsItAndReports() throws Exception {
        LocalTektonRunner.PipelineRun run = runner.runPipeline(
                TektonFiles.read(TektonFiles.pipeline("vm-migrate-and-test")),
                Map.of("checkCluster", TextNode.valueOf("false")),
                Map.of("documents", documents, "reports", reports, "output", output));

        run.tasks().forEach((name, task) -> assertThat(task.succeeded()).as(name + ":\n" + task.log()).isTrue());
        assertThat(run.tasks().keySet()).containsExactly("connect", "map", "plan", "migrate", "test", "report");
        assertThat(run.tasks().get("connect").results()).containsEntry("provider", "example-ova")
                .containsEntry("vm-count", "1").containsEntry("error", "");
        assertThat(documents.resolve("inventory.json")).isRegularFile();
        assertThat(run.tasks().get("map").log()).contains("maps.yaml is already in the workspace");
        assertThat(run.tasks().get("plan").results()).containsEntry("plan-ready", "true");
        assertThat(reports.resolve("concerns.json")).isRegularFile();

        JsonNode migrated = Serialization.json().readTree(run.results().get("migrated-vms"));
        assertThat(migrated.isArray()).isTrue();
        assertThat(migrated.get(0).asText()).isEqualTo("example-vm");
        assertThat(run.results()).containsEntry("plan-name", "example-wave-1");
        assertThat(run.results().get("test-summary")).endsWith(" 0 failed").doesNotStartWith("0 passed");
        assertThat(output.resolve("migrated/example-vm/virtualmachine.yaml")).isRegularFile();
        assertThat(Files.readString(reports.resolve("junit.xml"))).contains("failures=\"0\"");
        assertThat(run.tasks().get("report").results()).containsEntry("migration-phase", "Succeeded");
        assertThat(run.tasks().get("report").log()).contains("test Task: Succeeded");
    }

    @Test
    void aMissingSecretFailsTheTaskAtOnceWithTheReasonAsAResult() throws Exception {
        Path vsphere = Files.createDirectories(dir.resolve("vsphere-documents"));
        Files.writeString(vsphere.resolve("providers.yaml"), """
                apiVersion: forklift.konveyor.io/v1beta1
                kind: Provider
                metadata: {name: vcenter, namespace: vmlift}
                spec:
                  type: vsphere
                  url: https://vcenter.example.com/sdk
                  secret: {name: vcenter-credentials, namespace: vmlift}
                """);
        LocalTektonRunner.TaskRun run = runner.runTask(TektonFiles.read(TektonFiles.task("vmlift-connect")),
                Map.of("sourceSecret", TextNode.valueOf("vcenter-credentials")), Map.of("documents", vsphere));
        assertThat(run.exitCode()).as(run.log()).isEqualTo(2);
        assertThat(run.log().lines().filter(l -> l.startsWith("vmlift: ")).count()).isEqualTo(1);
        assertThat(run.results().get("error")).contains("vcenter-credentials").contains("'password'");
        assertThat(run.results()).containsEntry("exit-code", "2");
    }

    @Test
    void aBlockedPlanStopsThePipelineBeforeMigrateAndTheReportStillRuns() throws Exception {
        Files.writeString(documents.resolve("plan.yaml"), Files.readString(documents.resolve("plan.yaml"))
                .replace("- name: Example VM", "- name: Not There"));
        LocalTektonRunner.PipelineRun run = runner.runPipeline(
                TektonFiles.read(TektonFiles.pipeline("vm-migrate-and-test")),
                Map.of("checkCluster", TextNode.valueOf("false")),
                Map.of("documents", documents, "reports", reports, "output", output));
        assertThat(run.tasks().get("plan").exitCode()).isEqualTo(2);
        assertThat(run.tasks().get("plan").results().get("error")).contains("VMNotFound").isNotBlank();
        assertThat(run.tasks()).doesNotContainKeys("migrate", "test").containsKey("report");
        assertThat(run.tasks().get("report").log()).contains("test Task: None");
        assertThat(run.results()).doesNotContainKey("migrated-vms");
    }

    /**
     * The suite param reaches vmlift: the example's disks hold no bootable guest, so the suite runs without boot,
     * and vmlift reports its checks as not run (a suite never passes unrun), which fails the test Task.
     */
    @Test
    void theSuiteParamReachesTheTestTaskAndAnUnrunSuiteFailsIt() throws Exception {
        TektonFiles.writeSuiteThatNeedsAGuest(documents);
        LocalTektonRunner.PipelineRun run = runner.runPipeline(
                TektonFiles.read(TektonFiles.pipeline("vm-migrate-and-test")),
                Map.of("checkCluster", TextNode.valueOf("false"), "suite", TextNode.valueOf("suites/smoke.yaml")),
                Map.of("documents", documents, "reports", reports, "output", output));
        assertThat(run.tasks().get("migrate").succeeded()).as(run.tasks().get("migrate").log()).isTrue();
        assertThat(run.tasks().get("test").exitCode()).as(run.tasks().get("test").log()).isEqualTo(5);
        assertThat(Files.readString(reports.resolve("junit.xml"))).contains("name=\"smoke/boots\"")
                .contains("not run: add --boot");
        assertThat(run.tasks().get("report").log()).contains("test Task: Failed");
    }

    /** Tekton fails a TaskRun whose results pass 4096 bytes; the runner must too, or vmlift's could unseen. */
    @Test
    void resultsOverTektonsTerminationMessageLimitFailTheTaskRun() throws Exception {
        JsonNode task = io.vmlift.model.Serialization.yaml().readTree("""
                apiVersion: tekton.dev/v1
                kind: Task
                metadata: {name: big-result}
                spec:
                  params:
                    - {name: bytes, type: string}
                  results:
                    - {name: list}
                  steps:
                    - name: write
                      image: busybox
                      env:
                        - {name: BYTES, value: $(params.bytes)}
                        - {name: RESULT, value: $(results.list.path)}
                      script: |
                        head -c "$BYTES" /dev/zero | tr '\\0' x > "$RESULT"
                """);
        assertThat(runner.runTask(task, Map.of("bytes", TextNode.valueOf("1000")), Map.of()).succeeded()).isTrue();
        LocalTektonRunner.TaskRun tooBig = runner.runTask(task, Map.of("bytes", TextNode.valueOf("5000")), Map.of());
        assertThat(tooBig.succeeded()).isFalse();
        assertThat(tooBig.log()).contains("Termination message is above max allowed size 4096");
    }

    @Test
    void aVmListThatIsNotAnArrayIsRefusedAsTektonRefusesIt() {
        assertThatThrownBy(() -> runner.runTask(TektonFiles.read(TektonFiles.task("vmlift-map")),
                Map.of("vms", TextNode.valueOf("web-1,db-1")), Map.of("documents", documents)))
                .hasMessageContaining("param vms must be an array");
    }
}
