package io.vmlift.disk;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongPredicate;

/** A run of a virtual disk that holds data: [offset, offset + length). Everything else reads as zeros. */
public record Extent(long offset, long length) {
    public long end() {
        return offset + length;
    }

    /**
     * The extents of a disk mapped in fixed-size blocks (grains, clusters): runs of allocated blocks, the last
     * one cut at the virtual size.
     */
    public static List<Extent> ofBlocks(long virtualSize, int blockSize, LongPredicate allocated) {
        List<Extent> extents = new ArrayList<>();
        long blocks = (virtualSize + blockSize - 1) / blockSize;
        long start = -1;
        for (long block = 0; block <= blocks; block++) {
            boolean data = block < blocks && allocated.test(block);
            if (data && start < 0) {
                start = block * blockSize;
            } else if (!data && start >= 0) {
                extents.add(new Extent(start, Math.min(block * blockSize, virtualSize) - start));
                start = -1;
            }
        }
        return extents;
    }
}
