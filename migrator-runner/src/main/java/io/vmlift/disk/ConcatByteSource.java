package io.vmlift.disk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

/** Several sources read as one, in order: OVF files split into chunks (ovf:chunkSize). */
public final class ConcatByteSource implements ByteSource {
    private final String name;
    private final List<ByteSource> parts;
    private final long[] starts;
    private final long size;

    public ConcatByteSource(String name, List<ByteSource> parts) {
        this.name = name;
        this.parts = List.copyOf(parts);
        this.starts = new long[parts.size()];
        long total = 0;
        for (int i = 0; i < parts.size(); i++) {
            starts[i] = total;
            total += parts.get(i).size();
        }
        this.size = total;
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
        int index = parts.size() - 1;
        while (starts[index] > position) {
            index--;
        }
        ByteSource part = parts.get(index);
        ByteBuffer window = dst.slice();
        window.limit((int) Math.min(window.remaining(), part.size() - (position - starts[index])));
        int n = part.read(position - starts[index], window);
        if (n > 0) {
            dst.position(dst.position() + n);
        }
        return n;
    }

    @Override
    public void close() throws IOException {
        for (ByteSource part : parts) {
            part.close();
        }
    }
}
