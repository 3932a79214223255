package io.vmlift.source.vsphere;

import io.vmlift.disk.Extent;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The delta logic of QueryChangedDiskAreas: vSphere answers for a window of the disk at a time (DiskChangeInfo:
 * startOffset, length, changedArea[]), so vmlift asks again from where each window ended until the whole
 * capacity is covered, checks every area lies in its window and on the disk, and merges what overlaps or touches.
 */
final class ChangedAreas {
    /** One answer: the window it covers and the changed areas in it (absolute offsets). */
    record Window(long startOffset, long length, List<Extent> areas) {}

    @FunctionalInterface
    interface Query {
        Window from(long offset) throws IOException;
    }

    private ChangedAreas() {}

    /** @param what names the disk in errors */
    static List<Extent> collect(Query query, long capacity, String what) throws IOException {
        List<Extent> areas = new ArrayList<>();
        long offset = 0;
        while (offset < capacity) {
            Window window = query.from(offset);
            if (window.startOffset() != offset || window.length() <= 0) {
                throw new IOException(what + ": the changed-area query from byte " + offset + " answered a window"
                        + " at " + window.startOffset() + " of " + window.length() + " bytes; CBT data is unusable,"
                        + " reset CBT (off and on with the VM off) and migrate cold");
            }
            long end = window.startOffset() + window.length();
            for (Extent area : window.areas()) {
                if (area.offset() < window.startOffset() || area.end() > end || area.end() > capacity
                        || area.length() <= 0) {
                    throw new IOException(what + ": changed area " + area.offset() + "+" + area.length()
                            + " lies outside its window " + window.startOffset() + "+" + window.length()
                            + " or the disk's " + capacity + " bytes");
                }
                areas.add(area);
            }
            offset = end;
        }
        return merge(areas);
    }

    static List<Extent> merge(List<Extent> areas) {
        List<Extent> sorted = new ArrayList<>(areas);
        sorted.sort(Comparator.comparingLong(Extent::offset));
        List<Extent> merged = new ArrayList<>();
        for (Extent area : sorted) {
            Extent last = merged.isEmpty() ? null : merged.get(merged.size() - 1);
            if (last != null && area.offset() <= last.end()) {
                merged.set(merged.size() - 1, new Extent(last.offset(),
                        Math.max(last.end(), area.end()) - last.offset()));
            } else {
                merged.add(area);
            }
        }
        return merged;
    }
}
