package io.vmlift.destination;

import io.vmlift.conversion.ConversionReport;
import io.vmlift.plan.ResolvedPlan;
import java.io.IOException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Where a migrated guest's disks can be converted with virt-v2v once copied: a folder's images on this machine.
 * A conversion that fails leaves the disks as they were, and says virt-v2v's reason.
 */
public interface GuestConverter {
    ConversionReport convert(ResolvedPlan plan, ResolvedPlan.TargetVm vm, Consumer<String> progress,
            BooleanSupplier cancelled) throws IOException, InterruptedException;
}
