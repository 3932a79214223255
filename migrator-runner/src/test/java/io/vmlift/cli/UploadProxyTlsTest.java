package io.vmlift.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.vmlift.ExitCode;
import io.vmlift.testing.Cli;
import io.vmlift.testing.Example;
import io.vmlift.testing.FakeKubevirt;
import io.vmlift.testing.OvaFiles;
import io.vmlift.testing.QemuImg;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CDI's upload proxy serves TLS with a certificate CDI signs itself, which no machine trusts by default: vmlift
 * verifies it, refuses it with one line naming --upload-proxy-ca before it makes anything on the cluster, and
 * uploads once given the CA.
 */
@EnableKubernetesMockClient(crud = true)
class UploadProxyTlsTest {
    KubernetesMockServer server;
    KubernetesClient client;

    @TempDir
    Path dir;

    @Test
    void aProxyOfAnUntrustedCaIsRefusedUntilItsCaIsGiven() throws Exception {
        try (FakeKubevirt cluster = new FakeKubevirt(server, client, Files.createDirectories(dir.resolve("uploads")),
                true)) {
            cluster.prepareTarget("migrated", "standard", "backend");
            cluster.publishUploadProxy();
            assertThat(cluster.uploadProxy().getScheme()).isEqualTo("https");
            Path example = Example.copyTo(dir);
            Path kubeconfig = FakeKubevirt.writeKubeconfig(dir.resolve("kubeconfig"),
                    client.getConfiguration().getMasterUrl());

            Cli.Run refused = Cli.run("migrate", "-f", example, "--kubeconfig", kubeconfig, "--progress", "none");
            assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(ExitCode.UNREACHABLE.code());
            assertThat(refused.err().strip()).as(refused.toString()).doesNotContain("\n")
                    .contains(cluster.uploadProxy().toString()).contains("does not trust")
                    .contains("--upload-proxy-ca");
            assertThat(client.genericKubernetesResources("cdi.kubevirt.io/v1beta1", "DataVolume")
                    .inNamespace("migrated").list().getItems()).as("nothing made on the cluster").isEmpty();
            assertThat(cluster.acceptedUploads()).isZero();

            Cli.Run migrate = Cli.run("migrate", "-f", example, "--kubeconfig", kubeconfig, "--upload-proxy-ca",
                    cluster.uploadProxyCa(), "--progress", "none");
            assertThat(migrate.exitCode()).as(migrate.toString()).isZero();
            assertThat(cluster.acceptedUploads()).isEqualTo(2);
            Path extracted = OvaFiles.extract(dir.resolve("example/example-vm.ova"), dir.resolve("extracted"));
            assertThat(QemuImg.compare(extracted.resolve("example-vm-disk1.vmdk"),
                    cluster.uploadOf("migrated", "example-vm-disk-0")).exitCode()).as("uploaded bytes").isZero();
        }
    }
}
