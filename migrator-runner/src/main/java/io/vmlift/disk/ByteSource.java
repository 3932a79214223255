package io.vmlift.disk;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Random access to the bytes of a file wherever it lives: a local file, a member of a tar, a range of a
 * datastore file over HTTP. Positional reads must be safe from several threads at once.
 */
public interface ByteSource extends Closeable {
    /** A name for messages: the file, or the member of a package. */
    String name();

    long size();

    /** Reads up to dst.remaining() bytes at position; returns the count, or -1 at the end. */
    int read(long position, ByteBuffer dst) throws IOException;

    default void readFully(long position, ByteBuffer dst) throws IOException {
        long at = position;
        while (dst.hasRemaining()) {
            int n = read(at, dst);
            if (n < 0) {
                throw new EOFException(name() + ": unexpected end of data at byte " + at);
            }
            at += n;
        }
    }

    /** The bytes [offset, offset+length) as a source of their own; closing it leaves this one open. */
    default ByteSource slice(String sliceName, long offset, long length) {
        return new SliceSource(this, sliceName, offset, length, false);
    }

    /** Like {@link #slice}, but closing the slice closes this source too. */
    default ByteSource owningSlice(String sliceName, long offset, long length) {
        return new SliceSource(this, sliceName, offset, length, true);
    }
}
