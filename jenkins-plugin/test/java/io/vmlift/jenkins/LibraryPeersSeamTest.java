package io.vmlift.jenkins;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.vmlift.testing.FakeKubevirt;
import io.vmlift.testing.Vcsim;
import io.vmlift.testing.VcsimExtension;
import io.vmlift.testing.VsphereDocuments;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The library's commands run for real against the test peers the runner is tested with: the vSphere simulator
 * (the login from a usernamePassword credential, bound by withCredentials into the runner's environment) and the
 * mock cluster (the kubeconfig from a file credential, bound as KUBECONFIG).
 */
@EnableKubernetesMockClient(crud = true)
class LibraryPeersSeamTest {
    private static final String JAR = "java -jar " + PipelineHarness.REPO.resolve("migrator-runner/target/vmlift.jar");

    @RegisterExtension
    static final VcsimExtension VCSIM = VcsimExtension.withDefaults();

    KubernetesMockServer server;
    KubernetesClient client;

    @TempDir
    Path dir;

    @ParameterizedTest(name = "cps={0}")
    @ValueSource(booleans = {false, true})
    void connectLogsInToTheSimulatorWithTheCredentialFromTheStore(boolean cps) throws Exception {
        Vcsim vcsim = VCSIM.vcsim();
        Path documents = Files.createDirectories(dir.resolve("documents"));
        // Only the Provider: the login comes from the Jenkins credential, the thumbprint from the agent's
        // environment (VMLIFT_<SECRET>_THUMBPRINT), so no Secret document is in the workspace.
        Path providers = VsphereDocuments.forSimulator(vcsim).writeProviders(documents);
        Files.writeString(providers, Files.readString(providers).replaceFirst("(?s)---\\napiVersion: v1\\nkind: Secret.*", ""));
        Files.writeString(dir.resolve("thumbprint"), vcsim.thumbprint());
        PipelineHarness pipeline = new PipelineHarness(cps, dir, true)
                .usernamePassword("vcenter", vcsim.user(), vcsim.password());
        Files.writeString(dir.resolve("connect.groovy"), """
                @Library('vmlift') _
                return vmliftConnect(credentialsId: 'vcenter', secretName: 'vcenter-credentials',
                        runner: 'VMLIFT_VCENTER_CREDENTIALS_THUMBPRINT=$(cat thumbprint) %s')
                """.formatted(JAR));
        Object found = pipeline.run("connect.groovy");
        assertThat(String.valueOf(found)).as(pipeline.shellLog(2)).contains("vmCount=4").contains("exitCode=0");
        assertThat(pipeline.shells.get(1).script()).doesNotContain(vcsim.password());
    }

    @ParameterizedTest(name = "cps={0}")
    @ValueSource(booleans = {false, true})
    void migrateAndTestGoIntoTheMockClusterWithTheKubeconfigCredential(boolean cps) throws Exception {
        FakeKubevirt cluster = new FakeKubevirt(server, client, Files.createDirectories(dir.resolve("uploads")));
        try {
            cluster.prepareTarget("migrated", "standard", "backend");
            cluster.publishUploadProxy();
            Path documents = Files.createDirectories(dir.resolve("documents"));
            try (Stream<Path> files = Files.list(PipelineHarness.REPO.resolve("examples/pipelines/ova"))) {
                for (Path file : files.filter(f -> f.toString().matches(".*\\.(yaml|ova)$")).toList()) {
                    Files.copy(file, documents.resolve(file.getFileName()));
                }
            }
            Path kubeconfig = FakeKubevirt.writeKubeconfig(dir.resolve("kubeconfig"),
                    client.getConfiguration().getMasterUrl());
            PipelineHarness pipeline = new PipelineHarness(cps, dir, true).file("target", kubeconfig);
            Files.writeString(dir.resolve("cluster.groovy"), """
                    @Library('vmlift') _
                    Map moved = vmliftMigrate(kubeconfigCredentialsId: 'target', runner: '%1$s')
                    Map tested = vmliftTest(kubeconfigCredentialsId: 'target', runner: '%1$s', readyTimeout: 30)
                    return [moved.migratedVms, tested.testPassed]
                    """.formatted(JAR));
            @SuppressWarnings("unchecked")
            List<Object> result = (List<Object>) pipeline.run("cluster.groovy");
            assertThat(result).containsExactly(List.of("example-vm"), true);
            assertThat(pipeline.shells.get(1).environment()).containsEntry("KUBECONFIG", kubeconfig.toString());
            assertThat(client.genericKubernetesResources("kubevirt.io/v1", "VirtualMachine").inNamespace("migrated")
                    .withName("example-vm").get()).isNotNull();
        } finally {
            cluster.close();
        }
    }

    /**
     * The example Jenkinsfile into the mock cluster with the kubeconfig credential: five VMs from the example
     * (vm-5's disk corrupt), the canary and two waves uploading into one namespace; the failed wave is rolled back
     * (vm-4's VirtualMachine and DataVolumes go), the rest stay, and the build fails naming the wave.
     */
    @org.junit.jupiter.api.Test
    void theExampleJenkinsfileRunsItsWavesIntoTheClusterAndRollsBackTheOneThatFailed() throws Exception {
        FakeKubevirt cluster = new FakeKubevirt(server, client, Files.createDirectories(dir.resolve("uploads")));
        try {
            cluster.prepareTarget("migrated", "standard", "backend");
            cluster.publishUploadProxy();
            Path documents = io.vmlift.testing.Example.copyTo(dir);
            io.vmlift.testing.Example.withVms(documents, dir.resolve("share"), 5, java.util.Set.of(5));
            Path kubeconfig = FakeKubevirt.writeKubeconfig(dir.resolve("kubeconfig"),
                    client.getConfiguration().getMasterUrl());
            Files.copy(PipelineHarness.REPO.resolve("examples/pipelines/Jenkinsfile"), dir.resolve("Jenkinsfile"));
            PipelineHarness pipeline = new PipelineHarness(false, dir, true).file("target", kubeconfig);
            pipeline.helper().registerAllowedMethod("echo", List.of(String.class),
                    new org.codehaus.groovy.runtime.MethodClosure(new Object() {
                        public void echo(String text) {}
                    }, "echo"));
            pipeline.binding().setVariable("params", new java.util.HashMap<>(java.util.Map.of("DOCUMENTS", "example",
                    "PLAN", "example-wave-1", "WAVES", "2", "CANARY", "1", "MAX_PARALLEL_WAVES", "2",
                    "KUBECONFIG_CREDENTIALS", "target")));
            @SuppressWarnings("unchecked")
            java.util.Map<String, String> env = (java.util.Map<String, String>) pipeline.binding().getVariable("env");
            env.put("VMLIFT_RUNNER", JAR);

            org.assertj.core.api.Assertions.assertThatThrownBy(() -> pipeline.run("Jenkinsfile"))
                    .hasMessageContaining("waves failed and were rolled back: example-wave-1-wave-2;");

            var vms = client.genericKubernetesResources("kubevirt.io/v1", "VirtualMachine").inNamespace("migrated");
            assertThat(vms.list().getItems()).extracting(vm -> vm.getMetadata().getName())
                    .containsExactlyInAnyOrder("vm-1", "vm-2", "vm-3");
            assertThat(client.genericKubernetesResources("cdi.kubevirt.io/v1beta1", "DataVolume")
                    .inNamespace("migrated").list().getItems()).extracting(dv -> dv.getMetadata().getName())
                    .noneMatch(name -> name.startsWith("vm-4"));
            assertThat(pipeline.junitCalls).extracting(m -> String.valueOf(m.get("testResults")))
                    .containsExactly("example-wave-1-canary-junit.xml", "example-wave-1-wave-1-junit.xml");
        } finally {
            cluster.close();
        }
    }
}
