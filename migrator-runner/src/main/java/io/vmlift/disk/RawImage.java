package io.vmlift.disk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * A raw disk: the bytes are the disk. A raw file has no allocation map readable from Java, so it is one
 * extent and the copier skips its zero blocks instead. Reads past the end of a short file are zeros.
 */
public final class RawImage implements DiskImage {
    private final ByteSource source;
    private final long virtualSize;
    private final String format;

    public RawImage(ByteSource source) {
        this(source, source.size(), "raw");
    }

    RawImage(ByteSource source, long virtualSize, String format) {
        this.source = source;
        this.virtualSize = virtualSize;
        this.format = format;
    }

    @Override
    public String format() {
        return format;
    }

    @Override
    public long virtualSize() {
        return virtualSize;
    }

    @Override
    public List<Extent> extents() {
        long stored = Math.min(virtualSize, source.size());
        return stored == 0 ? List.of() : List.of(new Extent(0, stored));
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        long stored = Math.min(virtualSize, source.size());
        while (dst.hasRemaining()) {
            long at = offset;
            if (at >= stored) {
                Zeros.fill(dst, dst.remaining());
                return;
            }
            ByteBuffer window = dst.slice();
            window.limit((int) Math.min(window.remaining(), stored - at));
            int before = window.position();
            source.readFully(at, window);
            int n = window.position() - before;
            dst.position(dst.position() + n);
            offset += n;
        }
    }

    @Override
    public void close() throws IOException {
        source.close();
    }
}
