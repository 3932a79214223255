package io.vmlift.tekton;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.TextNode;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.vmlift.testing.FakeKubevirt;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole vm-migrate-and-test Pipeline, run locally as Tekton would run it, into fabric8's mock server playing
 * the cluster (KubeVirt and CDI played by the test peer, the upload proxy found in CDIConfig): the Tasks' scripts
 * reach it as a pod reaches its cluster, here through KUBECONFIG.
 */
@EnableKubernetesMockClient(crud = true)
class PipelineIntoClusterTest {
    KubernetesMockServer server;
    KubernetesClient client;

    @TempDir
    Path dir;
    private FakeKubevirt cluster;

    @BeforeEach
    void setUp() throws Exception {
        cluster = new FakeKubevirt(server, client, Files.createDirectories(dir.resolve("uploads")));
        cluster.prepareTarget("migrated", "standard", "backend");
        cluster.publishUploadProxy();
    }

    /** The bundled example's documents on the run's one claim. */
    private static Path exampleDocuments(LocalTektonRunner runner) throws java.io.IOException {
        Path documents = Files.createDirectories(runner.pvc("vmlift-wave").resolve("documents"));
        try (Stream<Path> files = Files.list(TektonFiles.REPO.resolve("examples/pipelines/ova"))) {
            for (Path file : files.filter(f -> f.toString().matches(".*\\.(yaml|ova)$")).toList()) {
                Files.copy(file, documents.resolve(file.getFileName()));
            }
        }
        return documents;
    }

    @AfterEach
    void tearDown() {
        cluster.close();
    }

    /**
     * The upload proxy's CA reaches vmlift from its Secret (mounted as the kubelet mounts Secret volumes): one that
     * holds no certificate fails the migrate Task with vmlift's line, before anything is uploaded.
     */
    @Test
    void theUploadProxyCaSecretReachesVmlift() throws Exception {
        LocalTektonRunner runner = new LocalTektonRunner(Files.createDirectories(dir.resolve("runner")),
                TektonFiles.REPO.resolve("migrator-runner/target/vmlift.jar"));
        Path documents = exampleDocuments(runner);
        Path kubeconfig = FakeKubevirt.writeKubeconfig(dir.resolve("kubeconfig"), client.getConfiguration().getMasterUrl());
        runner.environment("KUBECONFIG", kubeconfig.toString())
                .secret("vmlift-upload-proxy-ca", Map.of("ca.crt", "not a certificate"));
        LocalTektonRunner.TaskRun run = runner.runTask(TektonFiles.read(TektonFiles.task("vmlift-migrate")),
                Map.of("uploadProxyUrl", TextNode.valueOf(cluster.uploadProxy().toString())),
                Map.of("documents", documents));
        assertThat(run.exitCode()).as(run.log()).isEqualTo(2);
        assertThat(run.results().get("error")).contains("--upload-proxy-ca").contains("upload-proxy-ca/ca.crt")
                .contains("give a PEM file");
        assertThat(cluster.acceptedUploads()).isZero();
    }

    @Test
    void thePipelineMigratesTheExampleIntoTheClusterAndTestsIt() throws Exception {
        LocalTektonRunner runner = new LocalTektonRunner(Files.createDirectories(dir.resolve("runner")),
                TektonFiles.REPO.resolve("migrator-runner/target/vmlift.jar"));
        Path documents = exampleDocuments(runner);
        Path kubeconfig = FakeKubevirt.writeKubeconfig(dir.resolve("kubeconfig"), client.getConfiguration().getMasterUrl());
        runner.environment("KUBECONFIG", kubeconfig.toString());
        // The test cluster's upload proxy instead of the in-cluster service the param defaults to.
        LocalTektonRunner.PipelineRun run = runner.runPipeline(
                TektonFiles.read(TektonFiles.pipeline("vm-migrate-and-test")), Map.of("checkCluster",
                        TextNode.valueOf("true"), "uploadProxyUrl", TextNode.valueOf(cluster.uploadProxy().toString())),
                Map.of("documents", documents, "reports", Files.createDirectories(runner.pvc("vmlift-wave")
                        .resolve("reports"))));

        run.tasks().forEach((name, task) -> assertThat(task.succeeded()).as(name + ":\n" + task.log()).isTrue());
        assertThat(run.results()).containsEntry("plan-name", "example-wave-1").containsEntry("migrated-vms",
                "[\"example-vm\"]");
        assertThat(run.results().get("test-summary")).endsWith(" 0 failed");
        assertThat(cluster.acceptedUploads()).isEqualTo(2);
        assertThat(client.genericKubernetesResources("kubevirt.io/v1", "VirtualMachine").inNamespace("migrated")
                .withName("example-vm").get()).isNotNull();
        assertThat(run.tasks().get("report").results()).containsEntry("migration-phase", "Succeeded");
    }

    /**
     * vm-migrate-in-waves into the cluster, approved at once: five VMs from the example (vm-5's disk corrupt), the
     * canary and two waves side by side uploading into one namespace; wave 2 fails on vm-5, and finally rolls it
     * back, taking vm-4's VirtualMachine and DataVolumes away; the canary and wave 1 stay.
     */
    @Test
    void theWavesPipelineRunsSideBySideIntoTheClusterAndRollsBackTheWaveThatFailed() throws Exception {
        LocalTektonRunner runner = new LocalTektonRunner(Files.createDirectories(dir.resolve("runner")),
                TektonFiles.REPO.resolve("migrator-runner/target/vmlift.jar"));
        Path documents = io.vmlift.testing.Example.copyTo(runner.pvc("vmlift-waves"));
        io.vmlift.testing.Example.withVms(documents, dir.resolve("share"), 5, java.util.Set.of(5));
        Path kubeconfig = FakeKubevirt.writeKubeconfig(dir.resolve("kubeconfig"), client.getConfiguration().getMasterUrl());
        runner.environment("KUBECONFIG", kubeconfig.toString());
        LocalTektonRunner.PipelineRun run = runner.runPipeline(
                TektonFiles.read(TektonFiles.pipeline("vm-migrate-in-waves")), Map.of("plan",
                        TextNode.valueOf("example-wave-1"), "approveWaves", TextNode.valueOf("true"),
                        "uploadProxyUrl", TextNode.valueOf(cluster.uploadProxy().toString())),
                Map.of("documents", documents, "reports", Files.createDirectories(runner.pvc("vmlift-waves")
                        .resolve("reports"))));

        for (String task : java.util.List.of("connect", "split", "migrate-canary", "test-canary",
                "rollback-failed-waves")) {
            assertThat(run.tasks().get(task).succeeded()).as(task + ":\n" + run.tasks().get(task).log()).isTrue();
        }
        assertThat(run.tasks().get("migrate-waves").succeeded()).isFalse();
        var vms = client.genericKubernetesResources("kubevirt.io/v1", "VirtualMachine").inNamespace("migrated");
        assertThat(vms.list().getItems()).extracting(vm -> vm.getMetadata().getName())
                .containsExactlyInAnyOrder("vm-1", "vm-2", "vm-3");
        assertThat(client.genericKubernetesResources("cdi.kubevirt.io/v1beta1", "DataVolume").inNamespace("migrated")
                .list().getItems()).extracting(dv -> dv.getMetadata().getName()).noneMatch(name -> name.startsWith("vm-4"));
        String record = client.configMaps().inNamespace("migrated").withName("vmlift-plan-example-wave-1-wave-2").get()
                .getData().values().iterator().next();
        assertThat(record).contains("\"RolledBack\"");
    }
}
