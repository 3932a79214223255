package io.vmlift.plan;

import io.vmlift.spi.PowerState;
import io.vmlift.ExitCode;
import io.vmlift.model.Located;
import io.vmlift.model.NetworkMap;
import io.vmlift.model.Plan;
import io.vmlift.model.StorageMap;
import io.vmlift.spi.Disk;
import io.vmlift.spi.Inventory;
import io.vmlift.spi.Nic;
import io.vmlift.spi.Vm;
import io.vmlift.spi.Concern;
import io.vmlift.spi.DiskSource;
import java.util.List;

/** A Plan with every VM, NIC and disk matched to the source inventory and the maps, plus its concerns. */
public record ResolvedPlan(Located<Plan> plan, Inventory inventory, List<TargetVm> vms, List<Concern> concerns) {

    /** A VM as it will be on the target. */
    /**
     * @param convertGuest the guest is converted with virt-v2v after the copy (and gets virtio devices)
     */
    public record TargetVm(Plan.Vm entry, Vm source, String name, PowerState powerState, boolean deleteOnFailure,
            List<TargetNic> nics, List<TargetDisk> disks, boolean convertGuest) {
        public TargetVm(Plan.Vm entry, Vm source, String name, PowerState powerState, boolean deleteOnFailure,
                List<TargetNic> nics, List<TargetDisk> disks) {
            this(entry, source, name, powerState, deleteOnFailure, nics, disks, false);
        }
    }

    /** destination is null when the NetworkMap does not cover the NIC's network. */
    public record TargetNic(Nic source, NetworkMap.Destination destination) {
        public boolean ignored() {
            return destination != null && NetworkMap.Destination.IGNORED.equals(destination.type());
        }
    }

    /** destination is null when the StorageMap does not cover the disk's storage. */
    /**
     * @param transfer how the bytes reach the DataVolume: vmlift uploads them, or CDI reads the source itself
     */
    public record TargetDisk(Disk source, int index, String dataVolumeName, StorageMap.Destination destination,
            DiskSource transfer) {
        public TargetDisk(Disk source, int index, String dataVolumeName, StorageMap.Destination destination) {
            this(source, index, dataVolumeName, destination, new DiskSource.Upload());
        }

        /** True when vmlift itself moves the bytes (an upload, or an image file). */
        public boolean copiedByVmlift() {
            return transfer instanceof DiskSource.Upload;
        }
    }

    public Plan document() {
        return plan.document();
    }

    public String name() {
        return plan.document().name();
    }

    public String targetNamespace() {
        return plan.document().spec().targetNamespace();
    }

    /** The same plan with more concerns (those only the destination can tell). */
    public ResolvedPlan withConcerns(List<Concern> more) {
        List<Concern> all = new java.util.ArrayList<>(concerns);
        all.addAll(more);
        return new ResolvedPlan(plan, inventory, vms, List.copyOf(all));
    }

    /** A warm migration: precopies from snapshots of the running VM, then a cutover. */
    public boolean warm() {
        return "warm".equals(plan.document().migrationType());
    }

    public boolean blocked() {
        return concerns.stream().anyMatch(Concern::blocks);
    }

    /**
     * Why a blocked plan stops: BAD_INPUT when the Plan document itself is wrong (it names a VM the source does
     * not have, twice, ambiguously, or under an invalid name), which only editing the plan fixes; else BLOCKED.
     */
    public ExitCode blockedExitCode() {
        boolean documentError = concerns.stream().filter(Concern::blocks)
                .anyMatch(c -> PlanResolver.PLAN_DOCUMENT_ERRORS.contains(c.id()));
        return documentError ? ExitCode.BAD_INPUT : ExitCode.BLOCKED;
    }
}
