package io.vmlift.disk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * An image file's digest as a state record keeps it: CRC-32C and size ("crc32c:1a2b3c4d:1073741824"). Hardware-fast,
 * and enough to see a deleted, cut or altered file. {@link #read} reads a file for it; {@link Writes} works it out
 * from the writes that made a file, so that a fresh copy need not read the image back.
 */
public final class FileDigest {
    /** CRC-32C (Castagnoli), reflected, as java.util.zip.CRC32C computes it. */
    private static final int POLYNOMIAL = 0x82F63B78;
    /** X_TO_2_TO_THE[k] is x^(2^k) modulo the polynomial; 8 times a long's largest value needs k up to 65. */
    private static final int[] X_TO_2_TO_THE = new int[66];

    static {
        int power = 1 << 30; // x^1, reflected
        for (int k = 0; k < X_TO_2_TO_THE.length; k++) {
            X_TO_2_TO_THE[k] = power;
            power = multiply(power, power);
        }
    }

    private FileDigest() {}

    /** Reads the whole file. */
    public static String read(Path file) throws IOException {
        CRC32C crc = new CRC32C();
        long size = 0;
        try (FileChannel channel = FileChannel.open(file)) {
            ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20);
            for (int n; (n = channel.read(buffer.clear())) >= 0; ) {
                crc.update(buffer.flip());
                size += n;
            }
        }
        return format((int) crc.getValue(), size);
    }

    private static String format(int crc, long size) {
        return String.format("crc32c:%08x:%d", crc, size);
    }

    /**
     * The CRC-32C of A followed by B, from the CRC-32Cs of both and B's length: A's CRC moved on by B's length
     * in zero bytes (a product with x^(8 * length) modulo the polynomial, as zlib's crc32_combine does), plus B's.
     */
    static int combine(int crcA, int crcB, long lengthB) {
        return multiply(xToThe8Times(lengthB), crcA) ^ crcB;
    }

    /**
     * The CRC-32C of the bytes behind crc followed by length zero bytes, without a pass over them: the register
     * (the CRC before its final inversion) moved on by length zero bytes.
     */
    static int withZeros(int crc, long length) {
        return ~multiply(xToThe8Times(length), ~crc);
    }

    /** a(x) * b(x) modulo the polynomial, both reflected. */
    private static int multiply(int a, int b) {
        int product = 0;
        for (int bit = 1 << 31; bit != 0 && a != 0; bit >>>= 1) {
            if ((a & bit) != 0) {
                product ^= b;
                a ^= bit;
            }
            b = (b & 1) != 0 ? (b >>> 1) ^ POLYNOMIAL : b >>> 1;
        }
        return product;
    }

    /** x^(8 * bytes) modulo the polynomial. */
    private static int xToThe8Times(long bytes) {
        int power = 1 << 31; // x^0, reflected
        for (int k = 3; bytes != 0; bytes >>>= 1, k++) {
            if ((bytes & 1) != 0) {
                power = multiply(X_TO_2_TO_THE[k], power);
            }
        }
        return power;
    }

    /**
     * The writes that made a file, each as offset, length and CRC-32C; what no write covered reads as zeros. Safe
     * from several threads. Unknown once a write covers bytes another one did, or once told that the file holds
     * bytes from elsewhere (a resumed copy): then the file must be read.
     */
    static final class Writes {
        /**
         * Pieces kept at most (a few MiB): a copy of a finely fragmented disk writes more of them than are worth
         * keeping in memory beside other copies, and its file is read back instead.
         */
        static final int MOST_PIECES = 1 << 16;

        private record Piece(long offset, long length, int crc) {}

        private final List<Piece> pieces = new ArrayList<>();
        /** Volatile: a copy whose digest is already unknown (a resumed one) skips the CRC of every write. */
        private volatile boolean unknown;

        /** Takes note of data's remaining bytes, about to be written at offset; data is not moved. */
        void add(long offset, ByteBuffer data) {
            if (unknown) {
                return;
            }
            CRC32C crc = new CRC32C();
            crc.update(data.duplicate());
            Piece piece = new Piece(offset, data.remaining(), (int) crc.getValue());
            synchronized (this) {
                if (unknown) {
                    return;
                }
                // Most writes follow the one before in the file: one piece for both keeps the list short.
                int last = pieces.size() - 1;
                Piece before = last < 0 ? null : pieces.get(last);
                if (before != null && before.offset() + before.length() == offset) {
                    pieces.set(last, new Piece(before.offset(), before.length() + piece.length(),
                            combine(before.crc(), piece.crc(), piece.length())));
                } else if (pieces.size() < MOST_PIECES) {
                    pieces.add(piece);
                } else {
                    forget();
                }
            }
        }

        /** The file was emptied: what was noted is gone. */
        synchronized void restart() {
            pieces.clear();
            unknown = false;
        }

        /** The file holds bytes these writes did not put there. */
        synchronized void forget() {
            pieces.clear();
            unknown = true;
        }

        /** The file's digest if it is size bytes long now, or null if the writes do not tell it. */
        synchronized String digest(long size) {
            if (unknown) {
                return null;
            }
            List<Piece> inOrder = new ArrayList<>(pieces);
            inOrder.sort(Comparator.comparingLong(Piece::offset));
            int crc = 0;
            long at = 0;
            for (Piece piece : inOrder) {
                if (piece.offset() < at || piece.offset() + piece.length() > size) {
                    return null; // written twice, or cut off since
                }
                crc = combine(withZeros(crc, piece.offset() - at), piece.crc(), piece.length());
                at = piece.offset() + piece.length();
            }
            return format(withZeros(crc, size - at), size);
        }
    }
}
