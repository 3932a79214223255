package io.vmlift.source.ova;

import java.util.List;
import java.util.Map;

/** What an OVF envelope says, in the terms vmlift needs. */
record OvfDescriptor(Map<String, FileRef> files, Map<String, DiskDef> disks, List<String> networks,
        List<VirtualSystem> systems) {

    /** A References/File: compression is "gzip" or null; chunkSize > 0 when split into numbered chunks. */
    record FileRef(String id, String href, long size, String compression, long chunkSize) {}

    /** A DiskSection/Disk. */
    record DiskDef(String id, String fileRef, long capacityBytes, String format, long populatedSize) {}

    record SystemDisk(String diskId, String name, String bus) {}

    record SystemNic(String name, String network, String mac, String model) {}

    record VirtualSystem(String id, String name, String osType, int cpus, int coresPerSocket, long memoryMiB,
            String firmware, boolean secureBoot, List<SystemDisk> disks, List<SystemNic> nics) {}
}
