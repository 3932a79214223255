package io.vmlift.destination.kubevirt;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.vmlift.model.NetworkMap;
import io.vmlift.model.Serialization;
import io.vmlift.model.StorageMap;
import io.vmlift.spi.Concern;
import io.vmlift.plan.ResolvedPlan;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The plan checks that need the destination cluster, with Forklift's condition names where it has them:
 * the APIs and permissions (ClusterAccess), the target namespace, NetworkAttachmentDefinitions, storage classes,
 * VMs of the same name (VMAlreadyExists) and MACs already in use by other VMs (MacConflicts).
 */
public final class ClusterChecks {
    static final String DEFAULT_CLASS_ANNOTATION = "storageclass.kubernetes.io/is-default-class";

    private ClusterChecks() {}

    public static List<Concern> check(KubernetesClient client, ResolvedPlan plan) {
        boolean transferSecrets = plan.vms().stream().flatMap(vm -> vm.disks().stream())
                .anyMatch(disk -> disk.transfer().secretRef() != null);
        boolean conversionPods = plan.vms().stream().anyMatch(ResolvedPlan.TargetVm::convertGuest);
        ClusterKinds.Served served = new ClusterKinds.Served(client);
        List<Concern> concerns = new ArrayList<>(ClusterAccess.check(client, served, plan.targetNamespace(),
                transferSecrets, conversionPods));
        String namespace = plan.targetNamespace();
        guarded(concerns, "get namespace " + namespace, () -> {
            if (client.namespaces().withName(namespace).get() == null) {
                concerns.add(Concern.critical("TargetNamespaceNotFound", null, "Namespace '" + namespace
                        + "' does not exist on the cluster", "create it: kubectl create namespace " + namespace));
            }
        });
        boolean multusUsed = plan.vms().stream().flatMap(vm -> vm.nics().stream())
                .anyMatch(n -> n.destination() != null && NetworkMap.Destination.MULTUS.equals(n.destination().type()));
        if (multusUsed && !served.includes(ClusterKinds.NETWORK_ATTACHMENT_DEFINITION)) {
            concerns.add(Concern.critical("ApiNotServed", null, "The NetworkMap maps to Multus networks, and the"
                    + " cluster serves no NetworkAttachmentDefinitions", "install Multus, or map to pod"));
        } else if (multusUsed) {
            guarded(concerns, "get network-attachment-definitions", () -> checkNetworks(client, plan, concerns));
        }
        guarded(concerns, "list storageclasses", () -> checkStorage(client, plan, concerns));
        if (served.includes(ClusterKinds.VIRTUAL_MACHINE)) {
            guarded(concerns, "list virtualmachines in all namespaces", () -> checkExistingVms(client, plan, concerns));
        }
        if (served.includes(ClusterKinds.DATA_VOLUME)) {
            guarded(concerns, "get datavolumes", () -> checkExistingDataVolumes(client, plan, concerns));
        }
        return concerns;
    }

    /**
     * Runs a check that needs a permission a namespaced identity may lack (cluster-wide lists): a 403 skips
     * the check with a Warning instead of failing the plan.
     */
    private static void guarded(List<Concern> concerns, String what, Runnable check) {
        try {
            check.run();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 403) {
                throw e;
            }
            concerns.add(Concern.warning("CheckSkipped", null, "vmlift may not " + what + ", so that check was"
                    + " skipped", "grant it for a complete check"));
        }
    }

    /** DataVolumes of the names this plan will use, made by someone else. */
    private static void checkExistingDataVolumes(KubernetesClient client, ResolvedPlan plan, List<Concern> concerns) {
        for (ResolvedPlan.TargetVm vm : plan.vms()) {
            for (ResolvedPlan.TargetDisk disk : vm.disks()) {
                GenericKubernetesResource existing = client.genericKubernetesResources(ClusterKinds.DATA_VOLUME)
                        .inNamespace(plan.targetNamespace()).withName(disk.dataVolumeName()).get();
                if (existing != null && !ClusterTarget.ours(existing, plan)) {
                    concerns.add(Concern.critical("DataVolumeAlreadyExists", vm.source().name(), "DataVolume "
                            + plan.targetNamespace() + "/" + disk.dataVolumeName() + " exists and was not made by this"
                            + " plan", "set targetName in the plan, or delete the DataVolume"));
                }
            }
        }
    }

    private static void checkNetworks(KubernetesClient client, ResolvedPlan plan, List<Concern> concerns) {
        Set<String> reported = new LinkedHashSet<>();
        for (ResolvedPlan.TargetVm vm : plan.vms()) {
            for (ResolvedPlan.TargetNic nic : vm.nics()) {
                NetworkMap.Destination destination = nic.destination();
                if (destination == null || !NetworkMap.Destination.MULTUS.equals(destination.type())) {
                    continue;
                }
                String namespace = destination.namespace() == null || destination.namespace().isEmpty()
                        ? plan.targetNamespace() : destination.namespace();
                String key = namespace + "/" + destination.name();
                if (reported.contains(key)) {
                    continue;
                }
                if (client.genericKubernetesResources(ClusterKinds.NETWORK_ATTACHMENT_DEFINITION).inNamespace(namespace)
                        .withName(destination.name()).get() == null) {
                    reported.add(key);
                    concerns.add(Concern.critical("NetMapDestinationNADNotValid", vm.source().name(),
                            "NetworkAttachmentDefinition " + key + " does not exist", "create it, or map network '"
                                    + nic.source().network() + "' elsewhere in the NetworkMap"));
                }
            }
        }
    }

    private static void checkStorage(KubernetesClient client, ResolvedPlan plan, List<Concern> concerns) {
        List<StorageClass> classes = client.storage().v1().storageClasses().list().getItems();
        boolean hasDefault = classes.stream().anyMatch(c -> c.getMetadata().getAnnotations() != null
                && "true".equals(c.getMetadata().getAnnotations().get(DEFAULT_CLASS_ANNOTATION)));
        Set<String> reported = new LinkedHashSet<>();
        for (ResolvedPlan.TargetVm vm : plan.vms()) {
            for (ResolvedPlan.TargetDisk disk : vm.disks()) {
                StorageMap.Destination destination = disk.destination();
                if (destination == null) {
                    continue;
                }
                String wanted = destination.storageClass();
                if (wanted == null || wanted.isEmpty()) {
                    if (!hasDefault && reported.add("")) {
                        concerns.add(Concern.critical("StorageClassNotFound", null, "The StorageMap asks for the"
                                + " cluster's default storage class, and the cluster has none",
                                "name a storage class in the StorageMap"));
                    }
                } else if (classes.stream().noneMatch(c -> wanted.equals(c.getMetadata().getName()))
                        && reported.add(wanted)) {
                    concerns.add(Concern.critical("StorageClassNotFound", null, "Storage class '" + wanted
                            + "' does not exist on the cluster", "use one of: " + String.join(", ",
                                    classes.stream().map(c -> c.getMetadata().getName()).toList())));
                }
            }
        }
    }

    /** VMAlreadyExists for a foreign VM of the target name; MacConflicts with VMs outside this plan. */
    private static void checkExistingVms(KubernetesClient client, ResolvedPlan plan, List<Concern> concerns) {
        Map<String, String> macOwners = new HashMap<>();
        for (GenericKubernetesResource existing : client.genericKubernetesResources(ClusterKinds.VIRTUAL_MACHINE)
                .inAnyNamespace().list().getItems()) {
            if (ClusterTarget.ours(existing, plan)) {
                continue; // an earlier run of this plan: adopted, not a conflict
            }
            JsonNode tree = Serialization.json().valueToTree(existing);
            String owner = existing.getMetadata().getNamespace() + "/" + existing.getMetadata().getName();
            for (JsonNode iface : tree.at("/spec/template/spec/domain/devices/interfaces")) {
                String mac = iface.path("macAddress").asText("").toLowerCase(Locale.ROOT);
                if (!mac.isEmpty()) {
                    macOwners.put(mac, owner);
                }
            }
            if (plan.targetNamespace().equals(existing.getMetadata().getNamespace())) {
                for (ResolvedPlan.TargetVm vm : plan.vms()) {
                    if (vm.name().equals(existing.getMetadata().getName())) {
                        concerns.add(Concern.critical("VMAlreadyExists", vm.source().name(), "VirtualMachine " + owner
                                + " already exists and was not made by this plan", "set targetName in the plan, or"
                                        + " delete the existing VM"));
                    }
                }
            }
        }
        for (ResolvedPlan.TargetVm vm : plan.vms()) {
            for (ResolvedPlan.TargetNic nic : vm.nics()) {
                String owner = nic.source().mac() == null ? null : macOwners.get(nic.source().mac());
                if (owner != null && !nic.ignored()) {
                    concerns.add(Concern.critical("MacConflicts", vm.source().name(), "MAC " + nic.source().mac()
                            + " of NIC " + nic.source().name() + " is used by VirtualMachine " + owner + " on the"
                            + " cluster", "free the MAC on the cluster first"));
                }
            }
        }
    }

}
