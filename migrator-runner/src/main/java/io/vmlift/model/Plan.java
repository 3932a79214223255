package io.vmlift.model;

import com.fasterxml.jackson.databind.JsonNode;
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
            // Forklift fields vmlift accepts but does not act on (see ignoredFields()).
            JsonNode serviceAccount,
            JsonNode transferNetwork,
            JsonNode preserveClusterCpuModel,
            JsonNode runPreflightInspection,
            JsonNode xfsCompatibility,
            JsonNode deleteGuestConversionPod,
            JsonNode installLegacyDrivers,
            JsonNode enableNestedVirtualization,
            JsonNode targetNodeSelector,
            JsonNode targetAffinity,
            JsonNode convertorLabels,
            JsonNode convertorNodeSelector,
            JsonNode convertorAffinity,
            JsonNode conversionTempStorageClass,
            JsonNode conversionTempStorageSize,
            JsonNode pvcNameTemplate,
            JsonNode pvcNameTemplateUseGenerateName,
            JsonNode volumeNameTemplate,
            JsonNode networkNameTemplate,
            JsonNode rdmAsLun,
            JsonNode scsiReservation,
            JsonNode customizationScripts,
            JsonNode virtV2vImage,
            JsonNode tagMapping,
            JsonNode skipZoneNodeSelector) {

        public static Spec of(
                String targetNamespace, ProviderPair provider, Maps map, String type, List<Vm> vms) {
            return new Spec(null, targetNamespace, provider, map, type, null, vms, null, null, null, null, null,
                    null, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
                    null, null, null, null, null, null, null, null, null, null, null, null, null);
        }
    }

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
            JsonNode hooks,
            JsonNode luks,
            JsonNode nbdeClevis,
            JsonNode rootDisk,
            JsonNode instanceType,
            JsonNode pvcNameTemplate,
            JsonNode volumeNameTemplate,
            JsonNode networkNameTemplate,
            JsonNode migrateSharedDisks,
            JsonNode enableNestedVirtualization,
            JsonNode rdmAsLun,
            JsonNode scsiReservation) {

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
        List<String> ignored = new ArrayList<>();
        if (spec == null) {
            return ignored;
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
        candidates.forEach((field, value) -> {
            if (value != null) {
                ignored.add(field);
            }
        });
        return ignored;
    }
}
