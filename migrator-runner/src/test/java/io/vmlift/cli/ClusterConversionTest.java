package io.vmlift.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.vmlift.model.Serialization;
import io.vmlift.testing.Cli;
import io.vmlift.testing.Example;
import io.vmlift.testing.FakeKubevirt;
import io.vmlift.testing.QemuImg;
import io.vmlift.testing.TinyDebian;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Guest conversion into a cluster: the conversion pod vmlift makes on the DataVolumes' PVCs, run for real by the
 * test cluster's kubelet (ConversionKubelet: vmlift convert-guest and virt-v2v-in-place on this machine, CDI's
 * raw disk.img on each PVC). The example's disks hold no operating system, so virt-v2v fails its inspection:
 * the VM fails with that reason, the DataVolumes stay as copied, and the pod is gone. The successful conversion
 * of a real guest is GuestConversionTest's (the same code, run once, as the issue asks).
 */
@EnableKubernetesMockClient(crud = true)
class ClusterConversionTest {
    KubernetesMockServer server;
    KubernetesClient client;

    @TempDir
    Path dir;
    private FakeKubevirt cluster;

    @BeforeEach
    void setUp() throws Exception {
        cluster = new FakeKubevirt(server, client, Files.createDirectories(dir.resolve("uploads")));
        cluster.prepareTarget("migrated", "standard", "backend");
    }

    @AfterEach
    void tearDown() {
        cluster.close();
    }

    @Test
    void aConversionPodThatFailsFailsTheVmWithVirtV2vsReasonAndKeepsTheDataVolumes() throws Exception {
        Path docs = Example.copyTo(dir);
        TinyDebian.annotate(docs.resolve("plan.yaml"), "virt-v2v");
        Path kubeconfig = FakeKubevirt.writeKubeconfig(dir.resolve("kubeconfig"), client.getConfiguration().getMasterUrl());

        Cli.Run plan = Cli.run("plan", "-f", docs, "--check-cluster", "--kubeconfig", kubeconfig, "-o", "json");
        assertThat(plan.exitCode()).as(plan.toString()).isZero();

        Cli.Run migrate = Cli.run("migrate", "-f", docs, "--kubeconfig", kubeconfig, "--upload-proxy-url",
                cluster.uploadProxy(), "--runner-image", "registry.example/vmlift-runner:test", "--progress", "plain");
        assertThat(migrate.exitCode()).as(migrate.toString()).isEqualTo(5);
        assertThat(migrate.err()).contains("example-vm: ConvertGuest").contains("pod migrated/example-vm-v2v")
                .contains("guest conversion failed: inspection could not detect the source guest")
                .contains("the disks were kept as copied");

        JsonNode pod = cluster.conversionPods().get(0);
        assertThat(pod.at("/spec/containers/0/image").asText()).isEqualTo("registry.example/vmlift-runner:test");
        assertThat(pod.at("/spec/securityContext/runAsNonRoot").asBoolean()).isTrue();
        assertThat(pod.at("/spec/securityContext/runAsUser").asLong()).isEqualTo(107);
        assertThat(pod.at("/spec/containers/0/securityContext/capabilities/drop/0").asText()).isEqualTo("ALL");
        assertThat(pod.at("/spec/volumes/0/persistentVolumeClaim/claimName").asText()).isEqualTo("example-vm-disk-0");
        assertThat(client.pods().inNamespace("migrated").withName("example-vm-v2v").get()).as("the pod is removed")
                .isNull();
        // The DataVolumes stay, their bytes as copied: the conversion worked on overlays it never committed.
        var dataVolumes = client.genericKubernetesResources("cdi.kubevirt.io/v1beta1", "DataVolume")
                .inNamespace("migrated");
        assertThat(dataVolumes.withName("example-vm-disk-0").get()).isNotNull();
        Path extracted = io.vmlift.testing.OvaFiles.extract(docs.resolve("example-vm.ova"), dir.resolve("ova"));
        assertThat(QemuImg.compare(extracted.resolve("example-vm-disk1.vmdk"),
                cluster.uploadOf("migrated", "example-vm-disk-0")).exitCode()).isZero();
        JsonNode record = Serialization.json().readTree(client.configMaps().inNamespace("migrated")
                .withName("vmlift-plan-example-wave-1").get().getData().values().iterator().next());
        assertThat(record.at("/vms/0/phase").asText()).isEqualTo("Failed");
        assertThat(record.at("/vms/0/error/phase").asText()).isEqualTo("ConvertGuest");
    }
}
