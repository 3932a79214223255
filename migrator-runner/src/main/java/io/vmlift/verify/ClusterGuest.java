package io.vmlift.verify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.http.WebSocket;
import io.vmlift.destination.kubevirt.ClusterKinds;
import io.vmlift.model.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A migrated VM on the cluster, reached through KubeVirt's own APIs, so that no Service or extra pod is needed:
 * its serial console from the launcher pod's guest-console-log container, its TCP ports through the VMI's
 * portforward subresource (a websocket of subprotocol plain.kubevirt.io, as virtctl port-forward uses it), and
 * its guest agent through the guestosinfo subresource. KubeVirt runs no program in a guest for its API's callers:
 * disks checks do not run here; a command check (over SSH through the forward) does.
 */
public final class ClusterGuest implements GuestAccess {
    private static final String SUBRESOURCES = "apis/subresources.kubevirt.io/v1/namespaces/";

    private final KubernetesClient client;
    private final String namespace;
    private final String name;
    private final Map<Integer, ServerSocket> forwards = new ConcurrentHashMap<>();

    public ClusterGuest(KubernetesClient client, String namespace, String name) {
        this.client = client;
        this.namespace = namespace;
        this.name = name;
    }

    @Override
    public String name() {
        return name;
    }

    private String subresource(String what) {
        return client.getMasterUrl().toString().replaceAll("/$", "") + "/" + SUBRESOURCES + namespace
                + "/virtualmachineinstances/" + name + "/" + what;
    }

    /** The console as virt-launcher's guest-console-log container logged it since the guest started. */
    @Override
    public String console() throws IOException {
        List<Pod> launchers = client.pods().inNamespace(namespace).withLabel("kubevirt.io", "virt-launcher")
                .withLabel("vm.kubevirt.io/name", name).list().getItems();
        if (launchers.isEmpty()) {
            return "";
        }
        try {
            String log = client.pods().inNamespace(namespace).withName(launchers.get(0).getMetadata().getName())
                    .inContainer("guest-console-log").getLog();
            return log == null ? "" : log;
        } catch (KubernetesClientException e) {
            throw new IOException("cannot read the console log of " + name + " (" + e.getCode() + "); KubeVirt logs"
                    + " the serial console since 1.1 unless logSerialConsole is off", e);
        }
    }

    @Override
    public JsonNode agentOsInfo() throws IOException {
        String answer;
        try {
            answer = client.raw(subresource("guestosinfo"));
        } catch (KubernetesClientException e) {
            throw new IOException("no guest agent: " + e.getMessage(), e);
        }
        if (answer == null) {
            throw new IOException("no guest agent: the VirtualMachineInstance has none connected");
        }
        JsonNode info = Serialization.json().readTree(answer);
        JsonNode os = info.path("os");
        // KubeVirt's names for what the agent's guest-get-osinfo says.
        ObjectNode agent = Serialization.json().createObjectNode();
        agent.put("id", os.path("id").asText()).put("name", os.path("name").asText())
                .put("pretty-name", os.path("prettyName").asText()).put("version-id", os.path("versionId").asText())
                .put("kernel-release", os.path("kernelRelease").asText()).put("machine", os.path("machine").asText());
        return agent;
    }

    @Override
    public Run run(List<String> command, Duration timeout) throws IOException {
        throw new IOException("KubeVirt's API runs no program in a guest: use a command check (SSH through the"
                + " VMI's portforward)");
    }

    /** A loopback port whose connections each become a portforward websocket to the guest's port. */
    @Override
    public synchronized InetSocketAddress port(int guestPort) throws IOException {
        ServerSocket local = forwards.get(guestPort);
        if (local == null) {
            local = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
            forwards.put(guestPort, local);
            ServerSocket listening = local;
            Thread accept = new Thread(() -> {
                while (!listening.isClosed()) {
                    try {
                        Socket connection = listening.accept();
                        forward(connection, guestPort);
                    } catch (IOException e) {
                        return; // closed
                    }
                }
            }, "vmlift-portforward-" + guestPort);
            accept.setDaemon(true);
            accept.start();
        }
        return new InetSocketAddress(local.getInetAddress(), local.getLocalPort());
    }

    private void forward(Socket connection, int guestPort) throws IOException {
        OutputStream toClient = connection.getOutputStream();
        WebSocket webSocket;
        try {
            webSocket = client.getHttpClient().newWebSocketBuilder()
                    .uri(URI.create(subresource("portforward/" + guestPort + "/tcp")))
                    .subprotocol("plain.kubevirt.io").connectTimeout(10, TimeUnit.SECONDS)
                    .buildAsync(new WebSocket.Listener() {
                        @Override
                        public void onOpen(WebSocket socket) {
                            socket.request();
                        }

                        @Override
                        public void onMessage(WebSocket socket, ByteBuffer bytes) {
                            try {
                                byte[] data = new byte[bytes.remaining()];
                                bytes.get(data);
                                toClient.write(data);
                                toClient.flush();
                                socket.request();
                            } catch (IOException e) {
                                socket.sendClose(1000, "the local connection closed");
                            }
                        }

                        @Override
                        public void onMessage(WebSocket socket, String text) {
                            socket.request();
                        }

                        @Override
                        public void onClose(WebSocket socket, int code, String reason) {
                            closeQuietly(connection);
                        }

                        @Override
                        public void onError(WebSocket socket, Throwable error) {
                            closeQuietly(connection);
                        }
                    }).get(15, TimeUnit.SECONDS);
        } catch (Exception e) {
            closeQuietly(connection); // refused: the local connection closes at once, as a closed port
            return;
        }
        WebSocket open = webSocket;
        Thread pump = new Thread(() -> {
            byte[] buffer = new byte[16384];
            try (InputStream fromClient = connection.getInputStream()) {
                for (int n; (n = fromClient.read(buffer)) >= 0; ) {
                    open.send(ByteBuffer.wrap(java.util.Arrays.copyOf(buffer, n))); // sent later: a copy
                }
            } catch (IOException e) {
                // closed
            }
            open.sendClose(1000, "done");
        }, "vmlift-portforward-out");
        pump.setDaemon(true);
        pump.start();
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // already closed
        }
    }

    @Override
    public boolean running() {
        GenericKubernetesResource vmi = client.genericKubernetesResources(ClusterKinds.VIRTUAL_MACHINE_INSTANCE)
                .inNamespace(namespace).withName(name).get();
        return vmi != null && "Running".equals(Serialization.json().valueToTree(vmi).at("/status/phase").asText());
    }

    @Override
    public String whyStopped() {
        GenericKubernetesResource vmi = client.genericKubernetesResources(ClusterKinds.VIRTUAL_MACHINE_INSTANCE)
                .inNamespace(namespace).withName(name).get();
        return vmi == null ? "no VirtualMachineInstance runs: start the VirtualMachine, or migrate with the Plan's"
                + " targetPowerState: on"
                : "the VirtualMachineInstance is " + Serialization.json().valueToTree(vmi).at("/status/phase")
                        .asText("in no phase");
    }

    @Override
    public void close() {
        forwards.values().forEach(socket -> {
            try {
                socket.close();
            } catch (IOException e) {
                // already closed
            }
        });
    }
}
