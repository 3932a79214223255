package io.vmlift.destination.kubevirt;

import io.fabric8.kubernetes.api.model.APIResourceList;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.util.HashMap;
import java.util.Map;

/**
 * The custom resources vmlift reads and writes, as their CRDs name them: virtualmachines.kubevirt.io,
 * virtualmachineinstances.kubevirt.io, datavolumes.cdi.kubevirt.io, the cluster-scoped cdiconfigs.cdi.kubevirt.io
 * and network-attachment-definitions.k8s.cni.cncf.io; CDI's aggregated API serves uploadtokenrequests. Given an
 * apiVersion and a kind alone, fabric8 asks the API server for the group's resource list to find the plural, once
 * per kind and client. Whether the cluster serves a kind at all is what the plan's checks ask (ClusterAccess,
 * ClusterChecks), through {@link Served}.
 */
public final class ClusterKinds {
    public static final ResourceDefinitionContext VIRTUAL_MACHINE =
            kind("kubevirt.io", "v1", "VirtualMachine", "virtualmachines", true);
    public static final ResourceDefinitionContext VIRTUAL_MACHINE_INSTANCE =
            kind("kubevirt.io", "v1", "VirtualMachineInstance", "virtualmachineinstances", true);
    public static final ResourceDefinitionContext DATA_VOLUME =
            kind("cdi.kubevirt.io", "v1beta1", "DataVolume", "datavolumes", true);
    public static final ResourceDefinitionContext CDI_CONFIG =
            kind("cdi.kubevirt.io", "v1beta1", "CDIConfig", "cdiconfigs", false);
    public static final ResourceDefinitionContext UPLOAD_TOKEN_REQUEST =
            kind("upload.cdi.kubevirt.io", "v1beta1", "UploadTokenRequest", "uploadtokenrequests", true);
    public static final ResourceDefinitionContext NETWORK_ATTACHMENT_DEFINITION =
            kind("k8s.cni.cncf.io", "v1", "NetworkAttachmentDefinition", "network-attachment-definitions", true);

    private ClusterKinds() {}

    /** The kind's apiVersion, as a manifest gives it: group/version. */
    public static String apiVersion(ResourceDefinitionContext kind) {
        return kind.getGroup() + "/" + kind.getVersion();
    }

    /** Whether the cluster serves the kind: one discovery request, for a single question. */
    public static boolean served(KubernetesClient client, ResourceDefinitionContext kind) {
        return new Served(client).includes(kind);
    }

    /**
     * Whether the cluster serves kinds, asking for each group-version's resource list once, as fabric8's
     * {@code supports(apiVersion, kind)} does on every call: VirtualMachine and VirtualMachineInstance share
     * kubevirt.io/v1, and the checks ask about a kind more than once. The answers are for one set of checks (the
     * upload proxy's lookup of CDIConfig, later, asks again): a kind installed meanwhile is seen by the next.
     */
    public static final class Served {
        private final KubernetesClient client;
        /** By apiVersion; null where the group-version is not served (404). */
        private final Map<String, APIResourceList> resources = new HashMap<>();

        public Served(KubernetesClient client) {
            this.client = client;
        }

        public synchronized boolean includes(ResourceDefinitionContext kind) {
            String apiVersion = apiVersion(kind);
            if (!resources.containsKey(apiVersion)) {
                resources.put(apiVersion, client.getApiResources(apiVersion));
            }
            APIResourceList list = resources.get(apiVersion);
            return list != null && list.getResources().stream().anyMatch(r -> kind.getKind().equals(r.getKind()));
        }
    }

    private static ResourceDefinitionContext kind(String group, String version, String kind, String plural,
            boolean namespaced) {
        return new ResourceDefinitionContext.Builder()
                .withGroup(group)
                .withVersion(version)
                .withKind(kind)
                .withPlural(plural)
                .withNamespaced(namespaced)
                .build();
    }
}
