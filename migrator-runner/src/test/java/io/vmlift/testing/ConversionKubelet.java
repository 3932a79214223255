package io.vmlift.testing;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.ContainerStateTerminatedBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vmlift.model.Serialization;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The test cluster's kubelet for vmlift's guest conversion pods (label vmlift.io/role=guest-conversion): it runs
 * the pod's one container for real on this machine, vmlift from the test classpath in place of the image, with
 * each PVC volume mounted as the folder CDI makes of it (disk.img, raw: CDI's upload server converts what it
 * receives to raw, pkg/uploadserver and pkg/image/qemu.go ConvertToRawStream), and writes back the status a
 * kubelet writes. Before it runs a pod it enforces what would stop a real one:
 * <ul>
 * <li>a PVC the pod names must exist: CDI names a DataVolume's PVC after it, so the DataVolume must be there and
 *     Succeeded (otherwise a real pod stays Pending: pkg/kubelet/volumemanager);</li>
 * <li>runAsNonRoot with user 0 fails to start (pkg/kubelet/kuberuntime/security_context_others.go,
 *     verifyRunAsNonRoot);</li>
 * <li>every volumeMount names a volume of the pod (pkg/apis/core/validation, validateVolumeMounts);</li>
 * <li>the termination message is cut to 4096 bytes (pkg/kubelet/kuberuntime/kuberuntime_container.go,
 *     kubecontainer.MaxContainerTerminationMessageLength).</li>
 * </ul>
 */
final class ConversionKubelet {
    private static final int MAX_TERMINATION_MESSAGE = 4096;
    private final KubernetesClient client;
    private final FakeKubevirt cluster;
    private final Set<String> started = ConcurrentHashMap.newKeySet();
    /** The pods it ran, as created (for tests that look at their spec). */
    final List<JsonNode> ran = new java.util.concurrent.CopyOnWriteArrayList<>();

    ConversionKubelet(KubernetesClient client, FakeKubevirt cluster) {
        this.client = client;
        this.cluster = cluster;
    }

    void reconcile() {
        for (Pod pod : client.pods().inAnyNamespace().withLabel("vmlift.io/role", "guest-conversion").list().getItems()) {
            String key = pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName() + "/"
                    + pod.getMetadata().getUid();
            if (pod.getStatus() != null && pod.getStatus().getPhase() != null || !started.add(key)) {
                continue;
            }
            Thread runner = new Thread(() -> run(pod), "kubelet-" + pod.getMetadata().getName());
            runner.setDaemon(true);
            runner.start();
        }
    }

    private void run(Pod pod) {
        JsonNode spec = Serialization.json().valueToTree(pod).path("spec");
        ran.add(Serialization.json().valueToTree(pod));
        String namespace = pod.getMetadata().getNamespace();
        try {
            String refused = refused(namespace, spec);
            if (refused != null) {
                finish(pod, 128, refused);
                return;
            }
            Path root = Files.createTempDirectory("vmlift-kubelet-");
            Map<String, Path> volumes = new HashMap<>();
            for (JsonNode volume : spec.path("volumes")) {
                String name = volume.path("name").asText();
                if (volume.has("persistentVolumeClaim")) {
                    volumes.put(name, pvcFolder(namespace, volume.at("/persistentVolumeClaim/claimName").asText(), root));
                } else {
                    volumes.put(name, Files.createDirectories(root.resolve("volumes").resolve(name)));
                }
            }
            JsonNode container = spec.path("containers").get(0);
            Map<String, Path> mounts = new HashMap<>();
            for (JsonNode mount : container.path("volumeMounts")) {
                mounts.put(mount.path("mountPath").asText(), volumes.get(mount.path("name").asText()));
            }
            Path terminationLog = root.resolve("termination-log");
            mounts.put("/dev/termination-log", terminationLog);
            List<String> command = new ArrayList<>();
            for (JsonNode part : container.path("command")) {
                command.add(part.asText());
            }
            if (!command.equals(List.of("vmlift"))) {
                finish(pod, 127, "exec: " + command + ": not found in the runner image");
                return;
            }
            command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), "io.vmlift.cli.Vmlift"));
            for (JsonNode arg : container.path("args")) {
                command.add(mapped(arg.asText(), mounts));
            }
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(root.resolve("log").toFile());
            for (JsonNode env : container.path("env")) {
                builder.environment().put(env.path("name").asText(), mapped(env.path("value").asText(), mounts));
            }
            Process process = builder.start();
            process.getOutputStream().close();
            if (!process.waitFor(60, TimeUnit.MINUTES)) {
                process.destroyForcibly();
            }
            String message = Files.exists(terminationLog) ? Files.readString(terminationLog) : "";
            byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
            if (bytes.length > MAX_TERMINATION_MESSAGE) {
                message = new String(bytes, 0, MAX_TERMINATION_MESSAGE, StandardCharsets.UTF_8);
            }
            finish(pod, process.exitValue(), message);
        } catch (IOException | RuntimeException e) {
            finish(pod, 128, "kubelet: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Why a real kubelet would not run the container, or null. */
    private String refused(String namespace, JsonNode spec) {
        JsonNode security = spec.path("securityContext");
        if (security.path("runAsNonRoot").asBoolean() && security.path("runAsUser").asLong(0) == 0) {
            return "container's runAsUser breaks non-root policy";
        }
        Set<String> declared = new java.util.HashSet<>();
        spec.path("volumes").forEach(v -> declared.add(v.path("name").asText()));
        for (JsonNode mount : spec.at("/containers/0/volumeMounts")) {
            if (!declared.contains(mount.path("name").asText())) {
                return "volumeMounts: " + mount.path("name").asText() + " not found";
            }
        }
        if (spec.at("/containers/0/image").asText().isBlank()) {
            return "containers[0].image: Required value";
        }
        for (JsonNode volume : spec.path("volumes")) {
            String claim = volume.at("/persistentVolumeClaim/claimName").asText("");
            if (claim.isEmpty()) {
                continue;
            }
            var dataVolume = client.genericKubernetesResources("cdi.kubevirt.io/v1beta1", "DataVolume")
                    .inNamespace(namespace).withName(claim).get();
            String phase = dataVolume == null ? null
                    : Serialization.json().valueToTree(dataVolume).at("/status/phase").asText(null);
            if (!"Succeeded".equals(phase)) {
                return "persistentvolumeclaim \"" + claim + "\" not ready (its DataVolume is " + phase + ")";
            }
        }
        return null;
    }

    /** The PVC as a folder holding disk.img, raw, as CDI leaves a filesystem-mode PVC. */
    private Path pvcFolder(String namespace, String claim, Path root) throws IOException, InterruptedException {
        Path upload = cluster.uploadOf(namespace, claim);
        byte[] magic = new byte[4];
        try (var in = Files.newInputStream(upload)) {
            in.readNBytes(magic, 0, 4);
        }
        if (magic[0] == 'Q' && magic[1] == 'F' && magic[2] == 'I' && (magic[3] & 0xff) == 0xfb) {
            Path raw = upload.resolveSibling(upload.getFileName() + ".raw");
            Process convert = new ProcessBuilder("qemu-img", "convert", "-f", "qcow2", "-O", "raw", upload.toString(),
                    raw.toString()).redirectErrorStream(true).start();
            if (convert.waitFor() != 0) {
                throw new IOException("qemu-img convert of " + upload + " failed");
            }
            Files.move(raw, upload, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        Path folder = Files.createDirectories(root.resolve("pvc").resolve(claim));
        Files.createSymbolicLink(folder.resolve("disk.img"), upload);
        return folder;
    }

    /** A path under a mount point, as the container sees it, to where it is here. */
    private static String mapped(String value, Map<String, Path> mounts) {
        for (Map.Entry<String, Path> mount : mounts.entrySet()) {
            if (value.equals(mount.getKey())) {
                return mount.getValue().toString();
            }
            if (value.startsWith(mount.getKey() + "/")) {
                return mount.getValue().resolve(value.substring(mount.getKey().length() + 1)).toString();
            }
        }
        return value;
    }

    private void finish(Pod pod, int exitCode, String message) {
        Pod current = client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
                .get();
        if (current == null) {
            return; // deleted meanwhile
        }
        current.setStatus(new PodStatusBuilder().withPhase(exitCode == 0 ? "Succeeded" : "Failed")
                .withContainerStatuses(new ContainerStatusBuilder().withName("virt-v2v").withNewState()
                        .withTerminated(new ContainerStateTerminatedBuilder().withExitCode(exitCode)
                                .withReason(exitCode == 0 ? "Completed" : "Error").withMessage(message).build())
                        .endState().build()).build());
        client.pods().inNamespace(current.getMetadata().getNamespace()).resource(current).updateStatus();
    }
}
