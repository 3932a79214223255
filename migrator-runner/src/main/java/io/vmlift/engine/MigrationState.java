package io.vmlift.engine;

import java.util.ArrayList;
import java.util.List;

/**
 * The state record of a plan's migration, written after every step (status.json). A rerun reads it to
 * finish what is missing and skip what is done. Mutable on purpose: each VM's thread updates only its own
 * entry, and StateStore serializes the saves.
 */
public final class MigrationState {
    public String plan;
    public String target;
    public String phase = "Pending";
    public String started;
    public String completed;
    public List<VmState> vms = new ArrayList<>();

    public static final class VmState {
        public String id;
        public String name;
        public String targetName;
        public Phase phase = Phase.Pending;
        /** The source power state before vmlift touched it; restored when the migration fails. */
        public String restorePowerState;
        /** True from the moment vmlift powers the source off until it powers it back on after a failure. */
        public boolean poweredOffByVmlift;
        public String started;
        public String completed;
        public List<DiskState> disks = new ArrayList<>();
        /** Warm: the snapshots the DataVolumes' checkpoints name, oldest first. */
        public List<String> checkpoints = new ArrayList<>();
        /** Warm: vmlift's snapshots still at the source; removed as the migration goes and after a failure. */
        public List<String> snapshots = new ArrayList<>();
        public Error error;
    }

    public static final class DiskState {
        public String name;
        public String dataVolume;
        public long capacityBytes;
        public long allocatedBytes;
        public long copiedBytes;
        public boolean completed;
        /** The target's digest of the disk when it completed (folder: CRC-32C and size), checked on rerun. */
        public String digest;
        /** Warm, copied by vmlift: the disk's CBT change id at the precopy's snapshot. */
        public String changeId;
    }

    /**
     * Forklift's VM error shape (the phase it failed in and the reasons), plus whether the cause was bad input
     * (a corrupt or missing source image), which the CLI reports with exit code 2 instead of 5.
     */
    public record Error(String phase, List<String> reasons, boolean badInput) {}

    public VmState vm(String id) {
        return vms.stream().filter(v -> v.id.equals(id)).findFirst().orElse(null);
    }

    public boolean succeeded() {
        return vms.stream().allMatch(v -> v.phase == Phase.Completed);
    }
}
