package io.vmlift.cli;

import io.vmlift.disk.DiskCopier;
import io.vmlift.disk.DiskImage;
import io.vmlift.engine.Itinerary;
import io.vmlift.engine.Phase;
import io.vmlift.plan.ResolvedPlan;
import io.vmlift.source.SourceDisk;
import io.vmlift.source.SourceProvider;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * What `migrate --dry-run` shows: each VM's itinerary, the bytes to copy (allocated, from the source's extents,
 * where vmlift copies; the capacity where CDI copies, which vmlift cannot see into), and a time estimate from a
 * throughput. Reads the source only; changes nothing, at the source or the target.
 *
 * @param throughputMiBs the aggregate copy rate the estimate assumes, MiB/s
 */
record DryRun(String plan, double throughputMiBs, List<VmRun> vms, long bytes, long seconds) {

    record VmRun(String vm, String target, Itinerary itinerary, List<Phase> steps, List<DiskRun> disks, long bytes,
            long seconds) {}

    /** @param exact true when the bytes are the allocated data; false when only the capacity is known */
    record DiskRun(String dataVolume, String copiedBy, long bytes, boolean exact) {}

    static DryRun of(ResolvedPlan plan, SourceProvider source, double throughputMiBs) throws IOException {
        List<VmRun> vms = new ArrayList<>();
        long total = 0;
        for (ResolvedPlan.TargetVm vm : plan.vms()) {
            List<SourceDisk> sourceDisks = source.disks(vm.source());
            List<DiskRun> disks = new ArrayList<>();
            long vmBytes = 0;
            for (ResolvedPlan.TargetDisk disk : vm.disks()) {
                DiskRun run;
                if (disk.copiedByVmlift()) {
                    try (DiskImage image = sourceDisks.get(disk.index()).open()) {
                        run = new DiskRun(disk.dataVolumeName(), "vmlift", DiskCopier.plannedBytes(image), true);
                    }
                } else {
                    run = new DiskRun(disk.dataVolumeName(), "CDI", disk.source().capacityBytes(), false);
                }
                disks.add(run);
                vmBytes += Math.max(0, run.bytes());
            }
            Itinerary itinerary = Itinerary.of(plan, vm);
            vms.add(new VmRun(vm.source().name(), vm.name(), itinerary, itinerary.phases(), disks, vmBytes,
                    seconds(vmBytes, throughputMiBs)));
            total += vmBytes;
        }
        return new DryRun(plan.name(), throughputMiBs, vms, total, seconds(total, throughputMiBs));
    }

    private static long seconds(long bytes, double throughputMiBs) {
        return (long) Math.ceil(bytes / (throughputMiBs * (1 << 20)));
    }

    void print(PrintWriter out) {
        Table table = new Table("VM", "TARGET", "ITINERARY", "DISKS", "TO COPY", "ESTIMATE");
        for (VmRun vm : vms) {
            table.row(vm.vm(), vm.target(), vm.itinerary(), vm.disks().size(),
                    Sizes.human(vm.bytes()) + (vm.disks().stream().allMatch(DiskRun::exact) ? "" : " (at most)"),
                    vm.seconds() + " s");
        }
        table.print(out);
        out.println("plan " + plan + ": " + Sizes.human(bytes) + " to copy, about " + seconds + " s at "
                + throughputMiBs + " MiB/s (--throughput); nothing was changed (dry run)");
        out.flush();
    }
}
