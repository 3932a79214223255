package io.vmlift.source.ovirt;

import io.vmlift.disk.DiskImage;
import io.vmlift.disk.Extent;
import io.vmlift.disk.RawImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * An oVirt disk read through an image transfer: raw guest bytes by ranged GET on the transfer URL, and the
 * allocated runs from imageio's /extents, so that zero and unallocated runs are never fetched. Closing it ends
 * the transfer (finalize, or cancel when that fails), which releases the disk's lock on the engine.
 */
final class ImageioImage implements DiskImage {
    /** Ends the transfer on the engine. */
    @FunctionalInterface
    interface Ending {
        void end() throws IOException;
    }

    private final RawImage data;
    private final long virtualSize;
    private final List<Extent> extents;
    private final Ending ending;

    ImageioImage(RawImage data, long virtualSize, List<Extent> extents, Ending ending) {
        this.data = data;
        this.virtualSize = virtualSize;
        this.extents = List.copyOf(extents);
        this.ending = ending;
    }

    @Override
    public String format() {
        return "raw";
    }

    @Override
    public long virtualSize() {
        return virtualSize;
    }

    @Override
    public List<Extent> extents() {
        return extents;
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        data.read(offset, dst);
    }

    @Override
    public void close() throws IOException {
        try {
            data.close();
        } finally {
            ending.end();
        }
    }
}
