package io.vmlift.disk;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * A virtual disk read through its image format. Copies walk {@link #extents()} so that cost follows the
 * allocated bytes, not the virtual size. Implementations allow concurrent reads.
 */
public interface DiskImage extends Closeable {
    /**
     * The largest virtual disk vmlift reads or writes: 64 TiB, above VMware's 62 TB VMDK limit. Any header or
     * descriptor that says more is damaged or hostile, and a size that large could not be written as qcow2
     * that qemu opens.
     */
    long MAX_VIRTUAL_SIZE = 64L << 40;

    /**
     * The format as a short name: raw, blank, qcow2, vmdk-sparse, vmdk-stream, or vmdk-&lt;createType&gt; for
     * descriptor-based VMDKs (vmdk-monolithicFlat, vmdk-twoGbMaxExtentSparse, ...).
     */
    String format();

    long virtualSize();

    /** The allocated runs, sorted and not overlapping. Holes and zero grains are left out. */
    List<Extent> extents() throws IOException;

    /** Reads dst.remaining() virtual bytes at offset; holes read as zeros. */
    void read(long offset, ByteBuffer dst) throws IOException;

    default long allocatedBytes() throws IOException {
        return extents().stream().mapToLong(Extent::length).sum();
    }
}
