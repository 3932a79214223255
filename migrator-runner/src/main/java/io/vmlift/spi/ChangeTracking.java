package io.vmlift.spi;

import io.vmlift.disk.Extent;
import io.vmlift.spi.Disk;
import io.vmlift.spi.Vm;
import java.io.IOException;
import java.util.List;

/**
 * Changed block tracking, for a warm migration vmlift copies itself: one precopy of each disk frozen by a
 * snapshot, then, at the cutover, only the areas that changed since.
 */
public interface ChangeTracking {
    /** The disk's change id as of the snapshot: where the cutover's changes are counted from. */
    String changeId(Vm vm, String snapshot, Disk disk) throws IOException;

    /** The areas of a powered-off VM's disk that changed since changeId, sorted and merged. */
    List<Extent> changedSince(Vm vm, Disk disk, String changeId) throws IOException;
}
