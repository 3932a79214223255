package io.vmlift.testing;

import io.vmlift.disk.DiskImage;
import io.vmlift.disk.Extent;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

/** An image that passes everything on to another; tests override what they change (mostly its reads). */
public abstract class ForwardingImage implements DiskImage {
    protected final DiskImage image;

    protected ForwardingImage(DiskImage image) {
        this.image = image;
    }

    @Override
    public String format() {
        return image.format();
    }

    @Override
    public long virtualSize() {
        return image.virtualSize();
    }

    @Override
    public List<Extent> extents() throws IOException {
        return image.extents();
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        image.read(offset, dst);
    }

    @Override
    public void close() throws IOException {
        image.close();
    }
}
