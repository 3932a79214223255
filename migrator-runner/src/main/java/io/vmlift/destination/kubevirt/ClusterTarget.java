package io.vmlift.destination.kubevirt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.vmlift.Backoff;
import io.vmlift.spi.PowerState;
import io.vmlift.disk.DiskCopier;
import io.vmlift.disk.DiskImage;
import io.vmlift.disk.Extent;
import io.vmlift.model.Serialization;
import io.vmlift.plan.ResolvedPlan;
import io.vmlift.destination.MigrationTarget;
import io.vmlift.destination.VirtualMachineBuilder;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;
import java.util.function.LongConsumer;
import java.util.function.Predicate;

/**
 * The cluster target: DataVolumes with source.upload, the disk bytes streamed to CDI's upload proxy, then the
 * VirtualMachine, and a wait until its VirtualMachineInstance is Ready. Existing objects are adopted, so a
 * rerun continues where a failed run stopped.
 */
public final class ClusterTarget implements MigrationTarget, io.vmlift.destination.InClusterTransfers {
    static final String CHECKPOINT_COPIED = "cdi.kubevirt.io/storage.checkpoint.copied.";

    /**
     * @param uploadReadyTimeout how long CDI may take to prepare a DataVolume for upload (bind the PVC, start the
     *     upload server) and to import what was uploaded
     * @param pollInterval how often object status is read while waiting, at most (the first reads come sooner)
     * @param importTimeout how long CDI may take to copy a disk it reads from the source itself (VDDK, imageio)
     * @param conflicts how often a write refused as conflicting (409) is made again on a fresh read
     */
    /**
     * @param runnerImage the image the guest conversion pod runs (vmlift's runner image, which carries virt-v2v)
     */
    public record Options(Duration uploadReadyTimeout, Duration pollInterval, Duration importTimeout,
            Backoff conflicts, String runnerImage) {
        /** The runner image published for this version (tekton-tasks/image/build.sh, the release workflow). */
        public static final String RUNNER_IMAGE = "ghcr.io/vmlift/vmlift-runner:0.1.0";

        public Options(Duration uploadReadyTimeout, Duration pollInterval, Duration importTimeout,
                Backoff conflicts) {
            this(uploadReadyTimeout, pollInterval, importTimeout, conflicts, RUNNER_IMAGE);
        }

        public Options withRunnerImage(String image) {
            return new Options(uploadReadyTimeout, pollInterval, importTimeout, conflicts, image);
        }

        /** Someone else's write came between ours and our read: try again soon, a few times. */
        static final Backoff CONFLICTS = new Backoff(Duration.ofMillis(200), Duration.ofSeconds(5), 5);

        public Options(Duration uploadReadyTimeout, Duration pollInterval) {
            this(uploadReadyTimeout, pollInterval, Duration.ofHours(24));
        }

        public Options(Duration uploadReadyTimeout, Duration pollInterval, Duration importTimeout) {
            this(uploadReadyTimeout, pollInterval, importTimeout, CONFLICTS);
        }

        public static Options defaults() {
            return new Options(Duration.ofMinutes(10), Duration.ofSeconds(2));
        }
    }

    private final KubernetesClient client;
    private final CdiUpload upload;
    private final Options options;
    /** How far apart a status is read while waiting: soon at first, then every pollInterval at most. */
    private final Backoff polls;

    /** @param upload CDI's upload proxy, or null when CDI copies every disk itself (VDDK, imageio) */
    public ClusterTarget(KubernetesClient client, CdiUpload upload, Options options) {
        this.client = client;
        this.upload = upload;
        this.options = options;
        this.polls = Backoff.polling(options.pollInterval());
    }

    @Override
    public String describe() {
        return "cluster " + client.getMasterUrl();
    }

    @Override
    public void createDisks(ResolvedPlan plan, ResolvedPlan.TargetVm vm, List<String> checkpoints)
            throws IOException {
        for (ResolvedPlan.TargetDisk disk : vm.disks()) {
            ObjectNode dataVolume = VirtualMachineBuilder.dataVolume(plan, vm, disk, disk.transfer(), checkpoints,
                    false);
            // A DataVolume's spec cannot change after creation: one an earlier run of this plan made is adopted.
            onFreshRead("DataVolume " + plan.targetNamespace() + "/" + disk.dataVolumeName(), () -> {
                GenericKubernetesResource existing = get(ClusterKinds.DATA_VOLUME, plan.targetNamespace(),
                        disk.dataVolumeName());
                if (existing == null) {
                    client.genericKubernetesResources(ClusterKinds.DATA_VOLUME).inNamespace(plan.targetNamespace())
                            .resource(resource(dataVolume)).create();
                } else if (!ours(existing, plan)) {
                    throw new IOException("DataVolume " + plan.targetNamespace() + "/" + disk.dataVolumeName()
                            + " exists and was not made by plan " + plan.name()
                            + "; rename the VM (targetName) or remove it");
                }
            });
        }
    }

    @Override
    public boolean diskComplete(ResolvedPlan plan, ResolvedPlan.TargetVm vm, ResolvedPlan.TargetDisk disk) {
        return "Succeeded".equals(phase(dataVolume(plan, disk)));
    }

    @Override
    public DiskCopier.Result copyDisk(ResolvedPlan plan, ResolvedPlan.TargetVm vm, ResolvedPlan.TargetDisk disk,
            DiskImage image, DiskCopier copier, LongConsumer progress) throws IOException {
        String name = disk.dataVolumeName();
        if ("Succeeded".equals(phase(dataVolume(plan, disk)))) {
            return new DiskCopier.Result(image.virtualSize(), 0, 0); // a run that died after the import finished
        }
        if (upload == null) {
            throw new IllegalStateException("this target was made for in-cluster transfers only");
        }
        awaitDataVolume(plan, disk, "UploadReady"::equals, "ready for upload");
        DiskCopier.Result result = upload.upload(image, uploadToken(plan.targetNamespace(), name), copier, progress);
        awaitDataVolume(plan, disk, "Succeeded"::equals, "imported");
        return result;
    }

    /**
     * Replaces the checkpoint list of the VM's DataVolumes; CDI copies the ones it has not copied yet. A JSON
     * patch (add replaces a member), since merge patches of lists are not applied alike everywhere.
     */
    @Override
    public void setCheckpoints(ResolvedPlan plan, ResolvedPlan.TargetVm vm, List<String> checkpoints, boolean last) {
        ObjectNode spec = Serialization.json().createObjectNode();
        VirtualMachineBuilder.writeCheckpoints(spec, checkpoints, last);
        var patch = Serialization.json().createArrayNode();
        patch.addObject().put("op", "add").put("path", "/spec/checkpoints").set("value", spec.get("checkpoints"));
        patch.addObject().put("op", "add").put("path", "/spec/finalCheckpoint").set("value", spec.get("finalCheckpoint"));
        for (ResolvedPlan.TargetDisk disk : vm.disks()) {
            client.genericKubernetesResources(ClusterKinds.DATA_VOLUME).inNamespace(plan.targetNamespace())
                    .withName(disk.dataVolumeName()).patch(PatchContext.of(PatchType.JSON), Serialization.toJson(patch));
        }
    }

    /** CDI's upload takes whole images only: warm migrations into a cluster go through CDI's checkpoints. */
    @Override
    public java.util.Optional<io.vmlift.destination.InClusterTransfers> inClusterTransfers() {
        return java.util.Optional.of(this);
    }

    /** A Secret labelled with the plan, so that a rerun updates it and nobody else's is overwritten. */
    @Override
    public void putTransferSecret(ResolvedPlan plan, String name, Map<String, String> data) throws IOException {
        String namespace = plan.targetNamespace();
        io.fabric8.kubernetes.api.model.Secret secret = new io.fabric8.kubernetes.api.model.SecretBuilder()
                .withNewMetadata().withName(name).withNamespace(namespace)
                .addToLabels(VirtualMachineBuilder.LABEL_PLAN, VirtualMachineBuilder.labelValue(plan.name()))
                .addToLabels("app.kubernetes.io/managed-by", "vmlift").endMetadata()
                .withType("Opaque").withStringData(data).build();
        putOurs(plan, secret, "vmlift keeps the source credentials for CDI there; remove or rename it");
    }

    /** A ConfigMap labelled with the plan, like the transfer Secret: a rerun updates it, others' are left alone. */
    @Override
    public void putTransferConfigMap(ResolvedPlan plan, String name, Map<String, String> data) throws IOException {
        String namespace = plan.targetNamespace();
        io.fabric8.kubernetes.api.model.ConfigMap map = new io.fabric8.kubernetes.api.model.ConfigMapBuilder()
                .withNewMetadata().withName(name).withNamespace(namespace)
                .addToLabels(VirtualMachineBuilder.LABEL_PLAN, VirtualMachineBuilder.labelValue(plan.name()))
                .addToLabels("app.kubernetes.io/managed-by", "vmlift").endMetadata().withData(data).build();
        putOurs(plan, map, "remove or rename it");
    }

    /**
     * Creates the object, or replaces the one an earlier run of this plan made (labelled with it), on a fresh read;
     * someone else's of that name is left alone and named.
     */
    private void putOurs(ResolvedPlan plan, HasMetadata item, String remedy) throws IOException {
        String what = item.getKind() + " " + item.getMetadata().getNamespace() + "/" + item.getMetadata().getName();
        onFreshRead(what, () -> {
            HasMetadata existing = client.resource(item).get();
            if (existing == null) {
                client.resource(item).create();
            } else if (ours(existing, plan)) {
                item.getMetadata().setResourceVersion(existing.getMetadata().getResourceVersion());
                client.resource(item).update();
            } else {
                throw new IOException(what + " exists and was not made by plan " + plan.name() + "; " + remedy);
            }
        });
    }

    /** Follows a DataVolume that CDI fills from the source itself, until it has succeeded. */
    @Override
    public void awaitTransfer(ResolvedPlan plan, ResolvedPlan.TargetVm vm, ResolvedPlan.TargetDisk disk,
            IntConsumer percent) throws IOException {
        Instant deadline = Instant.now().plus(options.importTimeout());
        int reported = -1;
        for (int read = 1; ; read++) {
            GenericKubernetesResource dataVolume = dataVolume(plan, disk);
            String phase = phase(dataVolume);
            if ("Succeeded".equals(phase) || "Paused".equals(phase) && newestCheckpointCopied(plan, dataVolume)) {
                percent.accept(100);
                return;
            }
            if ("Failed".equals(phase)) {
                throw new IOException("DataVolume " + plan.targetNamespace() + "/" + disk.dataVolumeName()
                        + " failed" + conditionMessage(dataVolume));
            }
            int now = progress(dataVolume);
            if (now > reported) {
                percent.accept(now);
                reported = now;
            }
            if (Instant.now().isAfter(deadline)) {
                throw new IOException("DataVolume " + plan.targetNamespace() + "/" + disk.dataVolumeName() + " did not"
                        + " finish importing within " + options.importTimeout().toMinutes() + " min (phase " + phase
                        + conditionMessage(dataVolume) + ")");
            }
            polls.pause(read);
        }
    }

    /**
     * Whether a paused multi-stage import has copied its newest checkpoint: CDI marks each copied one on the PVC
     * with the annotation cdi.kubevirt.io/storage.checkpoint.copied.&lt;snapshot&gt;. Without that test, the
     * pause that is still showing right after a checkpoint was added would pass for the end of its copy.
     */
    private boolean newestCheckpointCopied(ResolvedPlan plan, GenericKubernetesResource dataVolume) {
        JsonNode checkpoints = Serialization.json().valueToTree(dataVolume).at("/spec/checkpoints");
        if (!checkpoints.isArray() || checkpoints.isEmpty()) {
            return true;
        }
        String newest = checkpoints.get(checkpoints.size() - 1).path("current").asText();
        var claim = client.persistentVolumeClaims().inNamespace(plan.targetNamespace())
                .withName(dataVolume.getMetadata().getName()).get();
        return claim != null && claim.getMetadata().getAnnotations() != null
                && claim.getMetadata().getAnnotations().containsKey(CHECKPOINT_COPIED + newest);
    }

    /** CDI's status.progress, "45.67%", as whole percent; -1 when it says nothing yet ("N/A"). */
    private static int progress(GenericKubernetesResource dataVolume) {
        String text = dataVolume == null ? "" : Serialization.json().valueToTree(dataVolume).path("status")
                .path("progress").asText("");
        try {
            return text.endsWith("%") ? (int) Double.parseDouble(text.substring(0, text.length() - 1)) : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Asks CDI's upload API for a token that lets the proxy take this PVC's upload. */
    private String uploadToken(String namespace, String pvcName) throws IOException {
        GenericKubernetesResource request = new GenericKubernetesResource();
        request.setApiVersion(ClusterKinds.apiVersion(ClusterKinds.UPLOAD_TOKEN_REQUEST));
        request.setKind(ClusterKinds.UPLOAD_TOKEN_REQUEST.getKind());
        request.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName(pvcName)
                .withNamespace(namespace).build());
        request.setAdditionalProperty("spec", Map.of("pvcName", pvcName));
        GenericKubernetesResource answer = client.genericKubernetesResources(ClusterKinds.UPLOAD_TOKEN_REQUEST)
                .inNamespace(namespace).resource(request).create();
        Object status = answer == null ? null : answer.getAdditionalProperties().get("status");
        Object token = status instanceof Map<?, ?> map ? map.get("token") : null;
        if (!(token instanceof String text) || text.isEmpty()) {
            throw new IOException("the cluster issued no upload token for PVC " + namespace + "/" + pvcName
                    + "; is CDI's upload API (upload.cdi.kubevirt.io) installed?");
        }
        return text;
    }

    private void awaitDataVolume(ResolvedPlan plan, ResolvedPlan.TargetDisk disk, Predicate<String> reached,
            String what) throws IOException {
        Instant deadline = Instant.now().plus(options.uploadReadyTimeout());
        for (int read = 1; ; read++) {
            GenericKubernetesResource dataVolume = dataVolume(plan, disk);
            String phase = phase(dataVolume);
            if (reached.test(phase)) {
                return;
            }
            if ("Failed".equals(phase)) {
                throw new IOException("DataVolume " + plan.targetNamespace() + "/" + disk.dataVolumeName()
                        + " failed" + conditionMessage(dataVolume));
            }
            if (Instant.now().isAfter(deadline)) {
                throw new IOException("DataVolume " + plan.targetNamespace() + "/" + disk.dataVolumeName() + " was not "
                        + what + " within " + options.uploadReadyTimeout().toSeconds() + " s (phase " + phase
                        + conditionMessage(dataVolume) + "); check CDI and the storage class");
            }
            polls.pause(read);
        }
    }

    /** Creates the VM, or merges vmlift's fields into the one an earlier run made (others' fields stay). */
    @Override
    public void createVm(ResolvedPlan plan, ResolvedPlan.TargetVm vm) throws IOException {
        ObjectNode manifest = VirtualMachineBuilder.virtualMachine(plan, vm);
        onFreshRead("VirtualMachine " + plan.targetNamespace() + "/" + vm.name(), () -> {
            GenericKubernetesResource existing = get(ClusterKinds.VIRTUAL_MACHINE, plan.targetNamespace(), vm.name());
            if (existing == null) {
                client.genericKubernetesResources(ClusterKinds.VIRTUAL_MACHINE).inNamespace(plan.targetNamespace())
                        .resource(resource(manifest)).create();
            } else if (ours(existing, plan)) {
                client.genericKubernetesResources(ClusterKinds.VIRTUAL_MACHINE).inNamespace(plan.targetNamespace())
                        .withName(vm.name()).patch(PatchContext.of(PatchType.JSON_MERGE), Serialization.toJson(manifest));
            } else {
                throw new IOException("VirtualMachine " + plan.targetNamespace() + "/" + vm.name() + " exists and was"
                        + " not made by plan " + plan.name());
            }
        });
    }

    @Override
    public boolean vmExists(ResolvedPlan plan, ResolvedPlan.TargetVm vm) {
        return get(ClusterKinds.VIRTUAL_MACHINE, plan.targetNamespace(), vm.name()) != null;
    }

    /** A VM that should run waits for its VirtualMachineInstance to be Ready; a halted one only for itself. */
    @Override
    public void waitForVm(ResolvedPlan plan, ResolvedPlan.TargetVm vm, Duration timeout) throws IOException {
        if (vm.powerState() != PowerState.ON) {
            if (!vmExists(plan, vm)) {
                throw new IOException("VirtualMachine " + plan.targetNamespace() + "/" + vm.name() + " is gone");
            }
            return;
        }
        Instant deadline = Instant.now().plus(timeout);
        for (int read = 1; ; read++) {
            GenericKubernetesResource instance = get(ClusterKinds.VIRTUAL_MACHINE_INSTANCE, plan.targetNamespace(), vm.name());
            JsonNode status = instance == null ? null : Serialization.json().valueToTree(instance).path("status");
            if (status != null && "Failed".equals(status.path("phase").asText())) {
                throw new IOException("VirtualMachineInstance " + plan.targetNamespace() + "/" + vm.name() + " failed");
            }
            if (status != null && ready(status)) {
                return;
            }
            if (Instant.now().isAfter(deadline)) {
                throw new IOException("VirtualMachine " + plan.targetNamespace() + "/" + vm.name() + " was not Ready"
                        + " within " + timeout.toSeconds() + " s (phase " + (status == null ? "none"
                        : status.path("phase").asText("none")) + ")");
            }
            polls.pause(read);
        }
    }

    /** True when an object's status has condition Ready=True (VirtualMachineInstances, VirtualMachines). */
    public static boolean ready(JsonNode status) {
        for (JsonNode condition : status.path("conditions")) {
            if ("Ready".equals(condition.path("type").asText()) && "True".equals(condition.path("status").asText())) {
                return true;
            }
        }
        return false;
    }

    /** Removes what this plan made for the VM; objects of the same names that others made are left alone. */
    @Override
    public void remove(ResolvedPlan plan, ResolvedPlan.TargetVm vm) {
        String namespace = plan.targetNamespace();
        deleteIfOurs(plan, ClusterKinds.VIRTUAL_MACHINE, namespace, vm.name());
        for (ResolvedPlan.TargetDisk disk : vm.disks()) {
            deleteIfOurs(plan, ClusterKinds.DATA_VOLUME, namespace, disk.dataVolumeName());
        }
    }

    @Override
    public void halt(ResolvedPlan plan, ResolvedPlan.TargetVm vm) throws IOException {
        String where = "VirtualMachine " + plan.targetNamespace() + "/" + vm.name();
        onFreshRead(where, () -> {
            GenericKubernetesResource existing = get(ClusterKinds.VIRTUAL_MACHINE, plan.targetNamespace(), vm.name());
            if (existing == null) {
                return;
            }
            if (!ours(existing, plan)) {
                throw new IOException(where + " was not made by plan " + plan.name() + "; it was left as it is");
            }
            client.genericKubernetesResources(ClusterKinds.VIRTUAL_MACHINE).inNamespace(plan.targetNamespace())
                    .withName(vm.name()).patch(PatchContext.of(PatchType.JSON_MERGE),
                            Serialization.toJson(VirtualMachineBuilder.haltPatch()));
        });
    }

    /** The guest converted by a pod of the runner image on the DataVolumes' PVCs (ConversionPod). */
    @Override
    public java.util.Optional<io.vmlift.destination.GuestConverter> guestConverter() {
        return java.util.Optional.of(this::convertInPod);
    }

    /** Waits for a conversion under TCG on a busy node: an hour, as VirtV2vInPlace bounds it too. */
    private static final Duration CONVERSION_TIMEOUT = Duration.ofMinutes(70);

    private io.vmlift.conversion.ConversionReport convertInPod(ResolvedPlan plan, ResolvedPlan.TargetVm vm,
            java.util.function.Consumer<String> progress, java.util.function.BooleanSupplier cancelled)
            throws IOException, InterruptedException {
        String namespace = plan.targetNamespace();
        String name = ConversionPod.name(vm);
        var pods = client.pods().inNamespace(namespace);
        io.fabric8.kubernetes.api.model.Pod existing = pods.withName(name).get();
        if (existing != null && !ours(existing, plan)) {
            throw new IOException("Pod " + namespace + "/" + name + " exists and was not made by plan " + plan.name());
        }
        if (existing != null) {
            // An earlier run's pod: its outcome may predate disks copied since; convert afresh.
            pods.withName(name).withGracePeriod(0).delete();
            pods.withName(name).waitUntilCondition(java.util.Objects::isNull, 2, java.util.concurrent.TimeUnit.MINUTES);
        }
        pods.resource(Serialization.json().convertValue(ConversionPod.manifest(plan, vm, options.runnerImage()),
                io.fabric8.kubernetes.api.model.Pod.class)).create();
        progress.accept("pod " + namespace + "/" + name + " (" + options.runnerImage() + ")");
        Instant deadline = Instant.now().plus(CONVERSION_TIMEOUT);
        try {
            for (int read = 1; ; read++) {
                io.fabric8.kubernetes.api.model.Pod pod = pods.withName(name).get();
                if (pod == null) {
                    throw new IOException("Pod " + namespace + "/" + name + " was deleted while it converted the guest");
                }
                ConversionPod.Outcome outcome = ConversionPod.outcome(Serialization.json().valueToTree(pod));
                if ("Succeeded".equals(outcome.phase()) || "Failed".equals(outcome.phase())) {
                    return report(namespace, name, outcome);
                }
                if (cancelled.getAsBoolean()) {
                    throw new InterruptedIOException("stopped while pod " + namespace + "/" + name
                            + " converted the guest");
                }
                if (Instant.now().isAfter(deadline)) {
                    throw new IOException("Pod " + namespace + "/" + name + " did not end within "
                            + CONVERSION_TIMEOUT.toMinutes() + " minutes (phase " + outcome.phase() + ")");
                }
                Thread.sleep(polls.delay(read).toMillis());
            }
        } finally {
            // Its report is read, or it failed: the pod holds the PVCs, so it goes either way.
            pods.withName(name).withGracePeriod(0).delete();
        }
    }

    /** The pod's termination message: the JSON report convert-guest wrote, or its error. */
    private static io.vmlift.conversion.ConversionReport report(String namespace, String name,
            ConversionPod.Outcome outcome) throws IOException {
        JsonNode body;
        try {
            body = Serialization.json().readTree(outcome.message().isBlank() ? "{}" : outcome.message());
        } catch (IOException e) {
            body = Serialization.json().createObjectNode().put("error", outcome.message());
        }
        if (!"Succeeded".equals(outcome.phase()) || body.has("error")) {
            String why = body.path("error").asText("");
            throw new IOException(why.isEmpty() ? "the conversion pod " + namespace + "/" + name + " failed (exit "
                    + outcome.exitCode() + ", no report): see its log" : why);
        }
        return new io.vmlift.conversion.ConversionReport(body.path("tool").asText("virt-v2v-in-place"),
                body.path("seconds").asLong(), ConversionPod.strings(body.path("warnings")),
                ConversionPod.strings(body.path("notes")), body.path("virtioDrivers").asBoolean());
    }

    /** True when the object carries this plan's label. */
    static boolean ours(HasMetadata resource, ResolvedPlan plan) {
        return VirtualMachineBuilder.madeBy(plan, resource.getMetadata().getLabels());
    }

    private GenericKubernetesResource dataVolume(ResolvedPlan plan, ResolvedPlan.TargetDisk disk) {
        return get(ClusterKinds.DATA_VOLUME, plan.targetNamespace(), disk.dataVolumeName());
    }

    /** A read, then a create or an update; the step again from the read when it loses a race. */
    @FunctionalInterface
    private interface ReadThenWrite {
        void run() throws IOException;
    }

    /**
     * Runs a read-then-write, again on a fresh read when the API server refuses the write as conflicting (409:
     * the object was made or changed by someone else between our read and our write), with backoff; then fails
     * saying how often it was tried.
     */
    private void onFreshRead(String what, ReadThenWrite step) throws IOException {
        Backoff retries = options.conflicts();
        for (int attempt = 1; ; attempt++) {
            try {
                step.run();
                return;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    throw e;
                }
                if (attempt >= retries.attempts()) {
                    throw new IOException(what + ": the cluster refused the write as conflicting (409) " + attempt
                            + " times; another client keeps changing it", e);
                }
                retries.pause(attempt);
            }
        }
    }

    private GenericKubernetesResource get(ResourceDefinitionContext kind, String namespace, String name) {
        return client.genericKubernetesResources(kind).inNamespace(namespace).withName(name).get();
    }

    private void deleteIfOurs(ResolvedPlan plan, ResourceDefinitionContext kind, String namespace, String name) {
        GenericKubernetesResource existing = get(kind, namespace, name);
        if (existing != null && ours(existing, plan)) {
            client.genericKubernetesResources(kind).inNamespace(namespace).withName(name).delete();
        }
    }

    private static String phase(GenericKubernetesResource resource) {
        if (resource == null) {
            return "Missing";
        }
        Object status = resource.getAdditionalProperties().get("status");
        Object phase = status instanceof Map<?, ?> map ? map.get("phase") : null;
        return phase == null ? "Pending" : phase.toString();
    }

    private static String conditionMessage(GenericKubernetesResource resource) {
        JsonNode conditions = Serialization.json().valueToTree(resource).path("status").path("conditions");
        for (JsonNode condition : conditions) {
            String message = condition.path("message").asText("");
            if (!message.isEmpty()) {
                return ": " + message;
            }
        }
        return "";
    }

    private static GenericKubernetesResource resource(ObjectNode manifest) {
        return Serialization.json().convertValue(manifest, GenericKubernetesResource.class);
    }
}
