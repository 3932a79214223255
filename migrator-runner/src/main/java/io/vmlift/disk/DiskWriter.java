package io.vmlift.disk;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Set;

/**
 * Where copied bytes go. Writes may come from several threads, each at an offset aligned to
 * {@link DiskCopier#BLOCK}. Nothing is visible under the target name until {@link #complete()}; closing an
 * incomplete writer removes what it wrote.
 */
public interface DiskWriter extends Closeable {
    void write(long offset, ByteBuffer data) throws IOException;

    /**
     * Starts a copy of the given plan (DiskCopier's chunks, as text). A resumable writer returns the offsets of
     * the chunks an interrupted copy of the same plan already wrote and checkpointed: they need no writing.
     *
     * @param resume false: start over even if a checkpoint of this plan exists (the source may have changed)
     */
    default Set<Long> begin(String plan, boolean resume) throws IOException {
        return Set.of();
    }

    /** Every non-zero block of the chunk is written; a resumable writer checkpoints it now and then. */
    default void chunkDone(Extent chunk) throws IOException {}

    /** Flushes to stable storage and publishes the image under its final name. */
    void complete() throws IOException;

    /**
     * After {@link #complete()}: the published file's {@link FileDigest}, worked out from the writes, or null when
     * they do not tell it (bytes kept from an interrupted copy).
     */
    default String fileDigest() {
        return null;
    }
}
