package io.vmlift.spi;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Where a DataVolume gets its bytes. {@link Upload}: vmlift streams them through CDI's upload proxy. The others
 * are Forklift's way, where CDI reads the source itself and copies inside the cluster, which scales with it.
 * Optional fields are null when unset.
 */
public sealed interface DiskSource {
    /** Writes this source into a DataVolume's spec.source. */
    void writeTo(ObjectNode source);

    /** The Secret (in the DataVolume's namespace) with the credentials CDI reads the source with, or null. */
    default String secretRef() {
        return null;
    }

    /** The ConfigMap (in the DataVolume's namespace) with the CA CDI checks the source's certificate with, or null. */
    default String certConfigMap() {
        return null;
    }

    /** CDI waits for an upload (UploadTokenRequest + the upload proxy). */
    record Upload() implements DiskSource {
        @Override
        public void writeTo(ObjectNode source) {
            source.putObject("upload");
        }
    }

    /** CDI downloads an image (raw, qcow2, vmdk, compressed) from a URL. */
    record Http(String url, String secretRef, String certConfigMap) implements DiskSource {
        @Override
        public void writeTo(ObjectNode source) {
            ObjectNode http = source.putObject("http").put("url", url);
            putIfSet(http, "secretRef", secretRef);
            putIfSet(http, "certConfigMap", certConfigMap);
        }
    }

    /** CDI reads a vSphere disk with VMware's VDDK (url of vCenter/ESXi, VM uuid, the disk's backing file). */
    record Vddk(String url, String uuid, String backingFile, String thumbprint, String secretRef, String initImageURL)
            implements DiskSource {
        @Override
        public void writeTo(ObjectNode source) {
            ObjectNode vddk = source.putObject("vddk").put("url", url).put("uuid", uuid).put("backingFile", backingFile);
            putIfSet(vddk, "thumbprint", thumbprint);
            putIfSet(vddk, "secretRef", secretRef);
            putIfSet(vddk, "initImageURL", initImageURL);
        }
    }

    /** CDI reads an oVirt disk through the engine's imageio service. */
    record Imageio(String url, String diskId, String secretRef, String certConfigMap) implements DiskSource {
        @Override
        public void writeTo(ObjectNode source) {
            ObjectNode imageio = source.putObject("imageio").put("url", url).put("diskId", diskId);
            putIfSet(imageio, "secretRef", secretRef);
            putIfSet(imageio, "certConfigMap", certConfigMap);
        }
    }

    private static void putIfSet(ObjectNode node, String field, String value) {
        if (value != null && !value.isEmpty()) {
            node.put(field, value);
        }
    }
}
