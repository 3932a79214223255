package io.vmlift.jenkins;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The seam between the library and the CLI: the commands the steps build are run for real, by sh, with the vmlift
 * jar this build made, on the bundled example OVA; a CLI change that breaks the library fails here. Also the
 * example Jenkinsfile, run under JenkinsPipelineUnit with the same real runner.
 */
class LibrarySeamTest {
    private static final Path JAR = PipelineHarness.REPO.resolve("migrator-runner/target/vmlift.jar");

    @TempDir
    Path dir;

    private Path documents() throws Exception {
        assertThat(JAR).as("the runner jar; mvn builds migrator-runner before this module").isRegularFile();
        Path documents = Files.createDirectories(dir.resolve("documents"));
        try (Stream<Path> files = Files.list(PipelineHarness.REPO.resolve("examples/pipelines/ova"))) {
            for (Path file : files.filter(f -> f.toString().matches(".*\\.(yaml|ova)$")).toList()) {
                Files.copy(file, documents.resolve(file.getFileName()));
            }
        }
        return documents;
    }

    @ParameterizedTest(name = "cps={0}")
    @ValueSource(booleans = {false, true})
    void theStagesRunTheRealRunnerOnTheExampleAndReadItsResults(boolean cps) throws Exception {
        documents();
        PipelineHarness pipeline = new PipelineHarness(cps, dir, true);
        Files.writeString(dir.resolve("stages.groovy"), """
                @Library('vmlift') _
                String runner = 'java -jar %s'
                Map source = vmliftConnect(runner: runner, inventoryFile: 'inventory.json')
                Map plan = vmliftPlan(runner: runner)
                Map moved = vmliftMigrate(runner: runner, outputDir: 'out')
                Map tested = vmliftTest(runner: runner, outputDir: 'out')
                return [source.provider, source.vmCount, plan.planName, plan.planReady, moved.migratedVms,
                        moved.migrationStatus, tested.testPassed, tested.testSummary]
                """.formatted(JAR));
        @SuppressWarnings("unchecked")
        List<Object> results = (List<Object>) pipeline.run("stages.groovy");
        assertThat(results.subList(0, 7)).containsExactly("example-ova", "1", "example-wave-1", true,
                List.of("example-vm"), "Succeeded", true);
        assertThat(String.valueOf(results.get(7))).endsWith(" 0 failed");
        assertThat(dir.resolve("out/migrated/example-vm/virtualmachine.yaml")).isRegularFile();
        assertThat(Files.readString(dir.resolve("vmlift-junit.xml"))).contains("failures=\"0\"");
        assertThat(pipeline.junitCalls).hasSize(1);
    }

    @ParameterizedTest(name = "cps={0}")
    @ValueSource(booleans = {false, true})
    void aRealFailureFailsTheBuildWithTheRunnersOwnLine(boolean cps) throws Exception {
        Path documents = documents();
        Files.writeString(documents.resolve("plan.yaml"), Files.readString(documents.resolve("plan.yaml"))
                .replace("- name: Example VM", "- name: Not There"));
        PipelineHarness pipeline = new PipelineHarness(cps, dir, true);
        Files.writeString(dir.resolve("plan.groovy"), "@Library('vmlift') _\nvmliftPlan(runner: 'java -jar %s')\n"
                .formatted(JAR));
        assertThatThrownBy(() -> pipeline.run("plan.groovy")).hasMessageContaining("exit 2")
                .hasMessageContaining("VMNotFound (Not There)");
    }

    /** The example Jenkinsfile's params; RUNNER_IMAGE and the rest as given. */
    private PipelineHarness jenkinsfile(boolean cps, boolean realShell, java.util.Map<String, String> more)
            throws Exception {
        Files.copy(PipelineHarness.REPO.resolve("examples/pipelines/Jenkinsfile"), dir.resolve("Jenkinsfile"));
        PipelineHarness pipeline = new PipelineHarness(cps, dir, realShell);
        pipeline.helper().registerAllowedMethod("echo", List.of(String.class), new org.codehaus.groovy.runtime.MethodClosure(
                new Object() {
                    public void echo(String text) {
                        echoed.append(text).append('\n');
                    }
                }, "echo"));
        java.util.Map<String, String> params = new java.util.HashMap<>(java.util.Map.of("DOCUMENTS", "example",
                "PLAN", "example-wave-1", "WAVES", "2", "CANARY", "1", "MAX_PARALLEL_WAVES", "2", "OUTPUT_DIR", "out"));
        params.putAll(more);
        pipeline.binding().setVariable("params", params);
        @SuppressWarnings("unchecked")
        java.util.Map<String, String> env = (java.util.Map<String, String>) pipeline.binding().getVariable("env");
        env.put("VMLIFT_RUNNER", "java -jar " + JAR);
        return pipeline;
    }

    /**
     * Five VMs from the example (vm-5's disk corrupt in the middle): the canary vm-1 migrates and passes, then the
     * approval, then two waves in two lanes; wave 2 fails on vm-5 and is rolled back (its vm-4 had completed),
     * wave 1 stays, and the build fails naming wave 2.
     */
    @ParameterizedTest(name = "cps={0}")
    @ValueSource(booleans = {false, true})
    void theExampleJenkinsfileGatesOnTheCanaryAsksThenRunsTheWavesAndRollsBackTheOneThatFailed(boolean cps)
            throws Exception {
        Path documents = io.vmlift.testing.Example.copyTo(dir);
        io.vmlift.testing.Example.withVms(documents, dir.resolve("share"), 5, java.util.Set.of(5));
        PipelineHarness pipeline = jenkinsfile(cps, true, java.util.Map.of());

        assertThatThrownBy(() -> pipeline.run("Jenkinsfile"))
                .hasMessageContaining("waves failed and were rolled back: example-wave-1-wave-2;");

        assertThat(pipeline.declaredParameters).contains("DOCUMENTS", "PLAN", "WAVES", "CANARY", "MAX_PARALLEL_WAVES",
                "SUITE", "OUTPUT_DIR", "RUNNER_IMAGE");
        assertThat(pipeline.inputs).hasSize(1);
        assertThat(String.valueOf(pipeline.inputs.get(0).get("message")))
                .contains("example-wave-1-wave-1, example-wave-1-wave-2");
        assertThat(pipeline.parallelBranches).containsExactly("lane 1", "lane 2");
        assertThat(pipeline.checkouts).as("checkout scm on every agent: the first, and each lane's").isEqualTo(3);
        assertThat(pipeline.podTemplates).as("no RUNNER_IMAGE: plain nodes").isEmpty();
        // The approval waits outside node (less deep than the canary's steps in node and stage): no executor is
        // held while a person decides. The canary's gate comes before it, the waves after.
        List<String> calls = pipeline.callStack();
        String approval = calls.get(indexOf(calls, "input(", ""));
        int canaryTest = indexOf(calls, "vmliftTest({documents=example", "plan=example-wave-1-canary");
        String canaryStep = calls.get(canaryTest);
        assertThat(approval.length() - approval.stripLeading().length())
                .isLessThan(canaryStep.length() - canaryStep.stripLeading().length());
        int gate = indexOf(calls, "input(", "");
        int firstWave = indexOf(calls, "vmliftMigrate({documents=example", "plan=example-wave-1-wave-1");
        assertThat(canaryTest).isNotNegative().isLessThan(gate);
        assertThat(gate).isLessThan(firstWave);
        assertThat(indexOf(calls, "vmliftRollback({documents=example", "plan=example-wave-1-wave-2"))
                .isGreaterThan(firstWave);
        assertThat(indexOf(calls, "vmliftRollback({documents=example", "plan=example-wave-1-wave-1")).isNegative();

        Path migrated = dir.resolve("out/migrated");
        try (Stream<Path> vms = Files.list(migrated)) {
            assertThat(vms.filter(vm -> Files.exists(vm.resolve("virtualmachine.yaml")))
                    .map(vm -> vm.getFileName().toString())).containsExactlyInAnyOrder("vm-1", "vm-2", "vm-3");
        }
        assertThat(Files.readString(dir.resolve("out/example-wave-1-wave-2.status.json")))
                .contains("\"phase\" : \"RolledBack\"");
        assertThat(pipeline.junitCalls.stream().map(m -> String.valueOf(m.get("testResults"))).toList())
                .containsExactly("example-wave-1-canary-junit.xml", "example-wave-1-wave-1-junit.xml");
        assertThat(echoed.toString()).contains("source example-ova: 5 VMs")
                .contains("example-wave-1-wave-2 was rolled back: RolledBack");
    }

    /** With RUNNER_IMAGE every agent is a pod of the runner image, non-root, its workspace in the runner's group. */
    @org.junit.jupiter.api.Test
    void withARunnerImageTheStepsRunInAPodOfIt() throws Exception {
        io.vmlift.testing.Example.copyTo(dir);
        PipelineHarness pipeline = jenkinsfile(false, false, java.util.Map.of("RUNNER_IMAGE",
                "ghcr.io/vmlift/vmlift-runner:0.1.0"));
        pipeline.run("Jenkinsfile");
        assertThat(pipeline.podTemplates).isNotEmpty();
        com.fasterxml.jackson.databind.JsonNode pod = io.vmlift.model.Serialization.yaml()
                .readTree(String.valueOf(pipeline.podTemplates.get(0).get("yaml")));
        assertThat(pod.at("/spec/securityContext/runAsUser").asInt()).isEqualTo(10001);
        assertThat(pod.at("/spec/securityContext/fsGroup").asInt()).isEqualTo(10001);
        assertThat(pod.at("/spec/containers/0/name").asText()).isEqualTo("vmlift");
        assertThat(pod.at("/spec/containers/0/image").asText()).isEqualTo("ghcr.io/vmlift/vmlift-runner:0.1.0");
        assertThat(pipeline.nodeLabels).containsOnly("vmlift-pod-1");
        assertThat(pipeline.containers).containsOnly("vmlift");
    }

    private final StringBuilder echoed = new StringBuilder();

    private static int indexOf(List<String> calls, String start, String containing) {
        for (int i = 0; i < calls.size(); i++) {
            String call = calls.get(i).trim().replaceFirst("^\\w+\\.", "");
            if (call.startsWith(start) && call.contains(containing)) {
                return i;
            }
        }
        return -1;
    }
}
