package io.vmlift.disk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** A local file, read with positional reads (thread-safe on one channel). */
public final class FileByteSource implements ByteSource {
    private final FileChannel channel;
    private final String name;
    private final long size;

    private final Path deleteOnClose;

    private FileByteSource(FileChannel channel, String name, Path deleteOnClose) throws IOException {
        this.channel = channel;
        this.name = name;
        this.size = channel.size();
        this.deleteOnClose = deleteOnClose;
    }

    public static FileByteSource open(Path file) throws IOException {
        return new FileByteSource(FileChannel.open(file, StandardOpenOption.READ), file.toString(), null);
    }

    /** A temporary file (an inflated gzip disk) that is deleted once read; name is what messages call it. */
    public static FileByteSource openTemporary(Path file, String name) throws IOException {
        return new FileByteSource(FileChannel.open(file, StandardOpenOption.READ), name, file);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public int read(long position, ByteBuffer dst) throws IOException {
        if (position >= size) {
            return -1;
        }
        return channel.read(dst, position);
    }

    @Override
    public void close() throws IOException {
        channel.close();
        if (deleteOnClose != null) {
            Files.deleteIfExists(deleteOnClose);
        }
    }
}
