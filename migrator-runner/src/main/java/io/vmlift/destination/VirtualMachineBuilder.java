package io.vmlift.destination;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vmlift.spi.PowerState;
import io.vmlift.spi.Firmware;
import io.vmlift.model.NetworkMap;
import io.vmlift.model.StorageMap;
import io.vmlift.plan.ResolvedPlan;
import io.vmlift.spi.DiskSource;
import io.vmlift.spi.TargetNames;
import java.util.List;
import java.util.Map;

/**
 * Builds the KubeVirt VirtualMachine and the CDI DataVolumes for a VM: the same objects for every target
 * (a folder of manifests or a cluster). Checked against the upstream OpenAPI schemas in the tests.
 */
public final class VirtualMachineBuilder {
    public static final String LABEL_PLAN = "vmlift.io/plan";
    public static final String LABEL_VM_ID = "vmlift.io/source-vm-id";
    public static final String ANNOTATION_SOURCE_VM = "vmlift.io/source-vm-name";
    public static final String ANNOTATION_SOURCE_PROVIDER = "vmlift.io/source-provider";
    public static final String ANNOTATION_SOURCE_DISK = "vmlift.io/source-disk";
    /** Forklift's FILESYSTEM_OVERHEAD default, in percent; Block volumes get none. */
    public static final int FILESYSTEM_OVERHEAD_PERCENT = 10;
    private static final long ALIGNMENT = 1024 * 1024;
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    /** KubeVirt's runStrategy for a VirtualMachine that must not run (pkg/virt-controller: RunStrategyHalted). */
    public static final String RUN_STRATEGY_HALTED = "Halted";

    private VirtualMachineBuilder() {}

    public static ObjectNode virtualMachine(ResolvedPlan plan, ResolvedPlan.TargetVm vm) {
        ObjectNode root = header("kubevirt.io/v1", "VirtualMachine", plan, vm, vm.name());
        root.with("metadata").with("annotations").put(ANNOTATION_SOURCE_VM, vm.source().name())
                .put(ANNOTATION_SOURCE_PROVIDER, plan.inventory().provider().name());
        ObjectNode spec = root.putObject("spec");
        spec.put("runStrategy", vm.powerState() == PowerState.ON ? "Always" : RUN_STRATEGY_HALTED);
        ObjectNode template = spec.putObject("template");
        template.putObject("metadata").set("labels", labels(plan, vm));
        ObjectNode templateSpec = template.putObject("spec");
        ObjectNode domain = templateSpec.putObject("domain");
        domain.putObject("cpu").put("sockets", vm.source().sockets()).put("cores", Math.max(1, vm.source().coresPerSocket()))
                .put("threads", 1);
        domain.putObject("memory").put("guest", vm.source().memoryMiB() + "Mi");
        ObjectNode bootloader = domain.putObject("firmware").putObject("bootloader");
        if (vm.source().firmware() == Firmware.EFI) {
            bootloader.putObject("efi").put("secureBoot", vm.source().secureBoot());
            if (vm.source().secureBoot()) {
                domain.putObject("features").putObject("smm").put("enabled", true);
            }
        } else {
            bootloader.putObject("bios");
        }
        // A converted guest has virtio drivers (its VM is made only once the conversion succeeded); a Linux one
        // usually has them; others get SATA and E1000E unless the plan turns compatibility mode off (Forklift's).
        boolean virtio = vm.convertGuest() || vm.source().isLinux() || !plan.document().useCompatibilityMode();
        ObjectNode devices = domain.putObject("devices");
        ArrayNode disks = devices.putArray("disks");
        ArrayNode volumes = templateSpec.putArray("volumes");
        for (ResolvedPlan.TargetDisk disk : vm.disks()) {
            String name = "disk-" + disk.index();
            ObjectNode entry = disks.addObject().put("name", name);
            entry.putObject("disk").put("bus", virtio ? "virtio" : "sata");
            if (disk.index() == 0) {
                entry.put("bootOrder", 1);
            }
            volumes.addObject().put("name", name).putObject("dataVolume").put("name", disk.dataVolumeName());
        }
        ArrayNode interfaces = devices.putArray("interfaces");
        ArrayNode networks = templateSpec.putArray("networks");
        int index = 0;
        for (ResolvedPlan.TargetNic nic : vm.nics()) {
            if (nic.destination() == null || nic.ignored()) {
                continue;
            }
            String name = "net-" + index++;
            ObjectNode iface = interfaces.addObject().put("name", name).put("model", virtio ? "virtio" : "e1000e");
            if (nic.source().mac() != null) {
                iface.put("macAddress", nic.source().mac());
            }
            ObjectNode network = networks.addObject().put("name", name);
            if (NetworkMap.Destination.POD.equals(nic.destination().type())) {
                iface.putObject("masquerade");
                network.putObject("pod");
            } else {
                iface.putObject("bridge");
                String namespace = nic.destination().namespace();
                network.putObject("multus").put("networkName",
                        namespace == null || namespace.isEmpty() ? nic.destination().name()
                                : namespace + "/" + nic.destination().name());
            }
        }
        if (interfaces.isEmpty()) {
            // Every NIC was ignored: without this KubeVirt would add a pod network the source VM never had.
            devices.put("autoattachPodInterface", false);
        }
        return root;
    }

    /** The merge patch that halts a VirtualMachine (a rollback that keeps the target). */
    public static ObjectNode haltPatch() {
        ObjectNode patch = JSON.objectNode();
        patch.putObject("spec").put("runStrategy", RUN_STRATEGY_HALTED);
        return patch;
    }

    /** True when a manifest or object carries this plan's label, that is, the plan made it. */
    public static boolean madeBy(ResolvedPlan plan, java.util.Map<String, String> labels) {
        return labels != null && labelValue(plan.name()).equals(labels.get(LABEL_PLAN));
    }

    public static ObjectNode dataVolume(ResolvedPlan plan, ResolvedPlan.TargetVm vm, ResolvedPlan.TargetDisk disk,
            DiskSource diskSource) {
        return dataVolume(plan, vm, disk, diskSource, List.of(), false);
    }

    /** @param checkpoints snapshot ids of a warm (multi-stage) import, oldest first; empty for a cold one */
    public static ObjectNode dataVolume(ResolvedPlan plan, ResolvedPlan.TargetVm vm, ResolvedPlan.TargetDisk disk,
            DiskSource diskSource, List<String> checkpoints, boolean finalCheckpoint) {
        ObjectNode root = header("cdi.kubevirt.io/v1beta1", "DataVolume", plan, vm, disk.dataVolumeName());
        root.with("metadata").with("annotations").put(ANNOTATION_SOURCE_VM, vm.source().name())
                .put(ANNOTATION_SOURCE_DISK, disk.source().name());
        if (diskSource instanceof DiskSource.Upload) {
            // With WaitForFirstConsumer storage CDI would hold the PVC until a pod uses it, and an upload never
            // starts; virtctl image-upload --force-bind asks for the same.
            root.with("metadata").with("annotations").put("cdi.kubevirt.io/storage.bind.immediate.requested", "true");
        }
        ObjectNode spec = root.putObject("spec");
        diskSource.writeTo(spec.putObject("source"));
        StorageMap.Destination destination = disk.destination();
        String volumeMode = destination == null || destination.volumeMode() == null ? "Filesystem" : destination.volumeMode();
        ObjectNode storage = spec.putObject("storage");
        storage.putObject("resources").putObject("requests")
                .put("storage", Long.toString(requestedBytes(disk.source().capacityBytes(), volumeMode)));
        if (destination != null && destination.storageClass() != null && !destination.storageClass().isEmpty()) {
            storage.put("storageClassName", destination.storageClass());
        }
        storage.put("volumeMode", volumeMode);
        if (destination != null && destination.accessMode() != null) {
            storage.putArray("accessModes").add(destination.accessMode());
        }
        if (!checkpoints.isEmpty()) {
            writeCheckpoints(spec, checkpoints, finalCheckpoint);
        }
        return root;
    }

    /** CDI's multi-stage import: each checkpoint copies what changed from the previous snapshot to its own. */
    public static void writeCheckpoints(ObjectNode spec, List<String> snapshots, boolean finalCheckpoint) {
        ArrayNode list = spec.putArray("checkpoints");
        String previous = "";
        for (String snapshot : snapshots) {
            list.addObject().put("previous", previous).put("current", snapshot);
            previous = snapshot;
        }
        spec.put("finalCheckpoint", finalCheckpoint);
    }

    /** Forklift's sizing: capacity aligned to 1 MiB, then room for filesystem overhead on Filesystem volumes. */
    public static long requestedBytes(long capacity, String volumeMode) {
        long aligned = (capacity + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
        if ("Block".equals(volumeMode)) {
            return aligned;
        }
        return (long) Math.ceil(aligned / (1 - FILESYSTEM_OVERHEAD_PERCENT / 100.0));
    }

    private static ObjectNode header(String apiVersion, String kind, ResolvedPlan plan, ResolvedPlan.TargetVm vm,
            String name) {
        ObjectNode root = JSON.objectNode().put("apiVersion", apiVersion).put("kind", kind);
        ObjectNode metadata = root.putObject("metadata").put("name", name).put("namespace", plan.targetNamespace());
        metadata.set("labels", labels(plan, vm));
        metadata.putObject("annotations");
        return root;
    }

    private static ObjectNode labels(ResolvedPlan plan, ResolvedPlan.TargetVm vm) {
        ObjectNode labels = JSON.objectNode();
        for (Map.Entry<String, String> label : plan.document().targetLabels().entrySet()) {
            labels.put(label.getKey(), label.getValue());
        }
        labels.put("app.kubernetes.io/managed-by", "vmlift");
        labels.put(LABEL_PLAN, labelValue(plan.name()));
        labels.put(LABEL_VM_ID, labelValue(vm.source().id()));
        return labels;
    }

    /** A label value: at most 63 of [A-Za-z0-9._-], starting and ending alphanumeric. */
    public static String labelValue(String value) {
        String cleaned = value.replaceAll("[^A-Za-z0-9._-]", "-");
        if (cleaned.length() > 63) {
            cleaned = cleaned.substring(0, 63);
        }
        return cleaned.replaceAll("^[^A-Za-z0-9]+", "").replaceAll("[^A-Za-z0-9]+$", "");
    }
}
