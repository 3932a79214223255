package io.vmlift.source.ova;

import io.vmlift.spi.Firmware;
import java.util.List;
import java.util.Map;

/**
 * What an OVF envelope says, in the terms vmlift needs.
 *
 * @param deploymentOption the configuration the Items were read for (DeploymentOptionSection), or null
 */
record OvfDescriptor(Map<String, FileRef> files, Map<String, DiskDef> disks, List<String> networks,
        List<VirtualSystem> systems, String deploymentOption) {

    /** A References/File: compression is "gzip" or null; chunkSize > 0 when split into numbered chunks. */
    record FileRef(String id, String href, long size, String compression, long chunkSize) {}

    /**
     * A DiskSection/Disk.
     *
     * @param capacityBytes -1 when the descriptor gives no usable capacity (then problem says why)
     * @param bus the bus the Disk itself names (oVirt's ovf:disk-interface), or null
     * @param problem why the Disk cannot be used as declared, or null
     */
    record DiskDef(String id, String fileRef, long capacityBytes, String format, long populatedSize, String bus,
            String problem) {}

    record SystemDisk(String diskId, String name, String bus) {}

    record SystemNic(String name, String network, String mac, String model) {}

    /** @param problems what makes the VM unusable as described (Critical for plan): bad counts, no memory */
    record VirtualSystem(String id, String name, String osType, int cpus, int coresPerSocket, long memoryMiB,
            Firmware firmware, boolean secureBoot, List<SystemDisk> disks, List<SystemNic> nics,
            List<String> problems) {}
}
