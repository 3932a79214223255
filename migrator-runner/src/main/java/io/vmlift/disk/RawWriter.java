package io.vmlift.disk;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/** A raw image as a sparse file: the length is set up front and only data blocks are written. */
final class RawWriter implements DiskWriter {
    private final PartialFile file;

    RawWriter(Path target, long virtualSize) throws IOException {
        this.file = new PartialFile(target);
        try (RandomAccessFile sizer = new RandomAccessFile(file.partialPath().toFile(), "rw")) {
            sizer.setLength(virtualSize);
        }
    }

    @Override
    public void write(long offset, ByteBuffer data) throws IOException {
        file.write(data, offset);
    }

    @Override
    public void complete() throws IOException {
        file.publish();
    }

    @Override
    public void close() throws IOException {
        file.close();
    }
}
