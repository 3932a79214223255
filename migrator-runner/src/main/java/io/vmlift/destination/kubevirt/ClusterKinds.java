package io.vmlift.destination.kubevirt;

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
            kind(ClusterTarget.VM_API, "VirtualMachine", "virtualmachines", true);
    public static final ResourceDefinitionContext VIRTUAL_MACHINE_INSTANCE =
            kind(ClusterTarget.VM_API, "VirtualMachineInstance", "virtualmachineinstances", true);
    public static final ResourceDefinitionContext DATA_VOLUME =
            kind(ClusterTarget.DATA_VOLUME_API, "DataVolume", "datavolumes", true);
    public static final ResourceDefinitionContext CDI_CONFIG =
            kind(ClusterTarget.DATA_VOLUME_API, "CDIConfig", "cdiconfigs", false);
    public static final ResourceDefinitionContext UPLOAD_TOKEN_REQUEST =
            kind(ClusterTarget.UPLOAD_TOKEN_API, "UploadTokenRequest", "uploadtokenrequests", true);
    public static final ResourceDefinitionContext NETWORK_ATTACHMENT_DEFINITION =
            kind(ClusterChecks.NAD_API, "NetworkAttachmentDefinition", "network-attachment-definitions", true);

    private ClusterKinds() {}

    private static ResourceDefinitionContext kind(String apiVersion, String kind, String plural, boolean namespaced) {
        int slash = apiVersion.indexOf('/');
        return new ResourceDefinitionContext.Builder()
                .withGroup(apiVersion.substring(0, slash))
                .withVersion(apiVersion.substring(slash + 1))
                .withKind(kind)
                .withPlural(plural)
                .withNamespaced(namespaced)
                .build();
    }
}
