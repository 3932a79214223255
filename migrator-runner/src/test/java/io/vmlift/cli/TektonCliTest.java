package io.vmlift.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.tekton.client.TektonClient;
import io.fabric8.tekton.v1.PipelineRun;
import io.vmlift.testing.Cli;
import io.vmlift.testing.FakeKubevirt;
import io.vmlift.testing.FakeTekton;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `vmlift tekton install` and `vmlift tekton run` against the mock server, with a test peer playing Tekton. */
@EnableKubernetesMockClient(crud = true)
class TektonCliTest {
    KubernetesMockServer server;
    KubernetesClient client;

    @TempDir
    Path dir;
    private FakeTekton tekton;
    private Path kubeconfig;

    @BeforeEach
    void setUp() throws Exception {
        new FakeKubevirt(server, client, dir.resolve("uploads")).close(); // its access-review answers
        tekton = new FakeTekton(client, "pipelines");
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("pipelines").endMetadata()
                .build()).create();
        kubeconfig = FakeKubevirt.writeKubeconfig(dir.resolve("kubeconfig"), client.getConfiguration().getMasterUrl());
    }

    @AfterEach
    void tearDown() {
        tekton.close();
    }

    @Test
    void installAppliesTheTasksThePipelineAndTheRbac() {
        Cli.Run install = Cli.run("tekton", "install", "-n", "pipelines", "--target-namespace", "migrated",
                "--kubeconfig", kubeconfig);
        assertThat(install.exitCode()).as(install.toString()).isZero();
        var v1 = client.adapt(TektonClient.class).v1();
        assertThat(v1.tasks().inNamespace("pipelines").list().getItems()).extracting(t -> t.getMetadata().getName())
                .containsExactlyInAnyOrder("vmlift-connect", "vmlift-map", "vmlift-plan", "vmlift-migrate",
                        "vmlift-test", "vmlift-report", "vmlift-rollback");
        assertThat(v1.pipelines().inNamespace("pipelines").withName("vm-migrate-and-test").get()).isNotNull();
        assertThat(v1.pipelines().inNamespace("pipelines").withName("vm-migrate-in-waves").get()).isNotNull();
        assertThat(client.serviceAccounts().inNamespace("pipelines").withName("vmlift").get()).isNotNull();
        assertThat(client.rbac().clusterRoles().withName("vmlift").get()).isNotNull();
        assertThat(client.rbac().roleBindings().inNamespace("migrated").withName("vmlift").get().getSubjects().get(0)
                .getNamespace()).isEqualTo("pipelines");
        assertThat(client.rbac().roleBindings().inNamespace("migrated").withName("vmlift-transfer-secrets").get()
                .getRoleRef().getName()).isEqualTo("vmlift-transfer-secrets");
        assertThat(client.rbac().clusterRoleBindings().withName("vmlift-cluster-checks").get().getSubjects().get(0)
                .getNamespace()).isEqualTo("pipelines");

        Cli.Run again = Cli.run("tekton", "install", "-n", "pipelines", "--kubeconfig", kubeconfig);
        assertThat(again.exitCode()).as("a second install updates").isZero();
    }

    @Test
    void runFollowsThePipelineRunToItsEndAndExitsWithItsOutcome() {
        assertThat(Cli.run("tekton", "install", "-n", "pipelines", "--kubeconfig", kubeconfig).exitCode()).isZero();
        Cli.Run run = Cli.run("tekton", "run", "-n", "pipelines", "--documents-pvc", "wave-1-documents", "-p",
                "plan=wave-1", "-p", "vms=[web-1, db-1]", "--kubeconfig", kubeconfig, "--poll-interval", "1");
        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.err()).contains("connect: Succeeded").contains("migrate: Succeeded").contains(": Succeeded");
        PipelineRun created = client.adapt(TektonClient.class).v1().pipelineRuns().inNamespace("pipelines").list()
                .getItems().get(0);
        assertThat(created.getSpec().getParams()).anySatisfy(p -> {
            assertThat(p.getName()).isEqualTo("vms");
            assertThat(p.getValue().getArrayVal()).containsExactly("web-1", "db-1");
        });
        assertThat(created.getSpec().getWorkspaces()).allSatisfy(w ->
                assertThat(w.getPersistentVolumeClaim().getClaimName()).isEqualTo("wave-1-documents"));
        assertThat(created.getSpec().getWorkspaces()).anySatisfy(w -> {
            assertThat(w.getName()).isEqualTo("reports");
            assertThat(w.getSubPath()).isEqualTo("reports");
        });
        // Non-root steps write to root-owned PVCs through the group; longer than Tekton's default hour.
        assertThat(created.getSpec().getTaskRunTemplate().getPodTemplate().getSecurityContext().getFsGroup())
                .isEqualTo(10001L);
        assertThat(created.getSpec().getTimeouts().getPipeline().getDuration()).isEqualTo(java.time.Duration.ofHours(24));
    }

    @Test
    void aFailedTaskGivesItsVmliftExitCodeAndReason() {
        assertThat(Cli.run("tekton", "install", "-n", "pipelines", "--kubeconfig", kubeconfig).exitCode()).isZero();
        tekton.failTask("plan", Map.of("error", "plan wave-1 has 1 Critical concern(s), the first: Critical"
                + " MacConflicts (web-1): MAC 00:50:56:aa:bb:01 of NIC eth0 is also used by db-1", "exit-code", "3"));
        Cli.Run run = Cli.run("tekton", "run", "-n", "pipelines", "--documents-pvc", "wave-1-documents",
                "--kubeconfig", kubeconfig, "--poll-interval", "1");
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(3);
        assertThat(run.err()).contains("plan: Failed").contains("MacConflicts").doesNotContain("migrate:");
        assertThat(run.err().lines().filter(l -> l.startsWith("vmlift: ")).count()).isEqualTo(1);
    }
}
