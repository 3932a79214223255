package io.vmlift.disk;

import java.nio.ByteBuffer;

/** Zero detection (vectorized by the JDK's ByteBuffer.mismatch) and zero filling. */
final class Zeros {
    private static final byte[] ZERO = new byte[1 << 20];
    private static final ByteBuffer ZERO_BUFFER = ByteBuffer.allocateDirect(ZERO.length).asReadOnlyBuffer();

    private Zeros() {}

    /** True when data[from, to) is all zero; by absolute positions, the buffer's position is untouched. */
    static boolean isZero(ByteBuffer data, int from, int to) {
        int at = from;
        while (at < to) {
            int n = Math.min(ZERO.length, to - at);
            if (data.slice(at, n).mismatch(ZERO_BUFFER.slice(0, n)) != -1) {
                return false;
            }
            at += n;
        }
        return true;
    }

    static void fill(ByteBuffer dst, int count) {
        int left = count;
        while (left > 0) {
            int n = Math.min(left, ZERO.length);
            dst.put(ZERO, 0, n);
            left -= n;
        }
    }
}
