package io.vmlift.source.vsphere;

import io.vmlift.spi.PowerState;
import io.vmlift.spi.Disk;
import io.vmlift.spi.Vm;
import io.vmlift.spi.Concern;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The vSphere concerns, after Forklift's VMware validation rules (ids, categories and labels follow them where
 * Forklift has the rule). What blocks depends on how disks move: vmlift reads datastore files itself, which
 * works for flat and sparse disks but not for raw LUNs or snapshot chains.
 */
final class VsphereValidations {
    /** Guest OS ids of systems KubeVirt cannot run or no longer supports as guests. */
    private static final Pattern UNSUPPORTED_OS = Pattern.compile(
            "(darwin|solaris|netware|os2|dos|win31|win95|win98|winme|winnt|win2000|ecomstation).*");

    private VsphereValidations() {}

    /**
     * @param rawFirmware config.firmware as vSphere gives it, since Vm.firmware only knows bios and efi
     * @param datastoreIds the datastores the inventory holds, to tell a disk on no known datastore
     * @param cdiReads CDI reads the disks with VDDK, which follows snapshot chains; else vmlift reads the files
     */
    static List<Concern> of(Vm vm, String rawFirmware, Set<String> datastoreIds, boolean cdiReads) {
        List<Concern> concerns = new ArrayList<>();
        String name = vm.name();
        Vm.Details details = vm.details();
        for (Disk disk : vm.disks()) {
            String which = disk.name() + " (" + disk.file() + ")";
            if (disk.storageId() == null || !datastoreIds.contains(disk.storageId())) {
                concerns.add(Concern.critical("vmware.datastore.missing", name, "Disk is not located on a datastore: "
                        + which, "move the disk to a datastore, or remove it from the VM"));
            }
            if (disk.rawDeviceMapping() != null) {
                concerns.add(Concern.critical("vmware.disk.rdm.detected", name, "Raw device mapping (" +
                        disk.rawDeviceMapping() + " mode): " + which, "vmlift copies datastore files, not LUNs;"
                        + " present the LUN to the cluster directly, or migrate the data to a virtual disk first"));
            }
            if (disk.shared()) {
                concerns.add(Concern.warning("vmware.disk.shared.detected", name, "Shared disk detected: " + which,
                        "it is copied with this VM; the other VMs that share it get their own copy, not a shared one"));
            }
            if (disk.mode() != null && disk.mode().startsWith("independent")) {
                concerns.add(Concern.warning("vmware.disk_mode.independent", name, "Independent disk detected: "
                        + which, "snapshots leave it out, so a warm migration cannot copy it; cold migration can"));
            }
        }
        if (details != null) {
            if (details.snapshots() > 0 && cdiReads) {
                concerns.add(Concern.warning("vmware.snapshot.detected", name, "VM has " + details.snapshots()
                        + " snapshot(s)", "VDDK copies the current state through the chain; consolidate them first"
                        + " to copy faster"));
            } else if (details.snapshots() > 0) {
                concerns.add(Concern.critical("vmware.snapshot.detected", name, "VM has " + details.snapshots()
                        + " snapshot(s); its disks are chains of delta files", "delete or consolidate the snapshots"
                        + " before a cold migration, or set the provider's vddkInitImage so that CDI copies with"
                        + " VDDK, which reads chains"));
            }
            if (!Boolean.TRUE.equals(details.changeTracking())) {
                concerns.add(Concern.warning("vmware.changed_block_tracking.disabled", name,
                        "Changed Block Tracking (CBT) not enabled", "a cold migration does not need it; a warm one"
                        + " does: enable ctkEnabled in the VM's advanced settings"));
            }
            if (details.template()) {
                concerns.add(Concern.critical("vmware.vm.template", name, "The VM is a template",
                        "convert it to a VM first, or deploy a VM from it and migrate that"));
            }
            if (!details.passthroughDevices().isEmpty()) {
                concerns.add(Concern.critical("vmware.device.passthrough", name, "Passthrough device(s) detected: "
                        + String.join(", ", details.passthroughDevices()), "remove them from the VM; KubeVirt"
                        + " cannot give the migrated VM the same host device"));
            }
            if (vm.powerState() == PowerState.ON && Boolean.FALSE.equals(details.toolsRunning())) {
                concerns.add(Concern.info("vmware.tools.not_running", name, "VMware Tools are not running",
                        "vmlift cannot shut the guest down cleanly and powers it off hard after the shutdown"
                        + " timeout; shut it down yourself first for a clean file system"));
            }
        }
        if (vm.powerState() == PowerState.SUSPENDED) {
            concerns.add(Concern.warning("vmware.power.suspended", name, "The VM is suspended",
                    "its memory state is lost: the migrated VM boots fresh from its disks"));
        }
        if (rawFirmware != null && !rawFirmware.equals("bios") && !rawFirmware.equals("efi")) {
            concerns.add(Concern.critical("vmware.firmware.unsupported", name, "Unsupported firmware '" + rawFirmware
                    + "'", "KubeVirt boots BIOS or EFI guests"));
        }
        String os = vm.osType() == null ? "" : vm.osType().toLowerCase(Locale.ROOT);
        if (UNSUPPORTED_OS.matcher(os).matches()) {
            concerns.add(Concern.warning("vmware.os.unsupported", name, "Unsupported operating system detected ("
                    + vm.osType() + ")", "it may not boot on KubeVirt; test it before migrating a wave"));
        }
        return concerns;
    }
}
