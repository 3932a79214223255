package io.vmlift.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * forklift.konveyor.io/v1beta1 Plan: which VMs move, with which maps, into which namespace.
 * Forklift fields that vmlift does not act on are accepted (so plans move between the tools) and reported
 * by {@link #ignoredFields()}, which plan validation turns into Warnings.
 */
public record Plan(String apiVersion, String kind, ObjectMeta metadata, Spec spec, JsonNode status)
        implements Document {

    public static final String KIND = "Plan";
    public static final List<String> TYPES = List.of("cold", "warm", "live", "conversion");
    public static final List<String> POWER_STATES = List.of("on", "off", "auto");

    public record Spec(
            String description,
            String targetNamespace,
            ProviderPair provider,
            Maps map,
            String type,
            Boolean warm,
            List<Vm> vms,
            Boolean preserveStaticIPs,
            String targetPowerState,
            Boolean deleteVmOnFailMigration,
            Boolean useCompatibilityMode,
            Map<String, String> targetLabels,
            Boolean archived,
            Boolean skipGuestConversion,
            Boolean migrateSharedDisks,
            // Forklift fields vmlift accepts but does not act on (see ignoredFields()), typed as Forklift's
            // PlanSpec (pkg/apis/forklift/v1beta1/plan.go) so that a wrong type is refused as Kubernetes would.
            String serviceAccount,
            ObjectReference transferNetwork,
            Boolean preserveClusterCpuModel,
            Boolean runPreflightInspection,
            Boolean xfsCompatibility,
            Boolean deleteGuestConversionPod,
            Boolean installLegacyDrivers,
            Boolean enableNestedVirtualization,
            Map<String, String> targetNodeSelector,
            ObjectNode targetAffinity,
            Map<String, String> convertorLabels,
            Map<String, String> convertorNodeSelector,
            ObjectNode convertorAffinity,
            String conversionTempStorageClass,
            String conversionTempStorageSize,
            String pvcNameTemplate,
            Boolean pvcNameTemplateUseGenerateName,
            String volumeNameTemplate,
            String networkNameTemplate,
            Boolean rdmAsLun,
            Boolean scsiReservation,
            ObjectReference customizationScripts,
            String virtV2vImage,
            TagMapping tagMapping,
            Boolean skipZoneNodeSelector,
            String diskBus) {

        public static Spec of(
                String targetNamespace, ProviderPair provider, Maps map, String type, List<Vm> vms) {
            return new Spec(null, targetNamespace, provider, map, type, null, vms, null, null, null, null, null,
                    null, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
                    null, null, null, null, null, null, null, null, null, null, null, null, null, null);
        }
    }

    public record TagMapping(Boolean disabled, List<String> labelTags) {}

    /** plan.HookRef: a Hook document run at a step (PreHook, PostHook). */
    public record HookRef(String step, ObjectReference hook) {}

    public record Maps(ObjectReference network, ObjectReference storage) {}

    /** One VM of the plan, by id or name, with per-VM overrides. */
    public record Vm(
            String id,
            String name,
            String namespace,
            String type,
            String targetName,
            String targetPowerState,
            Boolean deleteVmOnFailMigration,
            List<HookRef> hooks,
            ObjectReference luks,
            Boolean nbdeClevis,
            String rootDisk,
            String instanceType,
            String pvcNameTemplate,
            String volumeNameTemplate,
            String networkNameTemplate,
            Boolean migrateSharedDisks,
            Boolean enableNestedVirtualization,
            Boolean rdmAsLun,
            Boolean scsiReservation) {

        public static Vm ref(String id, String name) {
            return new Vm(id, name, null, null, null, null, null, null, null, null, null, null, null, null, null,
                    null, null, null, null);
        }

        public SourceRef asRef() {
            return new SourceRef(id, name, namespace, type, null);
        }

        public String describe() {
            return asRef().describe();
        }
    }

    /**
     * Annotation: how the plan's guests are converted after the copy. "virt-v2v" runs virt-v2v-in-place on each
     * VMware or OVA guest (installs virtio drivers, rebuilds the initramfs, removes VMware Tools); absent or
     * "none", no conversion. Forklift converts by default and its Plan has skipGuestConversion (v2.9) to turn it
     * off; vmlift converts only when asked, until conversion is proven on more guests than here, and
     * skipGuestConversion: true turns it off even with the annotation.
     */
    public static final String GUEST_CONVERSION = "vmlift.io/guest-conversion";
    public static final List<String> GUEST_CONVERSIONS = List.of("virt-v2v", "none");

    /** The annotation's value as written ("none" when absent). */
    public String guestConversionSetting() {
        String value = metadata == null || metadata.annotations() == null ? null
                : metadata.annotations().get(GUEST_CONVERSION);
        return value == null ? "none" : value;
    }

    /** True when the plan asks for guest conversion with virt-v2v and does not skip it. */
    public boolean convertsGuests() {
        return "virt-v2v".equals(guestConversionSetting())
                && !(spec != null && Boolean.TRUE.equals(spec.skipGuestConversion()));
    }

    /** Annotation: the fingerprint of each VM (by source id) when the plan was written, as a JSON object. */
    public static final String FINGERPRINTS = "vmlift.io/vm-fingerprints";

    /** The fingerprints the plan recorded, by VM id; empty when it recorded none. */
    public Map<String, String> fingerprints() {
        String json = metadata == null || metadata.annotations() == null ? null : metadata.annotations().get(FINGERPRINTS);
        if (json == null || json.isBlank()) {
            return Map.of();
        }
        try {
            return Serialization.json().readValue(json,
                    new com.fasterxml.jackson.core.type.TypeReference<Map<String, String>>() {});
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("annotation " + FINGERPRINTS + " is not a JSON object of strings");
        }
    }

    /** This plan with the given fingerprints recorded in its annotations. */
    public Plan withFingerprints(Map<String, String> byVmId) {
        ObjectMeta meta = metadata == null ? ObjectMeta.named(null, null) : metadata;
        Map<String, String> annotations = new java.util.TreeMap<>(meta.annotations() == null ? Map.of() : meta.annotations());
        annotations.put(FINGERPRINTS, Serialization.toCompactJson(new java.util.TreeMap<>(byVmId)));
        ObjectMeta annotated = new ObjectMeta(meta.name(), meta.generateName(), meta.namespace(), meta.uid(),
                meta.resourceVersion(), meta.generation(), meta.creationTimestamp(), meta.labels(), annotations,
                meta.ownerReferences(), meta.finalizers(), meta.managedFields());
        return new Plan(apiVersion, kind, annotated, spec, status);
    }

    /** A wave of this plan: the same spec for some of its VMs, under another name, without recorded fingerprints. */
    public Plan wave(String name, List<Vm> vms) {
        com.fasterxml.jackson.databind.node.ObjectNode tree = Serialization.json().valueToTree(this);
        com.fasterxml.jackson.databind.node.ObjectNode meta = (com.fasterxml.jackson.databind.node.ObjectNode)
                tree.path("metadata");
        meta.put("name", name);
        if (meta.path("annotations").isObject()) {
            ((com.fasterxml.jackson.databind.node.ObjectNode) meta.path("annotations")).remove(FINGERPRINTS);
        }
        ((com.fasterxml.jackson.databind.node.ObjectNode) tree.path("spec")).set("vms",
                Serialization.json().valueToTree(vms));
        tree.remove("status");
        try {
            return Serialization.json().treeToValue(tree, Plan.class);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("a plan copied as a tree reads back", e);
        }
    }

    public List<Vm> vms() {
        return spec == null || spec.vms() == null ? List.of() : spec.vms();
    }

    /** cold unless the plan says otherwise (the deprecated `warm: true` means warm). */
    public String migrationType() {
        if (spec == null) {
            return "cold";
        }
        if (spec.type() != null && !spec.type().isEmpty()) {
            return spec.type();
        }
        return Boolean.TRUE.equals(spec.warm()) ? "warm" : "cold";
    }

    /** Forklift's kubebuilder default for deleteVmOnFailMigration is true. */
    public boolean deleteVmOnFailMigration(Vm vm) {
        if (vm.deleteVmOnFailMigration() != null) {
            return vm.deleteVmOnFailMigration();
        }
        return spec == null || spec.deleteVmOnFailMigration() == null || spec.deleteVmOnFailMigration();
    }

    /** True when neither the VM's entry nor the plan says deleteVmOnFailMigration (vmlift's default then applies). */
    public boolean deleteVmOnFailMigrationUnset(Vm vm) {
        return vm.deleteVmOnFailMigration() == null && (spec == null || spec.deleteVmOnFailMigration() == null);
    }

    public String targetPowerState(Vm vm) {
        if (vm.targetPowerState() != null && !vm.targetPowerState().isEmpty()) {
            return vm.targetPowerState();
        }
        return spec == null || spec.targetPowerState() == null ? "auto" : spec.targetPowerState();
    }

    /** Forklift's default is true: guests without conversion get SATA disks and E1000E NICs. */
    public boolean useCompatibilityMode() {
        return spec == null || spec.useCompatibilityMode() == null || spec.useCompatibilityMode();
    }

    public Map<String, String> targetLabels() {
        return spec == null || spec.targetLabels() == null ? Map.of() : spec.targetLabels();
    }

    /** The names of Forklift fields set in this plan that vmlift does not act on. */
    public List<String> ignoredFields() {
        if (spec == null) {
            return List.of();
        }
        Map<String, Object> candidates = new LinkedHashMap<>();
        candidates.put("serviceAccount", spec.serviceAccount());
        candidates.put("transferNetwork", spec.transferNetwork());
        candidates.put("preserveClusterCpuModel", spec.preserveClusterCpuModel());
        candidates.put("runPreflightInspection", spec.runPreflightInspection());
        candidates.put("xfsCompatibility", spec.xfsCompatibility());
        candidates.put("deleteGuestConversionPod", spec.deleteGuestConversionPod());
        candidates.put("installLegacyDrivers", spec.installLegacyDrivers());
        candidates.put("enableNestedVirtualization", spec.enableNestedVirtualization());
        candidates.put("targetNodeSelector", spec.targetNodeSelector());
        candidates.put("targetAffinity", spec.targetAffinity());
        candidates.put("convertorLabels", spec.convertorLabels());
        candidates.put("convertorNodeSelector", spec.convertorNodeSelector());
        candidates.put("convertorAffinity", spec.convertorAffinity());
        candidates.put("conversionTempStorageClass", spec.conversionTempStorageClass());
        candidates.put("conversionTempStorageSize", spec.conversionTempStorageSize());
        candidates.put("pvcNameTemplate", spec.pvcNameTemplate());
        candidates.put("pvcNameTemplateUseGenerateName", spec.pvcNameTemplateUseGenerateName());
        candidates.put("volumeNameTemplate", spec.volumeNameTemplate());
        candidates.put("networkNameTemplate", spec.networkNameTemplate());
        candidates.put("rdmAsLun", spec.rdmAsLun());
        candidates.put("scsiReservation", spec.scsiReservation());
        candidates.put("customizationScripts", spec.customizationScripts());
        candidates.put("virtV2vImage", spec.virtV2vImage());
        candidates.put("tagMapping", spec.tagMapping());
        candidates.put("skipZoneNodeSelector", spec.skipZoneNodeSelector());
        candidates.put("diskBus", spec.diskBus());
        candidates.put("preserveStaticIPs", spec.preserveStaticIPs());
        candidates.put("archived", spec.archived());
        candidates.put("migrateSharedDisks", spec.migrateSharedDisks());
        return setOnes(candidates);
    }

    /** The names among candidates whose values are set. */
    private static List<String> setOnes(Map<String, Object> candidates) {
        List<String> set = new ArrayList<>();
        candidates.forEach((field, value) -> {
            if (value != null) {
                set.add(field);
            }
        });
        return set;
    }

    /** The names of Forklift per-VM fields set on this VM that vmlift does not act on (hooks: see Plan checks). */
    public static List<String> ignoredFields(Vm vm) {
        Map<String, Object> candidates = new LinkedHashMap<>();
        candidates.put("luks", vm.luks());
        candidates.put("nbdeClevis", vm.nbdeClevis());
        candidates.put("rootDisk", vm.rootDisk());
        candidates.put("instanceType", vm.instanceType());
        candidates.put("pvcNameTemplate", vm.pvcNameTemplate());
        candidates.put("volumeNameTemplate", vm.volumeNameTemplate());
        candidates.put("networkNameTemplate", vm.networkNameTemplate());
        candidates.put("migrateSharedDisks", vm.migrateSharedDisks());
        candidates.put("enableNestedVirtualization", vm.enableNestedVirtualization());
        candidates.put("rdmAsLun", vm.rdmAsLun());
        candidates.put("scsiReservation", vm.scsiReservation());
        return setOnes(candidates);
    }
}
