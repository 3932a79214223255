package io.vmlift.destination.kubevirt;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;

/**
 * The custom resources vmlift reads and writes, as their CRDs name them: virtualmachines.kubevirt.io,
 * virtualmachineinstances.kubevirt.io, datavolumes.cdi.kubevirt.io, the cluster-scoped cdiconfigs.cdi.kubevirt.io
 * and network-attachment-definitions.k8s.cni.cncf.io; CDI's aggregated API serves uploadtokenrequests. Given an
 * apiVersion and a kind alone, fabric8 asks the API server for the group's resource list to find the plural, once
 * per kind and client: seven requests of every migration, each a list of the whole group. Whether the cluster
 * serves a kind at all is what the plan's checks ask (ClusterAccess, ClusterChecks).
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

    /** Whether the cluster serves the kind (one discovery request; fabric8 keeps no answer). */
    public static boolean served(KubernetesClient client, ResourceDefinitionContext kind) {
        return client.supports(apiVersion(kind), kind.getKind());
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
