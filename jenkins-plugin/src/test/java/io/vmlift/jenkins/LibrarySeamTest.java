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

    @ParameterizedTest(name = "cps={0}")
    @ValueSource(booleans = {false, true})
    void theExampleJenkinsfileMigratesACanaryThenAsksThenMigratesTheWave(boolean cps) throws Exception {
        Path documents = documents();
        // Two plans from the example's one: the canary and the wave (the same VM, into two namespaces).
        String plan = Files.readString(documents.resolve("plan.yaml"));
        Files.writeString(documents.resolve("plan.yaml"), plan.replace("name: example-wave-1", "name: canary"));
        Files.writeString(documents.resolve("wave.yaml"), plan.replace("name: example-wave-1", "name: wave-1")
                .replace("targetNamespace: migrated", "targetNamespace: migrated-wave"));
        Files.copy(PipelineHarness.REPO.resolve("examples/pipelines/Jenkinsfile"), dir.resolve("Jenkinsfile"));
        PipelineHarness pipeline = new PipelineHarness(cps, dir, true);
        pipeline.helper().registerAllowedMethod("echo", List.of(String.class), new org.codehaus.groovy.runtime.MethodClosure(
                new Object() {
                    public void echo(String text) {
                        echoed.append(text).append('\n');
                    }
                }, "echo"));
        java.util.Map<String, String> params = new java.util.HashMap<>();
        params.put("DOCUMENTS", "documents");
        params.put("OUTPUT_DIR", "out");
        params.put("CANARY_PLAN", "canary");
        params.put("WAVE_PLAN", "wave-1");
        pipeline.binding().setVariable("params", params);
        @SuppressWarnings("unchecked")
        java.util.Map<String, String> env = (java.util.Map<String, String>) pipeline.binding().getVariable("env");
        env.put("VMLIFT_RUNNER", "java -jar " + JAR);

        pipeline.run("Jenkinsfile");

        assertThat(pipeline.inputs).hasSize(1);
        assertThat(pipeline.declaredParameters).contains("DOCUMENTS", "CANARY_PLAN", "WAVE_PLAN", "CANARY_SUITE",
                "OUTPUT_DIR");
        assertThat(pipeline.checkouts).as("checkout scm in each node").isEqualTo(2);
        // The approval waits outside node (one level less deep than the canary's steps in node and stage): no
        // executor is held while a person decides.
        List<String> stack = pipeline.callStack();
        String approval = stack.get(indexOf(stack, "input(", ""));
        String canaryStep = stack.get(indexOf(stack, "vmliftTest({documents=documents", "plan=canary"));
        assertThat(approval.length() - approval.stripLeading().length())
                .isLessThan(canaryStep.length() - canaryStep.stripLeading().length());
        assertThat(String.valueOf(pipeline.inputs.get(0).get("message"))).contains("wave-1");
        List<String> calls = pipeline.callStack();
        int canaryTest = indexOf(calls, "vmliftTest({documents=documents", "plan=canary");
        int gate = indexOf(calls, "input(", "");
        int waveMigrate = indexOf(calls, "vmliftMigrate({documents=documents", "plan=wave-1");
        assertThat(canaryTest).isNotNegative().isLessThan(gate);
        assertThat(gate).isLessThan(waveMigrate);
        assertThat(dir.resolve("out/migrated/example-vm/virtualmachine.yaml")).isRegularFile();
        assertThat(dir.resolve("out/migrated-wave/example-vm/virtualmachine.yaml")).isRegularFile();
        assertThat(pipeline.junitCalls.stream().map(m -> String.valueOf(m.get("testResults"))).toList())
                .containsExactly("canary-junit.xml", "wave-junit.xml");
        assertThat(echoed.toString()).contains("source example-ova: 1 VMs").contains("wave [example-vm]: ");
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
