package io.vmlift.testing;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The test cluster (fabric8's mock API server with the CRUD dispatcher, and FakeKubevirt's controller and
 * upload proxy) as a process of its own, for benchmarks that run the vmlift jar against it. The upload proxy
 * serves TLS, as CDI's does. Writes DIR/kubeconfig and the proxy's CA to DIR/upload-proxy-ca.pem (for
 * --upload-proxy-ca), prints "ready", and serves until its standard input closes. With LATENCY_MS, the API server answers each request
 * that much later, as one across a network does (the upload proxy does not wait).
 *
 * <p>Usage: {@code java -cp <test classpath> io.vmlift.testing.MockCluster DIR [LATENCY_MS]}
 */
public final class MockCluster {
    private MockCluster() {}

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        long latencyMillis = args.length > 1 ? Long.parseLong(args[1]) : 0;
        if (latencyMillis < 0) {
            throw new IllegalArgumentException("LATENCY_MS must be 0 or more, got " + latencyMillis);
        }
        KubernetesMockServer server = MockApiServer.start(dispatcher -> latencyMillis == 0 ? dispatcher
                : new Later(dispatcher, latencyMillis));
        try (KubernetesClient client = server.createClient();
                FakeKubevirt cluster = new FakeKubevirt(server, client, Files.createDirectories(dir.resolve("uploads")),
                        true)) {
            cluster.prepareTarget("migrated", "standard", "vm-network");
            cluster.publishUploadProxy();
            FakeKubevirt.writeKubeconfig(dir.resolve("kubeconfig"), client.getConfiguration().getMasterUrl());
            Files.copy(cluster.uploadProxyCa(), dir.resolve("upload-proxy-ca.pem"));
            System.out.println("ready");
            while (System.in.read() >= 0) {
                // serve until the benchmark closes our input
            }
        } finally {
            server.destroy();
        }
    }

    /**
     * Answers as the server behind it does, latencyMillis later. The delay is the mock server's body delay, a timer:
     * requests wait side by side, as they do for a network, not one behind another.
     */
    private static final class Later extends Dispatcher {
        private final Dispatcher delegate;
        private final long latencyMillis;

        Later(Dispatcher delegate, long latencyMillis) {
            this.delegate = delegate;
            this.latencyMillis = latencyMillis;
        }

        @Override
        public MockResponse dispatch(RecordedRequest request) {
            return delegate.dispatch(request).setBodyDelay(java.time.Duration.ofMillis(latencyMillis));
        }

        @Override
        public void shutdown() {
            delegate.shutdown();
        }
    }
}
