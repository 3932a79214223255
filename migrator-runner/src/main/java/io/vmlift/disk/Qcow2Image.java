package io.vmlift.disk;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * A qcow2 image (version 2 or 3) without a backing file: standard, zero and deflate-compressed clusters.
 * oVirt keeps "cow" disks in this format, and the test stage reads vmlift's own qcow2 output back with it.
 */
public final class Qcow2Image implements DiskImage {
    private static final long OFFSET_MASK = 0x00fffffffffffe00L;
    private static final long COMPRESSED = 1L << 62;
    private static final long ZERO_FLAG = 1L;
    private static final long KNOWN_INCOMPATIBLE = 0b11; // dirty, corrupt

    private final ByteSource source;
    private final long virtualSize;
    private final int clusterBits;
    private final int clusterSize;
    private final long[][] l2Tables; // per L1 entry, its L2 entries, or null when unallocated
    private final ThreadLocal<Inflater> inflaters = ThreadLocal.withInitial(() -> new Inflater(true));

    public Qcow2Image(ByteSource source) throws IOException {
        this.source = source;
        ByteBuffer header = ByteBuffer.allocate(104);
        try {
            source.readFully(0, header.limit((int) Math.min(104, source.size())));
        } catch (EOFException e) {
            throw corrupt("truncated: the file ends inside its header");
        }
        header.clear();
        if (header.getInt(0) != Qcow2Writer.MAGIC) {
            throw corrupt("bad magic: this is not a qcow2 image");
        }
        int version = header.getInt(4);
        if (version != 2 && version != 3) {
            throw corrupt("qcow2 version " + version + " is not supported (2 and 3 are)");
        }
        if (header.getLong(8) != 0) {
            throw corrupt("the image has a backing file; flatten it first (qemu-img convert -O qcow2)");
        }
        this.clusterBits = header.getInt(20);
        if (clusterBits < 9 || clusterBits > 21) {
            throw corrupt("cluster size 2^" + clusterBits + " is invalid");
        }
        this.clusterSize = 1 << clusterBits;
        this.virtualSize = virtualSize(header);
        if (virtualSize < 0) {
            throw corrupt("its virtual size of " + header.getLong(24) + " bytes is outside 0.."
                    + (MAX_VIRTUAL_SIZE >> 40) + " TiB: the header is damaged");
        }
        if (header.getInt(32) != 0) {
            throw corrupt("the image is encrypted; decrypt it first");
        }
        if (version == 3 && (header.getLong(72) & ~KNOWN_INCOMPATIBLE) != 0) {
            throw corrupt("the image uses qcow2 features vmlift cannot read (incompatible bits "
                    + Long.toBinaryString(header.getLong(72)) + "); convert it with qemu-img first");
        }
        int l1Size = header.getInt(36);
        long l1Offset = header.getLong(40);
        long entriesPerL2 = clusterSize / 8;
        long needed = (virtualSize + ((long) clusterSize * entriesPerL2) - 1) / ((long) clusterSize * entriesPerL2);
        if (l1Size < needed || l1Offset <= 0 || l1Offset > source.size() || 8L * l1Size > source.size() - l1Offset) {
            throw corrupt("the L1 table (" + l1Size + " entries at byte " + l1Offset + ") does not fit the image: "
                    + "it is truncated or corrupt");
        }
        ByteBuffer l1 = ByteBuffer.allocate(8 * l1Size);
        source.readFully(l1Offset, l1);
        this.l2Tables = new long[l1Size][];
        ByteBuffer l2 = ByteBuffer.allocate(clusterSize);
        for (int i = 0; i < l1Size; i++) {
            long l2Offset = l1.getLong(8 * i) & OFFSET_MASK;
            if (l2Offset == 0) {
                continue;
            }
            if (l2Offset + clusterSize > source.size()) {
                throw corrupt("L2 table " + i + " at byte " + l2Offset + " lies past the end of the file: it is truncated");
            }
            l2.clear();
            source.readFully(l2Offset, l2);
            long[] entries = new long[(int) entriesPerL2];
            l2.flip().asLongBuffer().get(entries);
            // An all-zero table adds nothing; keeping none keeps memory with the allocated part of the disk.
            l2Tables[i] = Arrays.stream(entries).anyMatch(e -> e != 0) ? entries : null;
        }
    }

    /** True when the first bytes are the qcow2 magic. */
    public static boolean matches(ByteBuffer start) {
        return start.remaining() >= 4 && start.getInt(0) == Qcow2Writer.MAGIC;
    }

    private long entry(long cluster) {
        int entriesPerL2 = clusterSize / 8;
        long[] table = l2Tables[(int) (cluster / entriesPerL2)];
        return table == null ? 0 : table[(int) (cluster % entriesPerL2)];
    }

    private boolean allocated(long entry) {
        if ((entry & COMPRESSED) != 0) {
            return true;
        }
        return (entry & ZERO_FLAG) == 0 && (entry & OFFSET_MASK) != 0;
    }

    @Override
    public String format() {
        return "qcow2";
    }

    @Override
    public long virtualSize() {
        return virtualSize;
    }

    @Override
    public List<Extent> extents() {
        return Extent.ofBlocks(virtualSize, clusterSize, cluster -> allocated(entry(cluster)));
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        long at = offset;
        byte[] cluster = null;
        while (dst.hasRemaining()) {
            if (at >= virtualSize) {
                throw new EOFException(source.name() + ": read past the virtual size at byte " + at);
            }
            long index = at / clusterSize;
            int within = (int) (at % clusterSize);
            int n = (int) Math.min(Math.min(clusterSize - within, dst.remaining()), virtualSize - at);
            long entry = entry(index);
            if (!allocated(entry)) {
                Zeros.fill(dst, n);
            } else if ((entry & COMPRESSED) != 0) {
                if (cluster == null) {
                    cluster = new byte[clusterSize];
                }
                inflateCluster(index, entry, cluster);
                dst.put(cluster, within, n);
            } else {
                long host = entry & OFFSET_MASK;
                ByteBuffer window = dst.slice();
                window.limit(n);
                try {
                    source.readFully(host + within, window);
                } catch (EOFException e) {
                    throw corrupt("cluster " + index + " at byte " + host + " lies past the end of the file: it is truncated");
                }
                dst.position(dst.position() + n);
            }
            at += n;
        }
    }

    private void inflateCluster(long index, long entry, byte[] out) throws IOException {
        int offsetBits = 62 - (clusterBits - 8);
        long host = entry & ((1L << offsetBits) - 1);
        long sectors = ((entry & ~COMPRESSED) >>> offsetBits) + 1;
        int length = (int) Math.min(sectors * 512 - (host & 511), source.size() - host);
        byte[] compressed = new byte[Math.max(0, length)];
        source.readFully(host, ByteBuffer.wrap(compressed));
        Inflater inflater = inflaters.get();
        inflater.reset();
        inflater.setInput(compressed);
        try {
            int produced = 0;
            while (produced < out.length && !inflater.finished()) {
                int n = inflater.inflate(out, produced, out.length - produced);
                if (n == 0 && inflater.needsInput()) {
                    break;
                }
                produced += n;
            }
            if (produced < Math.min(out.length, virtualSize - index * clusterSize)) {
                throw corrupt("compressed cluster " + index + " inflates to " + produced + " bytes: bad deflate stream");
            }
        } catch (DataFormatException e) {
            throw corrupt("compressed cluster " + index + " is not a valid deflate stream (" + e.getMessage() + ")");
        }
    }

    /**
     * The virtual size a qcow2 header declares (the buffer holds the file from byte 0), or -1 when no disk can be
     * that large.
     */
    static long virtualSize(ByteBuffer header) {
        long size = header.getLong(24);
        return size < 0 || size > MAX_VIRTUAL_SIZE ? -1 : size;
    }

    private CorruptImageException corrupt(String what) {
        return new CorruptImageException(source.name() + ": " + what);
    }

    @Override
    public void close() throws IOException {
        source.close();
    }
}
