package io.vmlift.disk;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Where copied bytes go. Writes may come from several threads, each at an offset aligned to
 * {@link DiskCopier#BLOCK}. Nothing is visible under the target name until {@link #complete()}; closing an
 * incomplete writer removes what it wrote.
 */
public interface DiskWriter extends Closeable {
    void write(long offset, ByteBuffer data) throws IOException;

    /** Flushes to stable storage and publishes the image under its final name. */
    void complete() throws IOException;
}
