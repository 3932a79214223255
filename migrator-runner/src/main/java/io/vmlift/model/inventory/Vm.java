package io.vmlift.model.inventory;

import java.util.List;
import java.util.Locale;

/**
 * A source VM as vmlift sees it, whatever the provider.
 *
 * @param firmware "bios" or "efi"
 * @param osType the provider's guest OS id (e.g. VMware's guestId, OVF's osType)
 * @param powerState "on", "off" or "unknown"
 * @param location where the VM lives at the source (folder path, OVA file), for people reading reports
 */
public record Vm(
        String id,
        String name,
        int cpus,
        int coresPerSocket,
        long memoryMiB,
        String firmware,
        boolean secureBoot,
        String osType,
        String powerState,
        String location,
        List<Disk> disks,
        List<Nic> nics) {

    public static final String BIOS = "bios";
    public static final String EFI = "efi";

    public int sockets() {
        int cores = Math.max(1, coresPerSocket);
        return Math.max(1, cpus / cores);
    }

    public boolean isLinux() {
        String os = osType == null ? "" : osType.toLowerCase(Locale.ROOT);
        return os.matches(".*(linux|rhel|centos|fedora|ubuntu|debian|suse|sles|oracle|rocky|alma|photon|coreos).*");
    }
}
