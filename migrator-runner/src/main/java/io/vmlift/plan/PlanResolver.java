package io.vmlift.plan;

import io.vmlift.spi.PowerState;
import io.vmlift.model.DocumentSet;
import io.vmlift.model.Located;
import io.vmlift.model.NetworkMap;
import io.vmlift.model.Plan;
import io.vmlift.model.SourceRef;
import io.vmlift.model.StorageMap;
import io.vmlift.spi.Disk;
import io.vmlift.spi.Inventory;
import io.vmlift.spi.Network;
import io.vmlift.spi.Nic;
import io.vmlift.spi.Storage;
import io.vmlift.spi.Vm;
import io.vmlift.source.SourceProvider;
import io.vmlift.spi.Concern;
import io.vmlift.spi.DiskSource;
import io.vmlift.spi.TargetNames;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Matches a Plan to the source inventory and the maps and reports concerns with Forklift's condition names
 * (VMNotFound, DuplicateVM, TargetNameNotValid, VMNetworksNotMapped, VMStorageNotMapped,
 * VMMultiplePodNetworkMappings, MacConflicts, InvalidDiskSizes) plus the provider's own.
 */
public final class PlanResolver {
    /** Concerns that say the Plan document is wrong rather than the VMs, maps or target. */
    public static final Set<String> PLAN_DOCUMENT_ERRORS =
            Set.of("VMNotFound", "VMAmbiguous", "DuplicateVM", "TargetNameNotValid");

    private PlanResolver() {}

    public static ResolvedPlan resolve(DocumentSet documents, Located<Plan> located, SourceProvider source)
            throws IOException {
        return resolve(documents, located, source, false);
    }

    /**
     * @param ignoreChanges a VM whose inventory changed since the plan recorded its fingerprint is a Warning,
     *     not Critical (migrate --ignore-changes)
     */
    public static ResolvedPlan resolve(DocumentSet documents, Located<Plan> located, SourceProvider source,
            boolean ignoreChanges) throws IOException {
        Plan plan = located.document();
        Inventory inventory = source.inventory();
        NetworkMap networkMap = documents.find(NetworkMap.class, plan.spec().map().network()).orElseThrow().document();
        StorageMap storageMap = documents.find(StorageMap.class, plan.spec().map().storage()).orElseThrow().document();
        List<Concern> concerns = new ArrayList<>();
        planConcerns(plan, source, concerns);
        for (String warning : inventory.warningsOrNone()) {
            concerns.add(Concern.warning("SourceItemSkipped", null, warning, "fix or remove it; the rest of the"
                    + " source is used as it is"));
        }

        Map<String, String> fingerprints = plan.fingerprints(); // read once: the annotation may list thousands
        List<ResolvedPlan.TargetVm> vms = new ArrayList<>();
        Set<String> seenIds = new HashSet<>();
        Set<String> usedNames = new HashSet<>();
        Map<String, String> macOwners = new HashMap<>();
        for (int i = 0; i < plan.vms().size(); i++) {
            Plan.Vm entry = plan.vms().get(i);
            String where = located.where("/spec/vms/" + i);
            List<Vm> matches = inventory.vms().stream()
                    .filter(vm -> entry.asRef().matches(vm.id(), vm.name()))
                    .collect(Collectors.toList());
            if (matches.isEmpty()) {
                concerns.add(Concern.critical("VMNotFound", entry.name() != null ? entry.name() : entry.id(), "The source has no VM with "
                        + entry.describe() + " (" + where + ")", "check the name with 'vmlift inventory'"));
                continue;
            }
            if (matches.size() > 1) {
                concerns.add(Concern.critical("VMAmbiguous", entry.describe(), matches.size() + " source VMs have "
                        + entry.describe() + " (" + where + ")", "name the VM by id: "
                        + matches.stream().map(Vm::id).collect(Collectors.joining(", "))));
                continue;
            }
            Vm vm = matches.get(0);
            if (!seenIds.add(vm.id())) {
                concerns.add(Concern.critical("DuplicateVM", vm.name(), "The plan lists the VM twice (" + where + ")",
                        "remove one entry"));
                continue;
            }
            changedSincePlan(fingerprints.get(vm.id()), vm, ignoreChanges, concerns);
            ignoredVmFields(entry, vm, concerns);
            String name = targetName(entry, vm, usedNames, concerns);
            List<ResolvedPlan.TargetNic> nics = nics(vm, networkMap, inventory, concerns, macOwners);
            List<ResolvedPlan.TargetDisk> disks = disks(vm, name, storageMap, inventory, concerns, source, plan.name());
            concerns.addAll(source.validate(vm));
            if ("warm".equals(plan.migrationType()) && source.snapshots().isPresent()) {
                warmConcerns(vm, disks, source, concerns);
            }
            // Forklift's targetPowerState: on, off, or auto (as the source was).
            String wanted = plan.targetPowerState(entry);
            PowerState power = "on".equals(wanted) ? PowerState.ON
                    : "off".equals(wanted) ? PowerState.OFF
                    : vm.powerState() == PowerState.ON ? PowerState.ON
                    : PowerState.OFF;
            boolean convert = guestConversion(plan, inventory, vm, concerns);
            vms.add(new ResolvedPlan.TargetVm(entry, vm, name, power, plan.deleteVmOnFailMigration(entry), nics, disks,
                    convert));
        }
        Map<String, String> dataVolumeOwners = new HashMap<>();
        for (ResolvedPlan.TargetVm vm : vms) {
            for (ResolvedPlan.TargetDisk disk : vm.disks()) {
                String owner = dataVolumeOwners.putIfAbsent(disk.dataVolumeName(), vm.source().name());
                if (owner != null) {
                    concerns.add(Concern.critical("DataVolumeNameConflict", vm.source().name(), "DataVolume name '"
                            + disk.dataVolumeName() + "' is also used by " + owner, "set targetName for one of them"));
                }
            }
        }
        return new ResolvedPlan(located, inventory, vms, concerns);
    }

    private static void planConcerns(Plan plan, SourceProvider source, List<Concern> concerns) {
        String type = plan.migrationType();
        if ("warm".equals(type) && source.snapshots().isEmpty()) {
            concerns.add(Concern.critical("MigrationTypeUnsupported", null, "Warm migration needs snapshots of the"
                    + " running VM, which this source has not", "use type: cold"));
        } else if (!"cold".equals(type) && !"warm".equals(type)) {
            concerns.add(Concern.critical("MigrationTypeUnsupported", null, "Migration type '" + type
                    + "' is not supported by vmlift yet", "use type: cold or warm"));
        }
        if (!Plan.GUEST_CONVERSIONS.contains(plan.guestConversionSetting())) {
            concerns.add(Concern.critical("GuestConversionUnknown", null, "annotation " + Plan.GUEST_CONVERSION + ": '"
                    + plan.guestConversionSetting() + "' is not a conversion vmlift knows", "use one of "
                    + Plan.GUEST_CONVERSIONS));
        }
        for (String field : plan.ignoredFields()) {
            concerns.add(Concern.warning("FieldIgnored", null, "spec." + field + " is a Forklift setting vmlift"
                    + " does not act on", "remove it, or migrate this plan with Forklift"));
        }
    }

    /** Source types whose guests ran on another hypervisor and are converted, as Forklift converts them. */
    private static final Set<String> CONVERTED_SOURCES = Set.of("vsphere", "ova");
    /**
     * Linux families whose installers build a host-only initramfs (dracut's hostonly default): installed on
     * VMware, it holds the drivers of VMware's devices and none of virtio's.
     */
    private static final java.util.regex.Pattern HOST_ONLY_INITRAMFS = java.util.regex.Pattern.compile(
            "(?i).*(rhel|redhat|centos|rocky|alma|oracle|fedora|sles|suse|amazon).*");

    /**
     * Whether the VM's guest is converted, and what a user should know about it: that a guest which likely
     * cannot boot on virtio is not converted, that Windows conversion was not tested here.
     */
    private static boolean guestConversion(Plan plan, Inventory inventory, Vm vm, List<Concern> concerns) {
        boolean hypervisorChange = CONVERTED_SOURCES.contains(inventory.provider().type());
        if (!plan.convertsGuests()) {
            if (hypervisorChange && vm.isLinux() && vm.osType() != null
                    && HOST_ONLY_INITRAMFS.matcher(vm.osType()).matches()) {
                concerns.add(Concern.warning("GuestConversionOff", vm.name(), "The guest (" + vm.osType() + ") gets"
                        + " virtio disks and NICs, but a " + "host-only initramfs made on VMware (dracut's default on"
                        + " this family) has no virtio drivers: it may not find its disk", "annotate the Plan "
                        + Plan.GUEST_CONVERSION + ": virt-v2v to convert it"));
            }
            return false;
        }
        if (!hypervisorChange) {
            concerns.add(Concern.info("GuestConversionSkipped", vm.name(), "The guest comes from "
                    + inventory.provider().type() + ", which runs it on KVM already: it is not converted", null));
            return false;
        }
        if (!vm.isLinux()) {
            concerns.add(Concern.warning("GuestConversionUntested", vm.name(), "virt-v2v converts Windows guests"
                    + " with the drivers of virtio-win, which vmlift has not tested", "set VIRTIO_WIN to the"
                    + " virtio-win ISO or folder where the conversion runs, and test the VM before the wave"));
        }
        return true;
    }

    /** A VM whose CPU, memory, firmware, disks, NICs or snapshots differ from when the plan recorded them. */
    private static void changedSincePlan(String recorded, Vm vm, boolean ignore, List<Concern> concerns) {
        if (recorded == null || recorded.equals(vm.fingerprint())) {
            return;
        }
        String label = "The VM's CPU, memory, firmware, disks, NICs or snapshots differ from when the plan was"
                + " written (fingerprint " + recorded + ", now " + vm.fingerprint() + ")";
        concerns.add(ignore ? Concern.warning("VMChangedSincePlan", vm.name(), label, "migrated as it is now"
                + " (--ignore-changes)") : Concern.critical("VMChangedSincePlan", vm.name(), label, "check it with"
                + " 'vmlift inventory', then write the plan again (vmlift plan --plan-file), or migrate with"
                + " --ignore-changes"));
    }

    /** Forklift per-VM settings vmlift does not act on: a Warning each, never silence. */
    private static void ignoredVmFields(Plan.Vm entry, Vm vm, List<Concern> concerns) {
        for (String field : Plan.ignoredFields(entry)) {
            concerns.add(Concern.warning("FieldIgnored", vm.name(), "vms[]." + field + " is a Forklift setting vmlift"
                    + " does not act on", "remove it, or migrate this VM with Forklift"));
        }
        if (entry.hooks() != null) {
            for (Plan.HookRef hook : entry.hooks()) {
                String name = hook.hook() == null ? null : hook.hook().name();
                concerns.add(Concern.warning("FieldIgnored", vm.name(), "Hook '" + name + "' at step " + hook.step()
                        + " will not run: vmlift does not run Forklift hooks yet", "run the hook's playbook"
                        + " yourself before or after this stage of the pipeline, or migrate this VM with Forklift"));
            }
        }
    }

    /**
     * What warm migration needs of a VM: CBT, and someone to copy the changes between snapshots: CDI (VDDK) for
     * every disk, or vmlift for every disk where the source reports changed areas.
     */
    private static void warmConcerns(Vm vm, List<ResolvedPlan.TargetDisk> disks, SourceProvider source,
            List<Concern> concerns) {
        if (vm.details() == null || !Boolean.TRUE.equals(vm.details().changeTracking())) {
            concerns.add(Concern.critical("VMMissingChangedBlockTracking", vm.name(), "Changed Block Tracking is not"
                    + " enabled", "enable it (ctkEnabled) while the VM is off or has no snapshots, or use type: cold"));
        }
        boolean byVmlift = disks.stream().allMatch(ResolvedPlan.TargetDisk::copiedByVmlift);
        boolean byCdi = disks.stream().noneMatch(ResolvedPlan.TargetDisk::copiedByVmlift);
        if (!byCdi && !(byVmlift && source.changeTracking().isPresent())) {
            concerns.add(Concern.critical("MigrationTypeUnsupported", vm.name(), "Warm migration needs CDI (VDDK) or"
                    + " this source's changed block tracking to copy the changes between snapshots",
                    "set vddkInitImage in the provider's settings, or use type: cold"));
        }
    }

    private static String targetName(Plan.Vm entry, Vm vm, Set<String> usedNames, List<Concern> concerns) {
        String name;
        if (entry.targetName() != null && !entry.targetName().isEmpty()) {
            name = entry.targetName();
            if (!TargetNames.isValid(name)) {
                concerns.add(Concern.critical("TargetNameNotValid", vm.name(), "targetName '" + name
                        + "' is not a DNS-1123 label", "use lower case letters, digits and '-', at most 63"));
            }
        } else {
            name = TargetNames.normalize(vm.name());
            if (!name.equals(vm.name())) {
                concerns.add(Concern.info("VMNameChanged", vm.name(), "The VM will be named '" + name + "' on the"
                        + " target", "set targetName in the plan to choose another name"));
            }
        }
        String unique = name;
        for (int n = 2; !usedNames.add(unique); n++) {
            unique = TargetNames.withSuffix(name, Integer.toString(n));
        }
        if (!unique.equals(name)) {
            concerns.add(Concern.info("VMNameChanged", vm.name(), "Another VM of the plan is also named '" + name
                    + "'; this one becomes '" + unique + "'", "set targetName to choose"));
        }
        return unique;
    }

    private static List<ResolvedPlan.TargetNic> nics(Vm vm, NetworkMap map, Inventory inventory,
            List<Concern> concerns, Map<String, String> macOwners) {
        List<ResolvedPlan.TargetNic> nics = new ArrayList<>();
        int podNetworks = 0;
        for (Nic nic : vm.nics()) {
            NetworkMap.Destination destination = single(map.pairs().stream()
                    .filter(pair -> namesNetwork(pair.source(), nic, inventory))
                    .map(NetworkMap.Pair::destination)
                    .toList(), vm.name(), "Network '" + nic.network() + "'", "Network", map.name(), concerns);
            if (destination == null) {
                concerns.add(Concern.critical("VMNetworksNotMapped", vm.name(), "Network '" + nic.network()
                        + "' of NIC " + nic.name() + " is not in NetworkMap '" + map.name() + "'",
                        "add it to the map (pod, multus or ignored)"));
            } else if (NetworkMap.Destination.POD.equals(destination.type())) {
                podNetworks++;
            }
            if (nic.mac() != null && destination != null && !NetworkMap.Destination.IGNORED.equals(destination.type())) {
                String owner = macOwners.putIfAbsent(nic.mac(), vm.name());
                if (owner != null) {
                    concerns.add(Concern.critical("MacConflicts", vm.name(), "MAC " + nic.mac() + " of NIC "
                            + nic.name() + " is also used by " + owner, "migrate the VMs in separate waves, or change a MAC"));
                }
            }
            nics.add(new ResolvedPlan.TargetNic(nic, destination));
        }
        if (podNetworks > 1) {
            concerns.add(Concern.critical("VMMultiplePodNetworkMappings", vm.name(), podNetworks
                    + " NICs are mapped to the pod network", "map at most one of the VM's networks to pod"));
        }
        return nics;
    }

    /** A map source names a NIC's network by vmlift's id or name, or by the id Forklift gives that network. */
    private static boolean namesNetwork(SourceRef source, Nic nic, Inventory inventory) {
        if (source.matches(nic.networkId(), nic.network())) {
            return true;
        }
        String forkliftId = inventory.network(nic.networkId()).map(Network::forkliftId).orElse(null);
        return forkliftId != null && forkliftId.equals(source.id());
    }

    /** A map source names a disk's storage by the name Forklift gives it (OVA: the disk's own file). */
    private static boolean namesDiskStorage(SourceRef source, Disk disk) {
        return source.namesOnly(disk.forkliftStorage());
    }

    /**
     * The one entry of a map that names a source object. Two entries that name it by different names (vmlift's
     * and Forklift's) are as ambiguous as two with the same name, which loading already refuses: Critical.
     */
    private static <P> P single(List<P> matches, String vm, String what, String mapKind, String mapName,
            List<Concern> concerns) {
        if (matches.size() > 1) {
            concerns.add(Concern.critical("Source" + mapKind + "NotValid", vm, what + " is named by " + matches.size()
                    + " entries of " + mapKind + "Map '" + mapName + "'", "keep one entry for it"));
        }
        return matches.isEmpty() ? null : matches.get(0);
    }

    private static List<ResolvedPlan.TargetDisk> disks(Vm vm, String targetName, StorageMap map,
            Inventory inventory, List<Concern> concerns, SourceProvider source, String planName) {
        List<ResolvedPlan.TargetDisk> disks = new ArrayList<>();
        for (int i = 0; i < vm.disks().size(); i++) {
            Disk disk = vm.disks().get(i);
            Storage storage = inventory.storage(disk.storageId())
                    .orElse(new Storage(disk.storageId(), disk.storageId(), 0, 0));
            String storageName = storage.name();
            StorageMap.Destination destination = single(map.pairs().stream()
                    .filter(pair -> storage.namedBy(pair.source()) || namesDiskStorage(pair.source(), disk))
                    .map(StorageMap.Pair::destination)
                    .toList(), vm.name(), "Storage '" + storageName + "' of disk " + disk.name(), "Storage",
                    map.name(), concerns);
            if (destination == null) {
                concerns.add(Concern.critical("VMStorageNotMapped", vm.name(), "Storage '" + storageName
                        + "' of disk " + disk.name() + " is not in StorageMap '" + map.name() + "'",
                        "add it to the map with a storage class"));
            }
            if (disk.capacityBytes() <= 0) {
                concerns.add(Concern.critical("InvalidDiskSizes", vm.name(), "Disk " + disk.name()
                        + " has no valid capacity", "fix the source disk's size"));
            }
            disks.add(new ResolvedPlan.TargetDisk(disk, i, TargetNames.withSuffix(targetName, "disk-" + i), destination,
                    source.transfer(vm, disk, planName)));
        }
        return disks;
    }
}
