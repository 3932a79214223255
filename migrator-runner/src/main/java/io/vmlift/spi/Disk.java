package io.vmlift.spi;

/**
 * A source disk.
 *
 * @param key the disk's id within its VM (OVF diskId, vSphere device key)
 * @param storageId the datastore/storage domain it lives on; what a StorageMap maps
 * @param file where its bytes are at the source (a path in an OVA, a datastore path)
 * @param format the source image format when known (vmdk-stream, vmdk-sparse, raw, ...)
 * @param mode vSphere's disk mode (persistent, independent_persistent, independent_nonpersistent, ...); null
 *     where the source has none
 * @param thin whether storage is allocated on demand; null when the source does not say
 * @param rawDeviceMapping "physical" or "virtual" for a disk that maps a raw LUN, else null
 * @param forkliftStorage the storage name Forklift's inventory gives this disk where it differs from vmlift's
 *     (OVA: each disk file is a storage of its own, named by its file), so that maps written for Forklift
 *     resolve; null otherwise
 */
public record Disk(
        String key,
        String name,
        long capacityBytes,
        String storageId,
        String file,
        DiskBus bus,
        String format,
        boolean shared,
        String mode,
        Boolean thin,
        String rawDeviceMapping,
        String forkliftStorage) {

    public Disk(String key, String name, long capacityBytes, String storageId, String file, DiskBus bus, String format,
            boolean shared, String mode, Boolean thin, String rawDeviceMapping) {
        this(key, name, capacityBytes, storageId, file, bus, format, shared, mode, thin, rawDeviceMapping, null);
    }

    /** A disk of an image package: no modes, no LUNs. */
    public static Disk ofImage(String key, String name, long capacityBytes, String storageId, String file, DiskBus bus,
            String format) {
        return ofImage(key, name, capacityBytes, storageId, file, bus, format, null);
    }

    public static Disk ofImage(String key, String name, long capacityBytes, String storageId, String file, DiskBus bus,
            String format, String forkliftStorage) {
        return new Disk(key, name, capacityBytes, storageId, file, bus, format, false, null, null, null,
                forkliftStorage);
    }
}
