package io.vmlift.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.storage.StorageClassBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.utils.ResponseProvider;
import io.vmlift.model.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Plays KubeVirt and CDI for vmlift's cluster target against fabric8's CRUD mock server, since nothing real
 * runs here: the CRDs, a controller loop (DataVolume UploadReady -> Succeeded, VirtualMachine -> a Ready
 * VirtualMachineInstance), CDI's UploadTokenRequest API, and an upload proxy that checks the token and keeps
 * the uploaded bytes. It fails on purpose when told to. The proxy serves plain HTTP unless made with TLS; CDI's
 * serves TLS only, with a certificate CDI signs itself (pkg/uploadproxy/uploadproxy.go, startTLS with its cert
 * watcher), so the tests of trusting it and the upload benchmark make it with TLS ({@link TestTls}).
 */
public final class FakeKubevirt implements AutoCloseable {
    /** What to break. */
    public enum Fault { NONE, REJECT_UPLOAD, DATA_VOLUME_FAILS, NEVER_READY, NO_DELETE_PERMISSION, EXPIRED_TOKEN,
        /** The upload server pod is not ready for the first upload request, then it is. */
        UPLOAD_POD_STARTING,
        /** The upload server pod never gets ready. */
        UPLOAD_POD_NEVER_READY }

    private final java.util.concurrent.atomic.AtomicInteger notReadyAnswers = new java.util.concurrent.atomic.AtomicInteger();

    private final KubernetesClient client;
    private final Path uploads;
    private final HttpServer proxy;
    private final java.util.concurrent.ExecutorService uploadThreads = java.util.concurrent.Executors.newCachedThreadPool(
            task -> {
                Thread thread = new Thread(task, "fake-cdi-upload");
                thread.setDaemon(true);
                return thread;
            });
    private final Map<String, String> tokens = new ConcurrentHashMap<>(); // token -> namespace/pvc
    private final Set<String> uploaded = ConcurrentHashMap.newKeySet();
    private final java.util.concurrent.atomic.AtomicInteger acceptedUploads =
            new java.util.concurrent.atomic.AtomicInteger();
    private final Thread controller;
    private volatile Fault fault = Fault.NONE;
    private static final String COPIED = "cdi.kubevirt.io/storage.checkpoint.copied.";
    private final List<String> checkpointsCopied = new java.util.concurrent.CopyOnWriteArrayList<>();

    private final KubernetesMockServer server;
    /** Boots a real guest for each VMI, when set (a test of TestSuites on the cluster). */
    private volatile VirtHandler virtHandler;

    public FakeKubevirt(KubernetesMockServer server, KubernetesClient client, Path uploads) throws IOException {
        this(server, client, uploads, false);
    }

    /** @param tls whether the upload proxy serves TLS with {@link TestTls}'s certificate, as CDI's does */
    public FakeKubevirt(KubernetesMockServer server, KubernetesClient client, Path uploads, boolean tls)
            throws IOException {
        this.server = server;
        this.client = client;
        this.uploads = uploads;
        this.kubelet = new ConversionKubelet(client, this);
        for (CustomResourceDefinition crd : List.of(
                crd("kubevirt.io", "v1", "VirtualMachine", "virtualmachines"),
                crd("kubevirt.io", "v1", "VirtualMachineInstance", "virtualmachineinstances"),
                crd("cdi.kubevirt.io", "v1beta1", "DataVolume", "datavolumes"),
                crd("upload.cdi.kubevirt.io", "v1beta1", "UploadTokenRequest", "uploadtokenrequests"),
                crd("k8s.cni.cncf.io", "v1", "NetworkAttachmentDefinition", "network-attachment-definitions"))) {
            client.apiextensions().v1().customResourceDefinitions().resource(crd).create();
        }
        // CDI's upload API is served by its own API server, which answers a create with the token at once.
        server.expect().post().withPath("/apis/upload.cdi.kubevirt.io/v1beta1/namespaces/migrated/uploadtokenrequests")
                .andReply(201, request -> issueToken(request.getBody().readUtf8())).always();
        // RBAC as the API server answers it: allowed, unless told to deny deleting VirtualMachines.
        server.expect().post().withPath("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews")
                .andReply(new ResponseProvider<Object>() {
                    private Headers headers = new Headers.Builder().build();

                    @Override
                    public int getStatusCode(RecordedRequest request) {
                        return fault == Fault.EXPIRED_TOKEN ? 401 : 201;
                    }

                    @Override
                    public Object getBody(RecordedRequest request) {
                        return fault == Fault.EXPIRED_TOKEN ? Map.of("kind", "Status", "code", 401,
                                "message", "Unauthorized") : review(request.getBody().readUtf8());
                    }

                    @Override
                    public Headers getHeaders() {
                        return headers;
                    }

                    @Override
                    public void setHeaders(Headers headers) {
                        this.headers = headers;
                    }
                }).always();
        InetSocketAddress local = new InetSocketAddress("127.0.0.1", 0);
        if (tls) {
            HttpsServer secure = HttpsServer.create(local, 0);
            secure.setHttpsConfigurator(new HttpsConfigurator(TestTls.shared().serverContext()));
            proxy = secure;
        } else {
            proxy = HttpServer.create(local, 0);
        }
        proxy.createContext("/v1beta1/upload", this::receiveUpload);
        // pkg/uploadproxy/uploadproxy.go, handleHealthzRequest: 200 "OK", no token needed.
        proxy.createContext("/healthz", exchange -> {
            try (exchange) {
                answer(exchange, 200, "OK");
            }
        });
        // Each upload on a thread of its own, as Go's net/http serves CDI's: with none, the JDK's server runs every
        // exchange on its one dispatcher thread, and 20 uploads in flight would arrive one after another.
        proxy.setExecutor(uploadThreads);
        proxy.start();
        controller = new Thread(this::reconcileForever, "fake-kubevirt-controller");
        controller.setDaemon(true);
        controller.start();
    }

    /** From now on every VMI started runs as a real guest (QEMU) that KubeVirt's subresources reach. */
    public void runGuestsWith(VirtHandler handler) {
        this.virtHandler = handler;
    }

    /** Publishes the upload proxy in CDI's cluster-wide CDIConfig "config", where vmlift finds it by default. */
    public void publishUploadProxy() {
        client.apiextensions().v1().customResourceDefinitions()
                .resource(crd("cdi.kubevirt.io", "v1beta1", "CDIConfig", "cdiconfigs", "Cluster")).create();
        GenericKubernetesResource config = new GenericKubernetesResource();
        config.setApiVersion("cdi.kubevirt.io/v1beta1");
        config.setKind("CDIConfig");
        config.setMetadata(new ObjectMetaBuilder().withName("config").build());
        config.setAdditionalProperty("spec", Map.of());
        GenericKubernetesResource created = client.resource(config).create();
        created.setAdditionalProperty("status", Map.of("uploadProxyURL", uploadProxy().toString()));
        client.resource(created).updateStatus();
    }

    /** A kubeconfig for the mock server, with a token as a pipeline's service account would have. */
    public static Path writeKubeconfig(Path file, String server) throws IOException {
        return Files.writeString(file, """
                apiVersion: v1
                kind: Config
                clusters:
                - name: mock
                  cluster: {server: "%s", insecure-skip-tls-verify: true}
                users:
                - name: tester
                  user: {token: not-a-real-token}
                contexts:
                - name: mock
                  context: {cluster: mock, user: tester, namespace: default}
                current-context: mock
                """.formatted(server));
    }

    /** What a plan needs on the cluster: its target namespace, a storage class, and Multus networks there. */
    public void prepareTarget(String namespace, String storageClass, String... networks) {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata()
                .build()).create();
        client.storage().v1().storageClasses().resource(new StorageClassBuilder().withNewMetadata()
                .withName(storageClass).endMetadata().withProvisioner("example.io/fake").build()).create();
        for (String name : networks) {
            GenericKubernetesResource network = new GenericKubernetesResource();
            network.setApiVersion("k8s.cni.cncf.io/v1");
            network.setKind("NetworkAttachmentDefinition");
            network.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
            network.setAdditionalProperty("spec", Map.of("config", "{}"));
            client.resource(network).create();
        }
    }

    /** How many uploads the proxy accepted. */
    public int acceptedUploads() {
        return acceptedUploads.get();
    }

    public void breakWith(Fault fault) {
        this.fault = fault;
    }

    /**
     * The API server answers GETs of path with 503 the given number of times (as when it restarts, or its load
     * balancer has no backend), then as before.
     */
    public void unavailableFor(String path, int times) {
        server.expect().get().withPath(path).andReturn(503, Map.of("kind", "Status", "apiVersion", "v1",
                "status", "Failure", "code", 503, "reason", "ServiceUnavailable",
                "message", "the server is currently unable to handle the request")).times(times);
    }

    public URI uploadProxy() {
        return URI.create((proxy instanceof HttpsServer ? "https" : "http") + "://127.0.0.1:"
                + proxy.getAddress().getPort());
    }

    /** The CA file to trust the proxy with (--upload-proxy-ca), when it serves TLS. */
    public Path uploadProxyCa() throws IOException {
        return TestTls.shared().caFile();
    }

    /** Where the bytes uploaded for a PVC were kept. */
    public Path uploadOf(String namespace, String pvc) {
        return uploads.resolve(namespace + "-" + pvc + ".img");
    }

    /** A CustomResourceDefinition that keeps any fields, with a status subresource, as the mock server needs. */
    public static CustomResourceDefinition crd(String group, String version, String kind, String plural) {
        return crd(group, version, kind, plural, "Namespaced");
    }

    private static CustomResourceDefinition crd(String group, String version, String kind, String plural,
            String scope) {
        return new CustomResourceDefinitionBuilder()
                .withNewMetadata().withName(plural + "." + group).endMetadata()
                .withNewSpec().withGroup(group).withScope(scope)
                .withNewNames().withKind(kind).withPlural(plural).withSingular(kind.toLowerCase()).endNames()
                .addNewVersion().withName(version).withServed(true).withStorage(true)
                .withNewSchema().withNewOpenAPIV3Schema().withType("object").withXKubernetesPreserveUnknownFields(true)
                .endOpenAPIV3Schema().endSchema()
                .withNewSubresources().withNewStatus().endStatus().endSubresources()
                .endVersion().endSpec().build();
    }

    private Object issueToken(String body) {
        try {
            JsonNode request = Serialization.json().readTree(body);
            String namespace = request.at("/metadata/namespace").asText("migrated");
            String pvc = request.at("/spec/pvcName").asText();
            String token = UUID.randomUUID().toString();
            tokens.put(token, namespace + "/" + pvc);
            ((com.fasterxml.jackson.databind.node.ObjectNode) request).putObject("status").put("token", token);
            return request;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private Object review(String body) {
        try {
            com.fasterxml.jackson.databind.node.ObjectNode review =
                    (com.fasterxml.jackson.databind.node.ObjectNode) Serialization.json().readTree(body);
            JsonNode attributes = review.at("/spec/resourceAttributes");
            boolean denied = fault == Fault.NO_DELETE_PERMISSION && "delete".equals(attributes.path("verb").asText())
                    && "virtualmachines".equals(attributes.path("resource").asText());
            review.putObject("status").put("allowed", !denied);
            return review;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private void receiveUpload(HttpExchange exchange) throws IOException {
        try (exchange) {
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            String target = authorization == null ? null : tokens.get(authorization.replaceFirst("^Bearer ", ""));
            if (!"POST".equals(exchange.getRequestMethod()) || target == null) {
                answer(exchange, 401, "invalid token");
                return;
            }
            // CDI's upload proxy (pkg/uploadproxy/uploadproxy.go, handleUploadRequest) answers 503 with the reason in
            // the body when the PVC's upload server pod is not ready within 10 s (uploadReady).
            if (fault == Fault.UPLOAD_POD_NEVER_READY
                    || (fault == Fault.UPLOAD_POD_STARTING && notReadyAnswers.getAndIncrement() == 0)) {
                exchange.getRequestBody().transferTo(OutputStream.nullOutputStream());
                answer(exchange, 503, "timed out waiting for the condition");
                return;
            }
            String[] parts = target.split("/");
            Path file = uploadOf(parts[0], parts[1]);
            try (InputStream in = exchange.getRequestBody(); FileChannel out = FileChannel.open(file,
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                if (fault == Fault.REJECT_UPLOAD) {
                    in.transferTo(OutputStream.nullOutputStream()); // as CDI does: it fails while saving the stream
                    answer(exchange, 500, "Saving stream failed: no space left on device");
                    return;
                }
                keep(in, out);
            }
            uploaded.add(target);
            acceptedUploads.incrementAndGet();
            answer(exchange, 200, "");
        }
    }

    /**
     * Saves the body a megabyte at a time. Written as InputStream.transferTo does it, 8 KiB at a time, it took
     * 2.6-2.8 s of CPU per GiB (a curl -T of 1 GiB), on the cores the benchmarks share with vmlift; a megabyte at a
     * time, 0.9-1.0 s.
     */
    private static void keep(InputStream in, FileChannel out) throws IOException {
        byte[] buffer = new byte[1 << 20];
        for (int n; (n = in.readNBytes(buffer, 0, buffer.length)) > 0; ) {
            ByteBuffer piece = ByteBuffer.wrap(buffer, 0, n);
            while (piece.hasRemaining()) {
                out.write(piece);
            }
        }
    }

    private static void answer(HttpExchange exchange, int status, String text) throws IOException {
        byte[] bytes = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            exchange.getResponseBody().write(bytes);
        }
    }

    private void reconcileForever() {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                reconcile();
                Thread.sleep(50);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                // The mock server is shutting down or an object changed under us: try again on the next round.
            }
        }
    }

    /** Runs vmlift's guest conversion pods (ConversionKubelet). */
    private final ConversionKubelet kubelet;

    /** The conversion pods the kubelet ran, as created. */
    public List<JsonNode> conversionPods() {
        return List.copyOf(kubelet.ran);
    }

    private void reconcile() {
        kubelet.reconcile();
        for (GenericKubernetesResource dataVolume : client.genericKubernetesResources("cdi.kubevirt.io/v1beta1",
                "DataVolume").inAnyNamespace().list().getItems()) {
            String key = dataVolume.getMetadata().getNamespace() + "/" + dataVolume.getMetadata().getName();
            String phase = phaseOf(dataVolume);
            JsonNode source = Serialization.json().valueToTree(dataVolume).path("spec").path("source");
            Map<String, Object> next = null;
            if (!source.has("upload")) {
                next = importStep(dataVolume, source, phase);
            } else if (phase == null) {
                // A new DataVolume has a new PVC and upload server: an upload to an earlier one of that name (since
                // deleted, e.g. by a rollback) does not count for it.
                uploaded.remove(key);
                next = Map.of("phase", fault == Fault.DATA_VOLUME_FAILS ? "Failed" : "UploadReady");
            } else if ("UploadReady".equals(phase) && uploaded.contains(key)) {
                next = Map.of("phase", "Succeeded", "progress", "100.0%");
            }
            if (next != null) {
                dataVolume.setAdditionalProperty("status", next);
                client.resource(dataVolume).updateStatus();
            }
        }
        for (GenericKubernetesResource vm : client.genericKubernetesResources("kubevirt.io/v1", "VirtualMachine")
                .inAnyNamespace().list().getItems()) {
            JsonNode spec = Serialization.json().valueToTree(vm).path("spec");
            String namespace = vm.getMetadata().getNamespace();
            String name = vm.getMetadata().getName();
            boolean running = "Always".equals(spec.path("runStrategy").asText());
            if (running && client.genericKubernetesResources("kubevirt.io/v1", "VirtualMachineInstance")
                    .inNamespace(namespace).withName(name).get() == null) {
                GenericKubernetesResource instance = new GenericKubernetesResource();
                instance.setApiVersion("kubevirt.io/v1");
                instance.setKind("VirtualMachineInstance");
                instance.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName(name)
                        .withNamespace(namespace).build());
                instance.setAdditionalProperty("spec", spec.path("template").path("spec"));
                GenericKubernetesResource created = client.resource(instance).create();
                boolean ready = fault != Fault.NEVER_READY;
                // As virt-handler reports them: each interface with the MAC it got.
                List<Map<String, String>> interfaces = new java.util.ArrayList<>();
                for (JsonNode iface : spec.at("/template/spec/domain/devices/interfaces")) {
                    interfaces.add(Map.of("name", iface.path("name").asText(), "mac", iface.path("macAddress").asText()));
                }
                created.setAdditionalProperty("status", Map.of("phase", ready ? "Running" : "Scheduling",
                        "conditions", List.of(Map.of("type", "Ready", "status", ready ? "True" : "False")),
                        "interfaces", interfaces));
                client.resource(created).updateStatus();
                VirtHandler handler = virtHandler;
                if (handler != null) {
                    Thread boot = new Thread(() -> {
                        try {
                            handler.start(namespace, name);
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    }, "fake-virt-handler");
                    boot.setDaemon(true);
                    boot.start();
                }
            }
        }
    }

    /**
     * CDI importing by itself (VDDK, imageio, http): ImportInProgress at 50%, then Succeeded; Failed with CDI's
     * kind of message when the Secret its secretRef names is missing or lacks CDI's keys.
     */
    private Map<String, Object> importStep(GenericKubernetesResource dataVolume, JsonNode source, String phase) {
        if ("Succeeded".equals(phase) || "Failed".equals(phase)) {
            return null;
        }
        JsonNode kind = source.elements().hasNext() ? source.elements().next() : null;
        String secretRef = kind == null ? "" : kind.path("secretRef").asText("");
        if (!secretRef.isEmpty()) {
            var secret = client.secrets().inNamespace(dataVolume.getMetadata().getNamespace()).withName(secretRef).get();
            Map<String, String> data = secret == null ? null : secret.getStringData() != null
                    && !secret.getStringData().isEmpty() ? secret.getStringData() : secret.getData();
            if (data == null || !data.containsKey("accessKeyId") || !data.containsKey("secretKey")) {
                return Map.of("phase", "Failed", "conditions", List.of(Map.of("type", "Running", "status", "False",
                        "message", "secret " + secretRef + " not found or lacks accessKeyId/secretKey")));
            }
        }
        if (fault == Fault.DATA_VOLUME_FAILS) {
            return Map.of("phase", "Failed", "conditions", List.of(Map.of("type", "Running", "status", "False",
                    "message", "Unable to connect to vddk data source")));
        }
        JsonNode spec = Serialization.json().valueToTree(dataVolume).path("spec");
        if (spec.path("checkpoints").size() > 0) {
            return multiStageStep(dataVolume, spec, phase);
        }
        return phase == null ? Map.of("phase", "ImportInProgress", "progress", "50.00%")
                : Map.of("phase", "Succeeded", "progress", "100.0%");
    }

    /**
     * CDI's multi-stage (warm) import: copies one checkpoint per two reconciles (ImportInProgress, then marks it
     * on the PVC as copied), pauses after each one, and succeeds after the final one. A checkpoint must start
     * where the copied ones ended, or the import fails, as CDI's would with a broken snapshot chain.
     */
    private Map<String, Object> multiStageStep(GenericKubernetesResource dataVolume, JsonNode spec, String phase) {
        String namespace = dataVolume.getMetadata().getNamespace();
        String name = dataVolume.getMetadata().getName();
        var claim = client.persistentVolumeClaims().inNamespace(namespace).withName(name).get();
        if (claim == null) {
            claim = client.persistentVolumeClaims().inNamespace(namespace).resource(
                    new io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder().withNewMetadata()
                            .withName(name).withNamespace(namespace).endMetadata().build()).create();
        }
        Map<String, String> annotations = claim.getMetadata().getAnnotations() == null ? new java.util.HashMap<>()
                : new java.util.HashMap<>(claim.getMetadata().getAnnotations());
        String copiedUpTo = "";
        for (JsonNode checkpoint : spec.path("checkpoints")) {
            String current = checkpoint.path("current").asText();
            if (annotations.containsKey(COPIED + current)) {
                copiedUpTo = current;
                continue;
            }
            if (!checkpoint.path("previous").asText().equals(copiedUpTo)) {
                return Map.of("phase", "Failed", "conditions", List.of(Map.of("type", "Running", "status", "False",
                        "message", "checkpoint " + current + " does not follow " + copiedUpTo)));
            }
            if (!"ImportInProgress".equals(phase)) {
                return Map.of("phase", "ImportInProgress", "progress", "50.00%");
            }
            annotations.put(COPIED + current, "importer-pod-uid");
            claim.getMetadata().setAnnotations(annotations);
            client.persistentVolumeClaims().inNamespace(namespace).resource(claim).update();
            checkpointsCopied.add(name + ":" + copiedUpTo + "->" + current);
            boolean last = checkpoint.equals(spec.path("checkpoints").get(spec.path("checkpoints").size() - 1));
            return last && spec.path("finalCheckpoint").asBoolean()
                    ? Map.of("phase", "Succeeded", "progress", "100.0%")
                    : Map.of("phase", "Paused", "progress", "100.0%");
        }
        return null; // all copied; waiting for the next checkpoint
    }

    /** The checkpoints copied so far, in order: "dataVolume:previous->current". */
    public List<String> checkpointsCopied() {
        return List.copyOf(checkpointsCopied);
    }

    private static String phaseOf(GenericKubernetesResource resource) {
        Object status = resource.getAdditionalProperties().get("status");
        return status instanceof Map<?, ?> map && map.get("phase") != null ? map.get("phase").toString() : null;
    }

    @Override
    public void close() {
        controller.interrupt();
        proxy.stop(0);
        uploadThreads.shutdownNow();
    }
}
