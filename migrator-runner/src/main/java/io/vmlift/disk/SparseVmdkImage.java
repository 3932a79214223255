package io.vmlift.disk;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * A hosted sparse VMDK extent: monolithicSparse (plain grains) and streamOptimized (deflate grains with markers,
 * grain directory in the footer). Layout per VMware's "Virtual Disk Format 5.0" specification.
 */
public final class SparseVmdkImage implements DiskImage {
    static final int MAGIC = 0x564d444b; // "KDMV" read little-endian
    private static final int SECTOR = 512;
    private static final long GD_AT_END = -1L;
    private static final int FLAG_ZEROED_GRAIN_GTE = 1 << 2;
    private static final int FLAG_COMPRESSED = 1 << 16;
    private static final int MARKER_HEADER = 12; // lba (8) + size (4)

    private final ByteSource source;
    private final long virtualSize;
    private final int grainBytes;
    private final boolean compressed;
    /**
     * Per grain table, its entries as stored (unsigned sectors), or null when the table is absent or all zero:
     * memory follows the allocated part of the disk, not its virtual size.
     */
    private final int[][] grainTables;
    private final int entriesPerTable;
    private final long grainCount;
    private final boolean zeroedGrainEntries;
    private final ThreadLocal<Inflater> inflaters = ThreadLocal.withInitial(Inflater::new);
    private final ThreadLocal<ByteBuffer> compressedBuffers; // direct: file to inflater without a heap copy
    private final ThreadLocal<ByteBuffer> grainBuffers;

    public SparseVmdkImage(ByteSource source) throws IOException {
        this.source = source;
        ByteBuffer header = readHeader(0);
        int flags = header.getInt(8);
        long capacitySectors = header.getLong(12);
        long grainSectorsCount = header.getLong(20);
        int entriesPerTable = header.getInt(44);
        long gdOffset = header.getLong(56);
        requireNoParent(header.getLong(28), header.getLong(36));
        this.compressed = (flags & FLAG_COMPRESSED) != 0 && header.getShort(77) != 0;
        if (gdOffset == GD_AT_END) {
            // streamOptimized: the real header (with the directory offset) is the footer, 1024 bytes from the end.
            if (source.size() < 3 * SECTOR) {
                throw corrupt("too short to hold the footer that a streamOptimized VMDK ends with");
            }
            ByteBuffer footer = readHeader(source.size() - 2L * SECTOR);
            gdOffset = footer.getLong(56);
            entriesPerTable = footer.getInt(44);
        }
        // Real grains are 64 KiB (128 sectors); allow up to 2 MiB, beyond that a header is damaged or hostile.
        if (grainSectorsCount < 8 || grainSectorsCount > 4096 || Long.bitCount(grainSectorsCount) != 1) {
            throw corrupt("grain size of " + grainSectorsCount + " sectors is invalid");
        }
        if (entriesPerTable <= 0 || entriesPerTable > 1 << 16) {
            throw corrupt("grain table size of " + entriesPerTable + " entries is invalid");
        }
        this.virtualSize = capacityBytes(header);
        if (virtualSize < 0) {
            throw corrupt("capacity of " + capacitySectors + " sectors is invalid");
        }
        this.grainBytes = (int) (grainSectorsCount * SECTOR);
        this.entriesPerTable = entriesPerTable;
        this.grainCount = (virtualSize + grainBytes - 1) / grainBytes;
        this.zeroedGrainEntries = (flags & FLAG_ZEROED_GRAIN_GTE) != 0;
        this.grainTables = readGrainTables(gdOffset);
        int maxCompressed = grainBytes + grainBytes / 8 + 1024;
        this.compressedBuffers = ThreadLocal.withInitial(
                () -> ByteBuffer.allocateDirect(MARKER_HEADER + maxCompressed).order(ByteOrder.LITTLE_ENDIAN));
        this.grainBuffers = ThreadLocal.withInitial(() -> ByteBuffer.allocate(grainBytes));
    }

    /** Refuses a snapshot delta, which names its parent in the embedded descriptor. */
    private void requireNoParent(long descriptorSector, long descriptorSectors) throws IOException {
        if (descriptorSector <= 0 || descriptorSectors <= 0 || descriptorSectors > 2048) {
            return;
        }
        long bytes = Math.min(descriptorSectors * SECTOR, source.size() - descriptorSector * SECTOR);
        if (bytes <= 0) {
            return;
        }
        ByteBuffer text = ByteBuffer.allocate((int) bytes);
        source.readFully(descriptorSector * SECTOR, text);
        DescriptorVmdkImage.requireNoParent(new String(text.array(), StandardCharsets.ISO_8859_1),
                source.name());
    }

    /** True when the first bytes are the sparse extent magic. */
    public static boolean matches(ByteBuffer start) {
        return start.remaining() >= 4 && start.order(ByteOrder.LITTLE_ENDIAN).getInt(0) == MAGIC;
    }

    private ByteBuffer readHeader(long position) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(SECTOR).order(ByteOrder.LITTLE_ENDIAN);
        try {
            source.readFully(position, header);
        } catch (EOFException e) {
            throw corrupt("truncated: the file ends inside its header");
        }
        if (header.getInt(0) != MAGIC) {
            throw corrupt(position == 0
                    ? "bad magic: this is not a sparse VMDK"
                    : "bad magic in the footer at byte " + position + ": the streamOptimized VMDK is truncated");
        }
        return header;
    }

    private int[][] readGrainTables(long gdOffset) throws IOException {
        if (grainCount > Integer.MAX_VALUE) {
            throw corrupt("too many grains (" + grainCount + ")");
        }
        int tables = (int) ((grainCount + entriesPerTable - 1) / entriesPerTable);
        long fileSize = source.size();
        if (gdOffset <= 0 || gdOffset > fileSize / SECTOR || gdOffset * SECTOR + 4L * tables > fileSize) {
            throw corrupt("the grain directory at sector " + gdOffset + " lies past the end of the file ("
                    + fileSize + " bytes): the image is truncated");
        }
        ByteBuffer directory = ByteBuffer.allocate(4 * tables).order(ByteOrder.LITTLE_ENDIAN);
        source.readFully(gdOffset * SECTOR, directory);
        int[][] result = new int[tables][];
        ByteBuffer table = ByteBuffer.allocate(4 * entriesPerTable).order(ByteOrder.LITTLE_ENDIAN);
        for (int t = 0; t < tables; t++) {
            long tableSector = Integer.toUnsignedLong(directory.getInt(4 * t));
            if (tableSector == 0) {
                continue;
            }
            if (tableSector * SECTOR + table.capacity() > fileSize) {
                throw corrupt("grain table " + t + " at sector " + tableSector + " lies past the end of the file ("
                        + fileSize + " bytes): the image is truncated");
            }
            table.clear();
            source.readFully(tableSector * SECTOR, table);
            int[] entries = new int[entriesPerTable];
            table.flip().asIntBuffer().get(entries);
            boolean any = false;
            for (int e = 0; e < entriesPerTable; e++) {
                long grain = (long) t * entriesPerTable + e;
                long sector = grain < grainCount ? Integer.toUnsignedLong(entries[e]) : 0;
                entries[e] = (int) sector;
                any |= sector != 0;
                if (sector > 1 || (sector == 1 && !zeroedGrainEntries)) {
                    long needed = compressed ? MARKER_HEADER : Math.min(grainBytes, virtualSize - grain * grainBytes);
                    if (sector * SECTOR + needed > fileSize) {
                        throw corrupt("the grain table entry for grain " + grain + " points to sector " + sector
                                + ", past the end of the file (" + fileSize + " bytes): the image is truncated or corrupt");
                    }
                }
            }
            result[t] = any ? entries : null;
        }
        return result;
    }

    /** The grain's sector: 0 when unallocated, -1 for a zero grain. */
    private long grainSector(long grain) {
        int[] table = grainTables[(int) (grain / entriesPerTable)];
        if (table == null) {
            return 0;
        }
        long sector = Integer.toUnsignedLong(table[(int) (grain % entriesPerTable)]);
        return sector == 1 && zeroedGrainEntries ? -1 : sector;
    }

    @Override
    public String format() {
        return compressed ? "vmdk-stream" : "vmdk-sparse";
    }

    @Override
    public long virtualSize() {
        return virtualSize;
    }

    @Override
    public List<Extent> extents() {
        return Extent.ofBlocks(virtualSize, grainBytes, grain -> grainSector(grain) > 0);
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        long at = offset;
        while (dst.hasRemaining()) {
            if (at >= virtualSize) {
                throw new EOFException(source.name() + ": read past the virtual size at byte " + at);
            }
            int grain = (int) (at / grainBytes);
            int within = (int) (at % grainBytes);
            int n = (int) Math.min(Math.min(grainBytes - within, dst.remaining()), virtualSize - at);
            long sector = grainSector(grain);
            if (sector <= 0) {
                Zeros.fill(dst, n);
            } else if (compressed && within == 0 && n == grainLength(grain)) {
                inflateGrain(grain, sector, dst); // the usual case in a copy: straight into the caller's buffer
            } else if (compressed) {
                ByteBuffer whole = grainBuffers.get().clear();
                inflateGrain(grain, sector, whole);
                dst.put(whole.flip().position(within).limit(within + n));
            } else {
                ByteBuffer window = dst.slice();
                window.limit(n);
                try {
                    source.readFully(sector * SECTOR + within, window);
                } catch (EOFException e) {
                    throw corrupt("grain " + grain + " is cut off by the end of the file: the image is truncated");
                }
                dst.position(dst.position() + n);
            }
            at += n;
        }
    }

    /** The bytes of a grain that lie within the virtual size (the last grain may be cut short). */
    private int grainLength(long grain) {
        return (int) Math.min(grainBytes, virtualSize - grain * grainBytes);
    }

    /** Inflates one compressed grain into out, advancing out by the grain's length. */
    private void inflateGrain(int grain, long sector, ByteBuffer out) throws IOException {
        ByteBuffer buffer = compressedBuffers.get().clear();
        long position = sector * SECTOR;
        // The marker and the start of the data share the grain's first sector; read the rest once the size is known.
        buffer.limit((int) Math.min(SECTOR, source.size() - position));
        source.readFully(position, buffer);
        long lba = buffer.getLong(0);
        int size = buffer.getInt(8);
        long expectedLba = (long) grain * (grainBytes / SECTOR);
        if (lba != expectedLba) {
            throw corrupt("the grain marker at sector " + sector + " is for sector " + lba + ", expected "
                    + expectedLba + ": the grain table is corrupt");
        }
        if (size <= 0 || size > buffer.capacity() - MARKER_HEADER || position + MARKER_HEADER + size > source.size()) {
            throw corrupt("the compressed grain " + grain + " claims " + size
                    + " bytes, more than the file holds there: the image is truncated or corrupt");
        }
        if (MARKER_HEADER + size > buffer.position()) {
            buffer.limit(MARKER_HEADER + size);
            source.readFully(position + buffer.position(), buffer);
        }
        Inflater inflater = inflaters.get();
        inflater.reset();
        inflater.setInput(buffer.position(MARKER_HEADER).limit(MARKER_HEADER + size));
        int expected = grainLength(grain);
        int start = out.position();
        int limit = out.limit();
        out.limit(start + expected);
        try {
            while (out.hasRemaining() && !inflater.finished()) {
                int n = inflater.inflate(out);
                if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    break;
                }
            }
            if (out.hasRemaining()) {
                throw corrupt("the compressed grain " + grain + " inflates to " + (out.position() - start)
                        + " bytes, expected " + expected + ": bad deflate stream");
            }
        } catch (DataFormatException e) {
            throw corrupt("the compressed grain " + grain + " at sector " + sector + " is not a valid deflate stream ("
                    + e.getMessage() + ")", e);
        } finally {
            out.limit(limit);
        }
    }

    /**
     * The capacity a sparse VMDK header declares (the buffer holds the file from byte 0), or -1 when no disk can
     * be that large.
     */
    static long capacityBytes(ByteBuffer header) {
        long sectors = header.duplicate().order(ByteOrder.LITTLE_ENDIAN).getLong(12);
        return sectors < 0 || sectors > MAX_VIRTUAL_SIZE / SECTOR ? -1 : sectors * SECTOR;
    }

    private CorruptImageException corrupt(String what) {
        return new CorruptImageException(source.name() + ": " + what);
    }

    private CorruptImageException corrupt(String what, Throwable cause) {
        return new CorruptImageException(source.name() + ": " + what, cause);
    }

    @Override
    public void close() throws IOException {
        source.close();
    }
}
