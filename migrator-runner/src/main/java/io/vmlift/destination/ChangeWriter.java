package io.vmlift.destination;

import io.vmlift.disk.DiskImage;
import io.vmlift.disk.Extent;
import io.vmlift.plan.ResolvedPlan;
import java.io.IOException;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * A target whose disk images vmlift can patch in place with the areas that changed since a precopy (warm
 * migration by changed block tracking, vmlift copying).
 */
public interface ChangeWriter {
    /** Writes the changed areas of the source image over the disk's precopied image; reports bytes written. */
    void applyChanges(ResolvedPlan plan, ResolvedPlan.TargetVm vm, ResolvedPlan.TargetDisk disk, DiskImage image,
            List<Extent> changed, LongConsumer progress) throws IOException;
}
