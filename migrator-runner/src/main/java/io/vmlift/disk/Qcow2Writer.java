package io.vmlift.disk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Writes a qcow2 (version 3) image with 64 KiB clusters and 16-bit refcounts.
 * Layout: header, L1 table, refcount table (sized for the worst case), then data clusters in the order they
 * arrive; L2 tables and refcount blocks are appended when the copy completes. Every cluster in the file is
 * used exactly once, so all refcounts are 1 and `qemu-img check` finds no leaks. A resumable writer journals
 * where each finished chunk's clusters went (CopyJournal); resumed, it rebuilds its tables from the journal, and
 * fills the clusters that unfinished chunks had taken before any new one (any left unused get refcount 0).
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
    private final long firstDataCluster;
    private final boolean resumable;
    /** After a resume: data clusters below nextFreeCluster that no finished chunk holds, used first. */
    private final java.util.TreeSet<Long> reusable = new java.util.TreeSet<>();
    private long nextFreeCluster;
    private CopyJournal journal;

    Qcow2Writer(Path target, long virtualSize, boolean resumable) throws IOException {
        this.file = new PartialFile(target, resumable);
        this.resumable = resumable;
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
        this.firstDataCluster = nextFreeCluster;
    }

    @Override
    public synchronized Set<Long> begin(String plan, boolean resume) throws IOException {
        if (!resumable) {
            return Set.of();
        }
        String fullPlan = "qcow2 " + plan;
        journal = file.journal(fullPlan, resume);
        if (journal.resumed() && !restore(journal.done())) {
            journal.close(); // a journal that does not fit this image: start over
            journal = file.journal(fullPlan, false);
        }
        return journal.done().keySet();
    }

    /** Rebuilds the tables from a journal's runs; false (and nothing changed) if they do not fit this image. */
    private boolean restore(Map<Long, long[]> done) throws IOException {
        long dataClusters = (virtualSize + CLUSTER - 1) / CLUSTER;
        Map<Long, Long> mapped = new java.util.HashMap<>();
        java.util.BitSet used = new java.util.BitSet();
        long end = firstDataCluster;
        for (Map.Entry<Long, long[]> chunk : done.entrySet()) {
            long[] runs = chunk.getValue();
            if (chunk.getKey() < 0 || chunk.getKey() % CLUSTER != 0 || runs.length % 3 != 0) {
                return false;
            }
            for (int i = 0; i < runs.length; i += 3) {
                long virtual = runs[i];
                long host = runs[i + 1];
                long count = runs[i + 2];
                if (count < 1 || count > L2_ENTRIES || virtual < 0 || virtual > dataClusters - count
                        || host < firstDataCluster || host - firstDataCluster > dataClusters - count) {
                    return false;
                }
                for (long c = 0; c < count; c++) {
                    int hostIndex = (int) (host + c - firstDataCluster);
                    if (used.get(hostIndex) || mapped.put(virtual + c, host + c) != null) {
                        return false; // a cluster twice: not a journal this writer wrote
                    }
                    used.set(hostIndex);
                }
                end = Math.max(end, host + count);
            }
        }
        if (file.channel().size() < end * CLUSTER) {
            return false; // the image is shorter than the journal says it was written
        }
        for (Map.Entry<Long, Long> entry : mapped.entrySet()) {
            long virtual = entry.getKey();
            l2Tables.computeIfAbsent((int) (virtual / L2_ENTRIES), k -> new long[L2_ENTRIES])
                    [(int) (virtual % L2_ENTRIES)] = entry.getValue() * CLUSTER;
        }
        // Clusters up to the end of the file were taken by chunks that did not finish: theirs to fill again.
        long fileEnd = Math.max(end, Math.min(firstDataCluster + dataClusters,
                (file.channel().size() + CLUSTER - 1) / CLUSTER));
        for (long c = firstDataCluster; c < fileEnd; c++) {
            if (!used.get((int) (c - firstDataCluster))) {
                reusable.add(c);
            }
        }
        nextFreeCluster = fileEnd;
        return true;
    }

    @Override
    public void chunkDone(Extent chunk) throws IOException {
        if (journal == null) {
            return;
        }
        List<Long> runs = new ArrayList<>();
        synchronized (this) {
            long first = chunk.offset() / CLUSTER;
            long last = (chunk.end() + CLUSTER - 1) / CLUSTER;
            for (long virtual = first; virtual < last; virtual++) {
                long[] l2 = l2Tables.get((int) (virtual / L2_ENTRIES));
                long host = l2 == null ? 0 : l2[(int) (virtual % L2_ENTRIES)] / CLUSTER;
                if (host == 0) {
                    continue;
                }
                int n = runs.size();
                if (n > 0 && runs.get(n - 3) + runs.get(n - 1) == virtual
                        && runs.get(n - 2) + runs.get(n - 1) == host) {
                    runs.set(n - 1, runs.get(n - 1) + 1);
                } else {
                    runs.addAll(List.of(virtual, host, 1L));
                }
            }
        }
        journal.chunkDone(chunk, runs.stream().mapToLong(Long::longValue).toArray(), file.channel());
    }

    private static long clustersFor(long bytes) {
        return (bytes + CLUSTER - 1) / CLUSTER;
    }

    /**
     * Writes data's clusters where {@link #allocate} puts them: one write per run of adjacent host clusters. The
     * clusters of one write are placed together, so that two copy threads do not interleave the file cluster by
     * cluster (thousands of extents for what qemu-img writes as one).
     */
    @Override
    public void write(long offset, ByteBuffer data) throws IOException {
        if (offset % CLUSTER != 0) {
            throw new IllegalArgumentException("qcow2 writes must be cluster aligned, got offset " + offset);
        }
        long[] hosts = allocate(offset / CLUSTER, (int) clustersFor(data.remaining()));
        int base = data.position();
        for (int start = 0; start < hosts.length; ) {
            int end = start + 1;
            while (end < hosts.length && hosts[end] == hosts[end - 1] + CLUSTER) {
                end++;
            }
            int from = base + start * CLUSTER;
            int to = (int) Math.min(data.limit(), base + (long) end * CLUSTER);
            file.write(data.slice(from, to - from), hosts[start]);
            start = end;
        }
        data.position(data.limit());
    }

    /** The host offsets of count clusters from virtualCluster on, allocating those not yet placed, in order. */
    private synchronized long[] allocate(long virtualCluster, int count) {
        if (count > 0 && (virtualCluster + count - 1) * CLUSTER >= virtualSize) {
            throw new IllegalArgumentException("write past the virtual size at cluster " + (virtualCluster + count - 1));
        }
        long[] hosts = new long[count];
        for (int i = 0; i < count; i++) {
            long cluster = virtualCluster + i;
            long[] l2 = l2Tables.computeIfAbsent((int) (cluster / L2_ENTRIES), k -> new long[L2_ENTRIES]);
            int index = (int) (cluster % L2_ENTRIES);
            if (l2[index] == 0) {
                Long again = reusable.pollFirst();
                l2[index] = (again != null ? again : nextFreeCluster++) * CLUSTER;
            }
            hosts[i] = l2[index];
        }
        return hosts;
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
                block.putShort((short) (reusable.contains(c) ? 0 : 1));
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
    public String fileDigest() {
        return file.digest();
    }

    @Override
    public void close() throws IOException {
        file.close();
    }
}
