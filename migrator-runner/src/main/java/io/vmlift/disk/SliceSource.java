package io.vmlift.disk;

import java.io.IOException;
import java.nio.ByteBuffer;

/** A window [offset, offset+length) of another source: a tar member, a flat extent at an offset. */
final class SliceSource implements ByteSource {
    private final ByteSource parent;
    private final String name;
    private final long offset;
    private final long length;
    private final boolean ownsParent;

    SliceSource(ByteSource parent, String name, long offset, long length, boolean ownsParent) {
        this.parent = parent;
        this.name = name;
        this.offset = offset;
        this.length = length;
        this.ownsParent = ownsParent;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public long size() {
        return length;
    }

    @Override
    public int read(long position, ByteBuffer dst) throws IOException {
        if (position >= length) {
            return -1;
        }
        ByteBuffer window = dst.slice();
        window.limit((int) Math.min(window.remaining(), length - position));
        int n = parent.read(offset + position, window);
        if (n > 0) {
            dst.position(dst.position() + n);
        }
        return n;
    }

    @Override
    public void close() throws IOException {
        if (ownsParent) {
            parent.close();
        }
    }
}
