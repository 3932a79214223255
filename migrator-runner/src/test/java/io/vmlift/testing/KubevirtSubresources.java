package io.vmlift.testing;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.mockwebserver.http.ByteString;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import io.vmlift.model.Serialization;
import io.vmlift.verify.QemuGuest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * KubeVirt's subresource API and the launcher pod's console log, in front of the mock API server, answered by the
 * real guests VirtHandler runs. Each rule follows KubeVirt (kubevirt/kubevirt):
 * <ul>
 * <li>{@code GET /apis/subresources.kubevirt.io/v1/namespaces/NS/virtualmachineinstances/NAME/portforward/PORT/tcp}
 *     upgrades to a websocket of subprotocol plain.kubevirt.io whose binary frames are the TCP stream (virt-api's
 *     pkg/virt-api/rest/portforward.go; client-go kubecli's PortForward); a port nothing listens on closes it.</li>
 * <li>{@code GET .../virtualmachineinstances/NAME/guestosinfo} answers the guest agent's
 *     VirtualMachineInstanceGuestAgentInfo (staging/src/kubevirt.io/api/core/v1/types.go), or 409 when the VMI
 *     has no agent connected, as virt-api does.</li>
 * <li>{@code GET /api/v1/namespaces/NS/pods/virt-launcher-NAME-.../log?container=guest-console-log}: the serial
 *     console's output from boot, which virt-launcher's guest-console-log container streams (KubeVirt 1.1's
 *     logSerialConsole, on by default).</li>
 * <li>A VMI that is not running: 404 from guestosinfo and portforward, as virt-api answers for a stopped VMI.</li>
 * </ul>
 * Everything else goes to the mock server's own dispatcher.
 */
public final class KubevirtSubresources extends Dispatcher {
    private static final Pattern SUBRESOURCE = Pattern.compile(
            "/apis/subresources\\.kubevirt\\.io/v1/namespaces/([^/]+)/virtualmachineinstances/([^/]+)/(.+)");
    private static final Pattern CONSOLE_LOG = Pattern.compile(
            "/api/v1/namespaces/([^/]+)/pods/virt-launcher-(.+)-vmlft/log\\?(.*)");

    private final Dispatcher delegate;
    private volatile VirtHandler handler;

    public KubevirtSubresources(Dispatcher delegate) {
        this.delegate = delegate;
    }

    /**
     * Lets the mock server's websockets speak KubeVirt's subprotocol. virt-api negotiates plain.kubevirt.io and
     * clients require it back, but fabric8's MockWebServer (7.1) tells Vert.x only the v1 to v4.channel.k8s.io
     * protocols, from a static array it reads when it starts. Its first entry, v1 (which fabric8's client does
     * not use), becomes plain.kubevirt.io; a later MockWebServer that no longer has the array fails here.
     */
    public static void negotiatePlainKubevirtProtocol() {
        try {
            java.lang.reflect.Field field = io.fabric8.mockwebserver.MockWebServer.class
                    .getDeclaredField("SUPPORTED_WEBSOCKET_SUB_PROTOCOLS");
            field.setAccessible(true);
            String[] protocols = (String[]) field.get(null);
            if (!java.util.Arrays.asList(protocols).contains("plain.kubevirt.io")) {
                protocols[0] = "plain.kubevirt.io";
            }
        } catch (ReflectiveOperationException | ClassCastException e) {
            throw new IllegalStateException("fabric8's MockWebServer changed: cannot offer plain.kubevirt.io", e);
        }
    }

    public void runGuestsWith(VirtHandler handler) {
        this.handler = handler;
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
        Matcher subresource = SUBRESOURCE.matcher(request.getPath());
        if (handler != null && subresource.matches()) {
            QemuGuest guest = handler.guest(subresource.group(1), subresource.group(2));
            if (guest == null || !guest.running()) {
                return status(404, "NotFound", "VirtualMachineInstance " + subresource.group(2) + " is not running");
            }
            String what = subresource.group(3);
            if (what.equals("guestosinfo")) {
                return guestOsInfo(guest);
            }
            Matcher forward = Pattern.compile("portforward/(\\d+)/tcp").matcher(what);
            if (forward.matches()) {
                return portForward(guest, Integer.parseInt(forward.group(1)));
            }
            return status(404, "NotFound", "no subresource " + what);
        }
        Matcher log = CONSOLE_LOG.matcher(request.getPath());
        if (handler != null && log.matches() && log.group(3).contains("container=guest-console-log")) {
            QemuGuest guest = handler.guest(log.group(1), log.group(2));
            try {
                return new MockResponse().setResponseCode(200).setBody(guest == null ? "" : guest.console());
            } catch (IOException e) {
                return status(500, "InternalError", e.getMessage());
            }
        }
        return delegate.dispatch(request);
    }

    private static MockResponse guestOsInfo(QemuGuest guest) {
        JsonNode os;
        try {
            os = guest.agentOsInfo();
        } catch (IOException e) {
            return status(409, "Conflict", "VMI does not have guest agent connected");
        }
        Map<String, Object> info = Map.of("guestAgentVersion", "tiny-web", "hostname", guest.name(),
                "os", Map.of("id", os.path("id").asText(), "name", os.path("name").asText(),
                        "prettyName", os.path("pretty-name").asText(), "versionId", os.path("version-id").asText(),
                        "kernelRelease", os.path("kernel-release").asText(), "machine", os.path("machine").asText()));
        return new MockResponse().setResponseCode(200).setBody(Serialization.toCompactJson(info));
    }

    /** The websocket's binary frames to and from the guest's port, through QEMU's forward. */
    private static MockResponse portForward(QemuGuest guest, int port) {
        return new MockResponse().setHeader("Sec-WebSocket-Protocol", "plain.kubevirt.io")
                .withWebSocketUpgrade(new WebSocketListener() {
                    private Socket socket;
                    private OutputStream toGuest;

                    @Override
                    public void onOpen(WebSocket webSocket, io.fabric8.mockwebserver.http.Response response) {
                        try {
                            socket = new Socket();
                            socket.connect(guest.port(port), 5000);
                            toGuest = socket.getOutputStream();
                            InputStream fromGuest = socket.getInputStream();
                            Thread pump = new Thread(() -> {
                                byte[] buffer = new byte[16384];
                                try {
                                    for (int n; (n = fromGuest.read(buffer)) >= 0; ) {
                                        webSocket.send(java.util.Arrays.copyOf(buffer, n));
                                    }
                                } catch (IOException e) {
                                    // the guest or the client closed
                                }
                                webSocket.close(1000, "closed by the guest");
                            }, "kubevirt-portforward");
                            pump.setDaemon(true);
                            pump.start();
                        } catch (IOException e) {
                            webSocket.close(1011, "cannot forward to port " + port + ": " + e.getMessage());
                        }
                    }

                    @Override
                    public void onMessage(WebSocket webSocket, ByteString bytes) {
                        onMessage(webSocket, bytes.toByteArray());
                    }

                    @Override
                    public void onMessage(WebSocket webSocket, byte[] bytes) {
                        try {
                            toGuest.write(bytes);
                            toGuest.flush();
                        } catch (IOException e) {
                            webSocket.close(1011, e.getMessage());
                        }
                    }

                    @Override
                    public void onClosing(WebSocket webSocket, int code, String reason) {
                        close();
                    }

                    @Override
                    public void onClosed(WebSocket webSocket, int code, String reason) {
                        close();
                    }

                    private void close() {
                        try {
                            if (socket != null) {
                                socket.close();
                            }
                        } catch (IOException e) {
                            // already closed
                        }
                    }
                });
    }

    private static MockResponse status(int code, String reason, String message) {
        return new MockResponse().setResponseCode(code).setBody(Serialization.toCompactJson(Map.of("kind", "Status",
                "apiVersion", "v1", "status", "Failure", "reason", reason, "code", code, "message", message)));
    }
}
