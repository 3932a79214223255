package io.vmlift.testing;

import io.fabric8.kubernetes.client.VersionInfo;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.mockwebserver.http.Dispatcher;
import java.util.HashMap;
import java.util.Map;
import java.util.Queue;
import java.util.function.UnaryOperator;

/**
 * fabric8's mock API server set up as its JUnit extension's crud mode does (expectations first, then the CRUD
 * store, a /version the client can read), for tests and tools that need to put something in front of it.
 */
public final class MockApiServer {
    private MockApiServer() {}

    /** @param front wraps the mock server's dispatcher (KubevirtSubresources), or returns it as it is */
    public static KubernetesMockServer start(UnaryOperator<Dispatcher> front) {
        Map<ServerRequest, Queue<ServerResponse>> expectations = new HashMap<>();
        KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), expectations,
                front.apply(new KubernetesMixedDispatcher(expectations)), false,
                new VersionInfo.Builder().withMajor("1").withMinor("30").withGitVersion("v1.30.0").build());
        server.init();
        return server;
    }
}
