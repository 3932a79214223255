package io.vmlift.engine;

import io.vmlift.spi.PowerState;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.util.StdConverter;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The state record of a plan's migration, written after every step (status.json). A rerun reads it to
 * finish what is missing and skip what is done. During a run only the engine's writer thread (StateWriter)
 * changes and saves it; VM threads send it their changes. The lists are copy-on-write and written as a copy,
 * so that a reader elsewhere in the process (a progress printer) never sees one half-changed.
 */
public final class MigrationState {
    public String plan;
    public String target;
    public PlanPhase phase = PlanPhase.Pending;
    public String started;
    public String completed;
    @JsonDeserialize(as = CopyOnWriteArrayList.class)
    @JsonSerialize(converter = Snapshot.class)
    public List<VmState> vms = new CopyOnWriteArrayList<>();

    public static final class VmState {
        public String id;
        public String name;
        public String targetName;
        public Phase phase = Phase.Pending;
        /** The source power state before vmlift touched it; restored when the migration fails. */
        public PowerState restorePowerState;
        /** True from the moment vmlift powers the source off until it powers it back on after a failure. */
        public boolean poweredOffByVmlift;
        public String started;
        public String completed;
        @JsonDeserialize(as = CopyOnWriteArrayList.class)
        @JsonSerialize(converter = Snapshot.class)
        public List<DiskState> disks = new CopyOnWriteArrayList<>();
        /** Warm: the snapshots the DataVolumes' checkpoints name, oldest first. */
        @JsonDeserialize(as = CopyOnWriteArrayList.class)
        @JsonSerialize(converter = Snapshot.class)
        public List<String> checkpoints = new CopyOnWriteArrayList<>();
        /** Warm: vmlift's snapshots still at the source; removed as the migration goes and after a failure. */
        @JsonDeserialize(as = CopyOnWriteArrayList.class)
        @JsonSerialize(converter = Snapshot.class)
        public List<String> snapshots = new CopyOnWriteArrayList<>();
        public Error error;
        /** The guest conversion of this run, once it succeeded; null when none ran (or the disks were copied again). */
        public Conversion conversion;
        /** What the last `vmlift rollback` did for this VM, and what it could not do. */
        public Rollback rollback;

        /** The target no longer holds this VM's disks (removed after a failure, or rolled back): copy afresh. */
        void forgetDisks() {
            disks.forEach(d -> {
                d.completed = false;
                d.digest = null;
                d.copiedBytes = 0;
            });
            conversion = null;
        }
    }

    /** What virt-v2v did to the guest: its warnings and notes, in its words. */
    public record Conversion(String tool, long seconds, List<String> warnings, List<String> notes,
            boolean virtioDrivers) {}

    /**
     * @param at when the rollback ran
     * @param targetKept --keep-target: the VirtualMachine was halted and its disks kept, not removed
     * @param done one line per thing undone
     * @param notDone one line per thing that could not be undone (a rerun tries it again)
     */
    public record Rollback(String at, boolean targetKept, List<String> done, List<String> notDone) {}

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

    /** Writes a list as it is at one moment (a copy-on-write list copies atomically), never index by index. */
    static final class Snapshot extends StdConverter<List<?>, List<?>> {
        @Override
        public List<?> convert(List<?> list) {
            return List.copyOf(list);
        }
    }

    public VmState vm(String id) {
        return vms.stream().filter(v -> v.id.equals(id)).findFirst().orElse(null);
    }

    public boolean succeeded() {
        return vms.stream().allMatch(v -> v.phase == Phase.Completed);
    }
}
