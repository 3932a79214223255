package io.vmlift.disk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** A local file, read with positional reads (thread-safe on one channel). */
public final class FileByteSource implements ByteSource {
    private final FileChannel channel;
    private final String name;
    private final long size;

    private FileByteSource(FileChannel channel, String name) throws IOException {
        this.channel = channel;
        this.name = name;
        this.size = channel.size();
    }

    public static FileByteSource open(Path file) throws IOException {
        return new FileByteSource(FileChannel.open(file, StandardOpenOption.READ), file.toString());
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
    }
}
