package io.vmlift.disk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.util.Arrays;
import java.util.List;

/**
 * Writes a qcow2 image front to back into a stream (an HTTP upload body), with no seeking and no temporary
 * file. The layout is decided from the copy plan before the first byte: header, L1 table, refcount table and
 * blocks, L2 tables, then one data cluster per planned cluster in ascending order. Its length is therefore
 * known in advance ({@link Layout#length()}), as a Content-Length header needs.
 */
public final class Qcow2StreamWriter implements DiskCopier.OrderedSink {
    private static final int CLUSTER = 1 << 16; // as Qcow2Writer.header() declares
    private static final int L2_ENTRIES = CLUSTER / 8;
    private static final int REFCOUNTS_PER_BLOCK = CLUSTER / 2;
    private static final long COPIED = 1L << 63;

    private final WritableByteChannel out;
    private Layout layout;
    private long nextCluster; // index into layout.dataClusters of the next cluster to write

    public Qcow2StreamWriter(WritableByteChannel out) {
        this.out = out;
    }

    /** Where everything goes, computed from the clusters the copy plan will write. */
    public record Layout(long virtualSize, long[] dataClusters, long[] l2Indexes, int l1Clusters,
            int refcountTableClusters, int refcountBlocks) {

        public static Layout plan(long virtualSize, List<Extent> chunks) {
            // The copier's chunks are ascending, cluster-aligned and disjoint: their clusters are too, so the
            // array is filled directly (no boxing: a 500 GiB disk has 8 million clusters).
            long count = chunks.stream().mapToLong(c -> (c.end() + CLUSTER - 1) / CLUSTER - c.offset() / CLUSTER).sum();
            long[] clusters = new long[Math.toIntExact(count)];
            int at = 0;
            for (Extent chunk : chunks) {
                for (long cluster = chunk.offset() / CLUSTER; cluster < (chunk.end() + CLUSTER - 1) / CLUSTER; cluster++) {
                    clusters[at++] = cluster;
                }
            }
            long[] l2Indexes = Arrays.stream(clusters).map(c -> c / L2_ENTRIES).distinct().toArray();
            long virtualClusters = (virtualSize + CLUSTER - 1) / CLUSTER;
            int l1Entries = (int) Math.max(1, (virtualClusters + L2_ENTRIES - 1) / L2_ENTRIES);
            int l1Clusters = (int) ((8L * l1Entries + CLUSTER - 1) / CLUSTER);
            int tableClusters = 1;
            int blocks = 1;
            while (true) { // the refcount structures count themselves: iterate to a fixed point
                long total = 1 + l1Clusters + tableClusters + blocks + l2Indexes.length + clusters.length;
                int neededBlocks = (int) ((total + REFCOUNTS_PER_BLOCK - 1) / REFCOUNTS_PER_BLOCK);
                int neededTable = (int) ((8L * neededBlocks + CLUSTER - 1) / CLUSTER);
                if (neededBlocks == blocks && neededTable == tableClusters) {
                    break;
                }
                blocks = neededBlocks;
                tableClusters = neededTable;
            }
            return new Layout(virtualSize, clusters, l2Indexes, l1Clusters, tableClusters, blocks);
        }

        int l1Entries() {
            long virtualClusters = (virtualSize + CLUSTER - 1) / CLUSTER;
            return (int) Math.max(1, (virtualClusters + L2_ENTRIES - 1) / L2_ENTRIES);
        }

        long refcountTableCluster() {
            return 1 + l1Clusters;
        }

        long firstRefcountBlock() {
            return refcountTableCluster() + refcountTableClusters;
        }

        long firstL2() {
            return firstRefcountBlock() + refcountBlocks;
        }

        long firstData() {
            return firstL2() + l2Indexes.length;
        }

        long totalClusters() {
            return firstData() + dataClusters.length;
        }

        /** The exact number of bytes the stream will carry. */
        public long length() {
            return totalClusters() * CLUSTER;
        }
    }

    /** The bytes the stream of this image will carry, when copied by {@link DiskCopier#copyInOrder}. */
    public static long streamLength(DiskImage image) throws IOException {
        return Layout.plan(image.virtualSize(), DiskCopier.chunks(image.extents(), image.virtualSize())).length();
    }

    @Override
    public void begin(long virtualSize, List<Extent> chunks) throws IOException {
        layout = Layout.plan(virtualSize, chunks);
        writeMetadata();
    }

    private void writeMetadata() throws IOException {
        ByteBuffer header = ByteBuffer.allocate(CLUSTER); // the header fills cluster 0
        header.put(Qcow2Writer.header(layout.virtualSize(), layout.l1Entries(), CLUSTER,
                layout.refcountTableCluster() * CLUSTER, layout.refcountTableClusters()));
        send(header.clear());

        ByteBuffer l1 = ByteBuffer.allocate(layout.l1Clusters() * CLUSTER);
        for (int i = 0; i < layout.l2Indexes().length; i++) {
            l1.putLong((int) layout.l2Indexes()[i] * 8, ((layout.firstL2() + i) * CLUSTER) | COPIED);
        }
        send(l1);

        ByteBuffer table = ByteBuffer.allocate(layout.refcountTableClusters() * CLUSTER);
        for (int b = 0; b < layout.refcountBlocks(); b++) {
            table.putLong((layout.firstRefcountBlock() + b) * CLUSTER);
        }
        send(table.clear());

        long total = layout.totalClusters();
        for (int b = 0; b < layout.refcountBlocks(); b++) {
            ByteBuffer block = ByteBuffer.allocate(CLUSTER);
            for (long c = (long) b * REFCOUNTS_PER_BLOCK; c < Math.min(total, (long) (b + 1) * REFCOUNTS_PER_BLOCK); c++) {
                block.putShort((short) 1);
            }
            send(block.clear());
        }

        int data = 0;
        long[] clusters = layout.dataClusters();
        for (long l2Index : layout.l2Indexes()) {
            ByteBuffer l2 = ByteBuffer.allocate(CLUSTER);
            while (data < clusters.length && clusters[data] / L2_ENTRIES == l2Index) {
                l2.putLong((int) (clusters[data] % L2_ENTRIES) * 8, ((layout.firstData() + data) * CLUSTER) | COPIED);
                data++;
            }
            send(l2);
        }
    }

    @Override
    public void write(long offset, ByteBuffer data) throws IOException {
        long cluster = offset / CLUSTER;
        while (data.hasRemaining()) {
            if (nextCluster >= layout.dataClusters().length || layout.dataClusters()[(int) nextCluster] != cluster) {
                throw new IllegalStateException("qcow2 stream: cluster " + cluster + " arrived out of plan order");
            }
            int length = Math.min(CLUSTER, data.remaining());
            send(data.slice(data.position(), length));
            if (length < CLUSTER) {
                send(ByteBuffer.allocate(CLUSTER - length)); // the disk's last, partial cluster
            }
            data.position(data.position() + length);
            nextCluster++;
            cluster++;
        }
    }

    @Override
    public void complete() throws IOException {
        if (nextCluster != layout.dataClusters().length) {
            throw new IllegalStateException("qcow2 stream: " + (layout.dataClusters().length - nextCluster)
                    + " planned clusters were never written");
        }
    }

    private void send(ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            out.write(buffer);
        }
    }
}
