package io.vmlift.destination.kubevirt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vmlift.destination.VirtualMachineBuilder;
import io.vmlift.plan.ResolvedPlan;
import io.vmlift.spi.Firmware;
import io.vmlift.spi.TargetNames;
import java.util.List;

/**
 * The pod that converts a guest in the cluster, as Forklift's virt-v2v pod does (pkg/controller/conversion/
 * builder.go): the runner image runs `vmlift convert-guest` on the DataVolumes' PVCs (CDI's disk.img on each, a
 * filesystem volume), as qemu's user 107, which owns those images; non-root, no capabilities, no privilege
 * escalation, RuntimeDefault seccomp; the overlays and libguestfs' appliance in an emptyDir; the report in its
 * termination message.
 */
final class ConversionPod {
    static final String ROLE_LABEL = "vmlift.io/role";
    static final String ROLE = "guest-conversion";
    /** qemu's uid and gid in KubeVirt and CDI images: the owner of disk.img on a filesystem PVC. */
    static final long QEMU_ID = 107;
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private ConversionPod() {}

    static String name(ResolvedPlan.TargetVm vm) {
        return TargetNames.withSuffix(vm.name(), "v2v");
    }

    static ObjectNode manifest(ResolvedPlan plan, ResolvedPlan.TargetVm vm, String image) {
        ObjectNode pod = JSON.objectNode().put("apiVersion", "v1").put("kind", "Pod");
        ObjectNode metadata = pod.putObject("metadata").put("name", name(vm)).put("namespace", plan.targetNamespace());
        ObjectNode labels = metadata.putObject("labels");
        labels.put(VirtualMachineBuilder.LABEL_PLAN, VirtualMachineBuilder.labelValue(plan.name()));
        labels.put(ROLE_LABEL, ROLE);
        ObjectNode spec = pod.putObject("spec").put("restartPolicy", "Never");
        spec.putObject("securityContext").put("runAsNonRoot", true).put("runAsUser", QEMU_ID)
                .put("runAsGroup", QEMU_ID).put("fsGroup", QEMU_ID)
                .putObject("seccompProfile").put("type", "RuntimeDefault");
        ArrayNode args = JSON.arrayNode().add("convert-guest").add("--name").add(vm.name())
                .add("--firmware").add(vm.source().firmware() == Firmware.EFI ? "efi" : "bios")
                .add("--memory-mib").add(Long.toString(Math.max(1, vm.source().memoryMiB())))
                .add("--vcpus").add(Integer.toString(Math.max(1, vm.source().cpus())))
                .add("--work-dir").add("/var/tmp").add("--report").add("/dev/termination-log");
        ArrayNode volumes = spec.putArray("volumes");
        ObjectNode container = spec.putArray("containers").addObject().put("name", "virt-v2v").put("image", image);
        ArrayNode mounts = JSON.arrayNode();
        for (ResolvedPlan.TargetDisk disk : vm.disks()) {
            String volume = "disk" + disk.index();
            volumes.addObject().put("name", volume).putObject("persistentVolumeClaim")
                    .put("claimName", disk.dataVolumeName());
            mounts.addObject().put("name", volume).put("mountPath", "/mnt/disks/" + volume);
            args.add("--disk").add("/mnt/disks/" + volume + "/disk.img:raw");
        }
        volumes.addObject().put("name", "scratch").putObject("emptyDir");
        mounts.addObject().put("name", "scratch").put("mountPath", "/var/tmp");
        container.putArray("command").add("vmlift");
        container.set("args", args);
        ArrayNode env = container.putArray("env");
        env.addObject().put("name", "LIBGUESTFS_BACKEND").put("value", "direct");
        env.addObject().put("name", "TMPDIR").put("value", "/var/tmp");
        env.addObject().put("name", "HOME").put("value", "/var/tmp");
        container.set("volumeMounts", mounts);
        // libguestfs' appliance takes about 2.5 GiB by default (twice its memsize): ask for it.
        container.putObject("resources").putObject("requests").put("memory", "3Gi").put("cpu", "1");
        container.putObject("securityContext").put("allowPrivilegeEscalation", false)
                .putObject("capabilities").putArray("drop").add("ALL");
        container.put("terminationMessagePolicy", "File");
        return pod;
    }

    /** The pod's phase and its one container's termination message ("" while it runs). */
    record Outcome(String phase, String message, int exitCode) {}

    static Outcome outcome(JsonNode pod) {
        String phase = pod.at("/status/phase").asText("Pending");
        JsonNode terminated = pod.at("/status/containerStatuses/0/state/terminated");
        return new Outcome(phase, terminated.path("message").asText(""), terminated.path("exitCode").asInt(-1));
    }

    static List<String> strings(JsonNode array) {
        List<String> list = new java.util.ArrayList<>();
        array.forEach(item -> list.add(item.asText()));
        return list;
    }
}
