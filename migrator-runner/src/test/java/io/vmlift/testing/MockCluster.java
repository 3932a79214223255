package io.vmlift.testing;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The test cluster (fabric8's mock API server with the CRUD dispatcher, and FakeKubevirt's controller and
 * upload proxy) as a process of its own, for benchmarks that run the vmlift jar against it. Writes DIR/kubeconfig,
 * prints "ready", and serves until its standard input closes.
 *
 * <p>Usage: {@code java -cp <test classpath> io.vmlift.testing.MockCluster DIR}
 */
public final class MockCluster {
    private MockCluster() {}

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        KubernetesMockServer server = MockApiServer.start(dispatcher -> dispatcher);
        try (KubernetesClient client = server.createClient();
                FakeKubevirt cluster = new FakeKubevirt(server, client, Files.createDirectories(dir.resolve("uploads")))) {
            cluster.prepareTarget("migrated", "standard", "vm-network");
            cluster.publishUploadProxy();
            FakeKubevirt.writeKubeconfig(dir.resolve("kubeconfig"), client.getConfiguration().getMasterUrl());
            System.out.println("ready");
            while (System.in.read() >= 0) {
                // serve until the benchmark closes our input
            }
        } finally {
            server.destroy();
        }
    }
}
