package io.vmlift.disk;

import java.nio.ByteBuffer;
import java.util.Arrays;

/** Zero detection and filling on heap buffers, vectorized by the JDK's Arrays.mismatch. */
final class Zeros {
    private static final byte[] ZERO = new byte[1 << 20];

    private Zeros() {}

    static boolean isZero(byte[] data, int from, int to) {
        int at = from;
        while (at < to) {
            int n = Math.min(ZERO.length, to - at);
            if (Arrays.mismatch(data, at, at + n, ZERO, 0, n) != -1) {
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
