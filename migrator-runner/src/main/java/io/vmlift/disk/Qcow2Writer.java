package io.vmlift.disk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes a qcow2 (version 3) image with 64 KiB clusters and 16-bit refcounts.
 * Layout: header, L1 table, refcount table (sized for the worst case), then data clusters in the order they
 * arrive; L2 tables and refcount blocks are appended when the copy completes. Every cluster in the file is
 * used exactly once, so all refcounts are 1 and `qemu-img check` finds no leaks.
 */
final class Qcow2Writer implements DiskWriter {
    static final int MAGIC = 0x514649fb; // "QFI\xfb"
    private static final int CLUSTER_BITS = 16;
    private static final int CLUSTER = 1 << CLUSTER_BITS;
    private static final int L2_ENTRIES = CLUSTER / 8;
    private static final int REFCOUNTS_PER_BLOCK = CLUSTER / 2;
    private static final long COPIED = 1L << 63;
    private static final int HEADER_LENGTH = 104;

    private final PartialFile file;
    private final long virtualSize;
    private final int l1Entries;
    private final long l1Offset;
    private final long refcountTableOffset;
    private final int refcountTableClusters;
    private final Map<Integer, long[]> l2Tables = new TreeMap<>();
    private long nextFreeCluster;

    Qcow2Writer(Path target, long virtualSize) throws IOException {
        this.file = new PartialFile(target);
        this.virtualSize = virtualSize;
        long dataClusters = (virtualSize + CLUSTER - 1) / CLUSTER;
        this.l1Entries = (int) Math.max(1, (dataClusters + L2_ENTRIES - 1) / L2_ENTRIES);
        long l1Clusters = clustersFor(8L * l1Entries);
        // The refcount table is sized for a file in which every virtual cluster is allocated.
        long worstCase = 1 + l1Clusters + dataClusters + l1Entries;
        long tableClusters = 1;
        while (true) {
            long blocks = (worstCase + tableClusters + REFCOUNTS_PER_BLOCK) / REFCOUNTS_PER_BLOCK + 1;
            long needed = clustersFor(8 * blocks);
            if (needed <= tableClusters) {
                break;
            }
            tableClusters = needed;
        }
        this.l1Offset = CLUSTER;
        this.refcountTableOffset = l1Offset + l1Clusters * CLUSTER;
        this.refcountTableClusters = (int) tableClusters;
        this.nextFreeCluster = refcountTableOffset / CLUSTER + tableClusters;
    }

    private static long clustersFor(long bytes) {
        return (bytes + CLUSTER - 1) / CLUSTER;
    }

    @Override
    public void write(long offset, ByteBuffer data) throws IOException {
        if (offset % CLUSTER != 0) {
            throw new IllegalArgumentException("qcow2 writes must be cluster aligned, got offset " + offset);
        }
        long virtualCluster = offset / CLUSTER;
        while (data.hasRemaining()) {
            int length = Math.min(CLUSTER, data.remaining());
            ByteBuffer cluster = data.slice();
            cluster.limit(length);
            file.write(cluster, allocate(virtualCluster));
            data.position(data.position() + length);
            virtualCluster++;
        }
    }

    private synchronized long allocate(long virtualCluster) {
        if (virtualCluster * CLUSTER >= virtualSize) {
            throw new IllegalArgumentException("write past the virtual size at cluster " + virtualCluster);
        }
        long[] l2 = l2Tables.computeIfAbsent((int) (virtualCluster / L2_ENTRIES), k -> new long[L2_ENTRIES]);
        int index = (int) (virtualCluster % L2_ENTRIES);
        if (l2[index] == 0) {
            l2[index] = nextFreeCluster++ * CLUSTER;
        }
        return l2[index];
    }

    @Override
    public synchronized void complete() throws IOException {
        long[] l1 = new long[l1Entries];
        for (Map.Entry<Integer, long[]> entry : l2Tables.entrySet()) {
            long l2Offset = nextFreeCluster++ * CLUSTER;
            ByteBuffer table = ByteBuffer.allocate(CLUSTER);
            for (long hostOffset : entry.getValue()) {
                table.putLong(hostOffset == 0 ? 0 : hostOffset | COPIED);
            }
            file.write(table.flip(), l2Offset);
            l1[entry.getKey()] = l2Offset | COPIED;
        }
        long blocks = 0;
        while (blocks * REFCOUNTS_PER_BLOCK < nextFreeCluster + blocks) {
            blocks++;
        }
        if (blocks * 8 > (long) refcountTableClusters * CLUSTER) {
            throw new IllegalStateException("qcow2 refcount table too small for " + blocks + " blocks");
        }
        long firstBlock = nextFreeCluster;
        long totalClusters = nextFreeCluster + blocks;
        ByteBuffer refcountTable = ByteBuffer.allocate(refcountTableClusters * CLUSTER);
        for (long b = 0; b < blocks; b++) {
            ByteBuffer block = ByteBuffer.allocate(CLUSTER);
            long first = b * REFCOUNTS_PER_BLOCK;
            for (long c = first; c < Math.min(totalClusters, first + REFCOUNTS_PER_BLOCK); c++) {
                block.putShort((short) 1);
            }
            block.clear();
            file.write(block, (firstBlock + b) * CLUSTER);
            refcountTable.putLong((firstBlock + b) * CLUSTER);
        }
        file.write(refcountTable.clear(), refcountTableOffset);
        ByteBuffer l1Table = ByteBuffer.allocate(8 * l1Entries);
        for (long entry : l1) {
            l1Table.putLong(entry);
        }
        file.write(l1Table.flip(), l1Offset);
        file.write(header(virtualSize, l1Entries, l1Offset, refcountTableOffset, refcountTableClusters), 0);
        file.publish();
    }

    /** A qcow2 v3 header for 64 KiB clusters and 16-bit refcounts, with no snapshots, features or backing file. */
    static ByteBuffer header(long virtualSize, int l1Entries, long l1Offset, long refcountTableOffset,
            int refcountTableClusters) {
        ByteBuffer header = ByteBuffer.allocate(HEADER_LENGTH + 8);
        // qemu reads qcow2 sizes as whole sectors; round up so that the last partial sector is not cut off.
        long sectorAlignedSize = (virtualSize + 511) / 512 * 512;
        header.putInt(MAGIC).putInt(3).putLong(0).putInt(0).putInt(CLUSTER_BITS).putLong(sectorAlignedSize)
                .putInt(0) // no encryption
                .putInt(l1Entries).putLong(l1Offset)
                .putLong(refcountTableOffset).putInt(refcountTableClusters)
                .putInt(0).putLong(0) // no snapshots
                .putLong(0).putLong(0).putLong(0) // incompatible, compatible, autoclear features
                .putInt(4) // refcount_order: 16-bit refcounts
                .putInt(HEADER_LENGTH)
                .putInt(0).putInt(0); // end of header extensions
        return header.flip();
    }

    @Override
    public void close() throws IOException {
        file.close();
    }
}
