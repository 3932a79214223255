package io.vmlift.model.inventory;

/**
 * A source disk.
 *
 * @param key the disk's id within its VM (OVF diskId, vSphere device key)
 * @param storageId the datastore/storage domain it lives on; what a StorageMap maps
 * @param file where its bytes are at the source (a path in an OVA, a datastore path)
 * @param bus the source controller: ide, sata, scsi, nvme, virtio
 * @param format the source image format when known (vmdk-stream, vmdk-sparse, raw, ...)
 */
public record Disk(
        String key,
        String name,
        long capacityBytes,
        String storageId,
        String file,
        String bus,
        String format,
        boolean shared) {}
