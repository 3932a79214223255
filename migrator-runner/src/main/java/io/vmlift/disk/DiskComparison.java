package io.vmlift.disk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Compares the virtual contents of two images, reading only where either has data. */
public final class DiskComparison {
    private static final int CHUNK = 1 << 20;

    private DiskComparison() {}

    /**
     * Null when the contents are equal, else where they first differ. The shorter image reads as zeros past
     * its end: a target may be larger than its source (a declared capacity above the image's, sector rounding).
     */
    public static String firstDifference(DiskImage expected, DiskImage actual) throws IOException {
        List<Extent> runs = new ArrayList<>(expected.extents());
        runs.addAll(actual.extents());
        runs.sort((a, b) -> Long.compare(a.offset(), b.offset()));
        byte[] left = new byte[CHUNK];
        byte[] right = new byte[CHUNK];
        long covered = 0;
        for (Extent run : runs) {
            for (long at = Math.max(covered, run.offset()); at < run.end(); at += CHUNK) {
                int n = (int) Math.min(CHUNK, run.end() - at);
                readZeroExtended(expected, at, left, n);
                readZeroExtended(actual, at, right, n);
                int mismatch = Arrays.mismatch(left, 0, n, right, 0, n);
                if (mismatch >= 0) {
                    return "contents differ at byte " + (at + mismatch);
                }
            }
            covered = Math.max(covered, run.end());
        }
        return null;
    }

    private static void readZeroExtended(DiskImage image, long at, byte[] into, int n) throws IOException {
        int stored = (int) Math.max(0, Math.min(n, image.virtualSize() - at));
        Arrays.fill(into, stored, n, (byte) 0);
        if (stored > 0) {
            image.read(at, ByteBuffer.wrap(into, 0, stored));
        }
    }
}
