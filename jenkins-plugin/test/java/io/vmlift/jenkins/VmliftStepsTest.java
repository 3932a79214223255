package io.vmlift.jenkins;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The steps under JenkinsPipelineUnit, each in normal and CPS mode: the exact command each builds, credentials
 * only in the environment and only inside withCredentials, results read back, failures with vmlift's reason.
 * vmlift itself is not run here (see LibrarySeamTest): each "run" leaves the result files the test wrote.
 */
class VmliftStepsTest {
    @TempDir
    Path dir;

    private PipelineHarness harness(boolean cps) throws Exception {
        return new PipelineHarness(cps, dir, false).usernamePassword("vcenter", "administrator@vsphere.local",
                "s3cret-pass").file("kube", dir.resolve("kubeconfig"));
    }

    private void script(String name, String body) throws Exception {
        Files.writeString(dir.resolve(name), "@Library('vmlift') _\n" + body);
    }

    private void result(String stage, String name, String value) throws Exception {
        Path folder = Files.createDirectories(dir.resolve(".vmlift/" + stage + "-results"));
        Files.writeString(folder.resolve(name), value);
    }

    @ParameterizedTest(name = "cps={0}")
    @ValueSource(booleans = {false, true})
    void connectBuildsTheCommandAndPassesTheLoginOnlyThroughTheEnvironment(boolean cps) throws Exception {
        PipelineHarness pipeline = harness(cps);
        result("connect", "provider", "vcenter");
        result("connect", "vm-count", "42");
        script("connect.groovy", """
                def found = vmliftConnect(documents: 'docs', credentialsId: 'vcenter', secretName: 'vcenter-creds',
                        inventoryFile: 'docs/inventory.json')
                echo "connected to ${found.provider}: ${found.vmCount} VMs"
                return found
                """);
        Object found = pipeline.run("connect.groovy");

        @SuppressWarnings("unchecked")
        java.util.Map<String, Object> map = (java.util.Map<String, Object>) found;
        assertThat(map).containsEntry("provider", "vcenter").containsEntry("vmCount", "42")
                .containsEntry("exitCode", 0);
        PipelineHarness.Shell run = pipeline.shells.get(1);
        assertThat(run.script()).isEqualTo("vmlift connect '-f' 'docs' '--results-dir' '.vmlift/connect-results'"
                + " '--inventory-file' 'docs/inventory.json'");
        assertThat(run.environment()).containsEntry("VMLIFT_VCENTER_CREDS_USER", "administrator@vsphere.local")
                .containsEntry("VMLIFT_VCENTER_CREDS_PASSWORD", "s3cret-pass");
        assertThat(pipeline.shells.get(0).environment()).as("outside withCredentials").isEmpty();
        assertThat(pipeline.shells).allSatisfy(s -> assertThat(s.script()).doesNotContain("s3cret-pass"));
        // The call stack nests by indentation: the runner's sh inside withCredentials, the rm/mkdir outside it.
        List<String> calls = pipeline.callStack();
        int credentials = indexOf(calls, "withCredentials(");
        int command = indexOf(calls, "sh({script=vmlift connect");
        assertThat(credentials).isNotNegative().isLessThan(command);
        assertThat(indent(calls.get(command))).isGreaterThan(indent(calls.get(credentials)));
        assertThat(calls).anyMatch(c -> c.contains("usernamePassword({credentialsId=vcenter"));
    }

    @ParameterizedTest(name = "cps={0}")
    @ValueSource(booleans = {false, true})
    void migrateIntoAClusterUsesTheKubeconfigCredentialAndParsesTheVmList(boolean cps) throws Exception {
        PipelineHarness pipeline = harness(cps);
        result("migrate", "plan-name", "wave-1");
        result("migrate", "migrated-vms", "[\"web-1\",\"db-1\"]");
        result("migrate", "migration-status", "Succeeded");
        script("migrate.groovy", """
                def done = vmliftMigrate(plan: 'wave-1', credentialsId: 'vcenter', kubeconfigCredentialsId: 'kube',
                        maxInFlight: 2, runnerImage: 'registry.example/vmlift-runner:1',
                        runner: 'java -jar /opt/vmlift/vmlift.jar')
                assert done.migratedVms == ['web-1', 'db-1']
                return done.migrationStatus
                """);
        assertThat(pipeline.run("migrate.groovy")).isEqualTo("Succeeded");
        PipelineHarness.Shell run = pipeline.shells.get(1);
        assertThat(run.script()).isEqualTo("java -jar /opt/vmlift/vmlift.jar migrate '-f' 'documents' '--results-dir'"
                + " '.vmlift/migrate-results' '--progress' 'plain' '--plan' 'wave-1' '--max-in-flight' '2'"
                + " '--runner-image' 'registry.example/vmlift-runner:1'");
        assertThat(run.environment()).containsEntry("KUBECONFIG", dir.resolve("kubeconfig").toString())
                .containsKey("VMLIFT_VMLIFT_SOURCE_CREDENTIALS_PASSWORD");
    }

    @ParameterizedTest(name = "cps={0}")
    @ValueSource(booleans = {false, true})
    void aBlockedPlanFailsTheBuildWithVmliftsReasonAndStillArchivesTheConcerns(boolean cps) throws Exception {
        PipelineHarness pipeline = harness(cps).fakeExitCode(3);
        result("plan", "error", "plan wave-1 has 1 Critical concern(s), the first: Critical MacConflicts (db-1)");
        script("plan.groovy", "vmliftPlan(plan: 'wave-1', checkCluster: true)\n");
        assertThatThrownBy(() -> pipeline.run("plan.groovy")).hasMessageContaining("exit 3")
                .hasMessageContaining("MacConflicts (db-1)");
        assertThat(pipeline.shells.get(1).script()).contains("'--plan' 'wave-1'").endsWith("'--check-cluster'");
        assertThat(pipeline.archived).anyMatch(a -> String.valueOf(a.get("artifacts"))
                .equals("documents/*.yaml, vmlift-concerns.json"));
    }

    @ParameterizedTest(name = "cps={0}")
    @ValueSource(booleans = {false, true})
    void testPublishesJunitEvenWhenAChecksFailsThenFails(boolean cps) throws Exception {
        PipelineHarness pipeline = harness(cps).fakeExitCode(5);
        result("test", "test-summary", "7 passed, 1 failed");
        result("test", "test-passed", "false");
        Files.writeString(dir.resolve("vmlift-junit.xml"), "<testsuites/>");
        script("test.groovy", "vmliftTest(plan: 'wave-1', outputDir: 'out')\n");
        assertThatThrownBy(() -> pipeline.run("test.groovy")).hasMessageContaining("7 passed, 1 failed");
        assertThat(pipeline.junitCalls).hasSize(1);
        assertThat(pipeline.junitCalls.get(0).get("testResults")).isEqualTo("vmlift-junit.xml");
        assertThat(pipeline.shells.get(1).script()).contains("'--output-dir' 'out'").contains("'--junit'");
    }

    @ParameterizedTest(name = "cps={0}")
    @ValueSource(booleans = {false, true})
    void migratePassesTheUploadProxyAndItsCa(boolean cps) throws Exception {
        PipelineHarness pipeline = harness(cps);
        result("migrate", "plan-name", "wave-1");
        result("migrate", "migrated-vms", "[]");
        result("migrate", "migration-status", "Succeeded");
        script("proxy.groovy", "vmliftMigrate(uploadProxyUrl: 'https://cdi-uploadproxy.cdi.svc', uploadProxyCa:"
                + " 'ca/cdi upload.pem')\n");
        pipeline.run("proxy.groovy");
        assertThat(pipeline.shells.get(1).script()).contains("'--upload-proxy-url' 'https://cdi-uploadproxy.cdi.svc'")
                .contains("'--upload-proxy-ca' 'ca/cdi upload.pem'");
    }

    @ParameterizedTest(name = "cps={0}")
    @ValueSource(booleans = {false, true})
    void testPassesTheSuitesAndBootsWhenAsked(boolean cps) throws Exception {
        PipelineHarness pipeline = harness(cps);
        result("test", "test-summary", "11 passed, 0 failed");
        result("test", "test-passed", "true");
        script("suite.groovy", "vmliftTest(outputDir: 'out', suite: 'suites/web smoke.yaml', boot: true)\n");
        pipeline.run("suite.groovy");
        assertThat(pipeline.shells.get(1).script()).contains("'-f' 'suites/web smoke.yaml'").contains("'--boot'")
                .contains("'--output-dir' 'out'");
    }

    @ParameterizedTest(name = "cps={0}")
    @ValueSource(booleans = {false, true})
    void mapQuotesEveryVmNameForTheShell(boolean cps) throws Exception {
        PipelineHarness pipeline = harness(cps);
        script("map.groovy", "vmliftMap(vms: ['web 1', \"it's-db\"], storageClass: 'fast')\n");
        pipeline.run("map.groovy");
        assertThat(pipeline.shells.get(1).script()).isEqualTo("vmlift map '-f' 'documents' '--results-dir'"
                + " '.vmlift/map-results' '--output-file' 'documents/maps.yaml' '--vm' 'web 1' '--vm' 'it'\\''s-db'"
                + " '--storage-class' 'fast'");
    }

    /** The first call to a step, whatever script called it ("vmliftRun.sh(...)"). */
    private static int indexOf(List<String> calls, String start) {
        for (int i = 0; i < calls.size(); i++) {
            if (calls.get(i).trim().replaceFirst("^\\w+\\.", "").startsWith(start)) {
                return i;
            }
        }
        return -1;
    }

    private static int indent(String call) {
        return call.length() - call.stripLeading().length();
    }

    /** A library load copies vars/, src/ and resources/: they hold the library and its help, nothing else. */
    @Test
    void theLibraryTreeHoldsOnlyWhatALibraryLoadNeeds() throws Exception {
        Path library = PipelineHarness.REPO.resolve("jenkins-plugin");
        for (String folder : List.of("vars", "src", "resources")) {
            if (!Files.exists(library.resolve(folder))) {
                continue;
            }
            try (java.util.stream.Stream<Path> files = Files.walk(library.resolve(folder))) {
                assertThat(files.filter(Files::isRegularFile).map(f -> library.relativize(f).toString()))
                        .as("tests and Java sources stay out of the library's folders")
                        .allMatch(f -> f.endsWith(".groovy") || f.endsWith(".txt"));
            }
        }
    }
}
