package io.vmlift.spi;

import java.util.List;
import java.util.Locale;

/**
 * A source VM as vmlift sees it, whatever the provider.
 *
 * @param osType the provider's guest OS id (e.g. VMware's guestId, OVF's osType)
 * @param location where the VM lives at the source (folder path, OVA file), for people reading reports
 * @param details what a hypervisor source knows beyond the hardware; null for image packages
 */
public record Vm(
        String id,
        String name,
        int cpus,
        int coresPerSocket,
        long memoryMiB,
        Firmware firmware,
        boolean secureBoot,
        String osType,
        PowerState powerState,
        String location,
        List<Disk> disks,
        List<Nic> nics,
        Details details) {

    /**
     * Facts of a running source that decide how, and whether, a VM can move.
     *
     * @param uuid the source's BIOS uuid (vSphere config.uuid), which VDDK names a VM by
     * @param host the host the VM runs on (name)
     * @param snapshots how many snapshots the VM has
     * @param changeTracking whether changed block tracking is on (null where the source has none)
     * @param toolsRunning whether guest tools run, which graceful shutdown needs (null when unknown)
     * @param template whether the VM is a template
     * @param passthroughDevices devices that tie the VM to its host (PCI passthrough, ...), by label
     */
    public record Details(
            String uuid,
            String host,
            int snapshots,
            Boolean changeTracking,
            Boolean toolsRunning,
            boolean template,
            List<String> passthroughDevices) {}

    /**
     * What a migration depends on, as one short digest: CPU, memory, firmware, disks (id, size, storage, bus),
     * NICs (MAC, network, model) and snapshots. A plan records it; migrate refuses a VM whose digest changed.
     */
    public String fingerprint() {
        StringBuilder text = new StringBuilder();
        text.append(cpus).append('/').append(coresPerSocket).append('|').append(memoryMiB).append('|')
                .append(firmware).append('|').append(secureBoot).append('|')
                .append(details == null ? 0 : details.snapshots());
        for (Disk disk : disks) {
            text.append("|d:").append(disk.key()).append(',').append(disk.capacityBytes()).append(',')
                    .append(disk.storageId()).append(',').append(disk.bus());
        }
        for (Nic nic : nics) {
            text.append("|n:").append(nic.mac()).append(',').append(nic.networkId()).append(',').append(nic.model());
        }
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(text.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(digest, 0, 8);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JVM", e);
        }
    }

    public int sockets() {
        int cores = Math.max(1, coresPerSocket);
        return Math.max(1, cpus / cores);
    }

    public boolean isLinux() {
        String os = osType == null ? "" : osType.toLowerCase(Locale.ROOT);
        return os.matches(".*(linux|rhel|centos|fedora|ubuntu|debian|suse|sles|oracle|rocky|alma|photon|coreos).*");
    }
}
