package io.vmlift.disk;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * A raw image as a sparse file: the length is set up front and only data blocks are written. A resumable one
 * keeps a journal of the chunks written, so a copy killed half-way goes on where it stopped.
 */
final class RawWriter implements DiskWriter {
    private final PartialFile file;
    private final long virtualSize;
    private final boolean resumable;
    private CopyJournal journal;

    RawWriter(Path target, long virtualSize, boolean resumable) throws IOException {
        this.file = new PartialFile(target, resumable);
        this.virtualSize = virtualSize;
        this.resumable = resumable;
        setLength();
    }

    private void setLength() throws IOException {
        try (RandomAccessFile sizer = new RandomAccessFile(file.partialPath().toFile(), "rw")) {
            sizer.setLength(virtualSize);
        }
    }

    @Override
    public Set<Long> begin(String plan, boolean resume) throws IOException {
        if (!resumable) {
            return Set.of();
        }
        journal = file.journal("raw " + plan, resume);
        if (journal.resumed() && Files.size(file.partialPath()) != virtualSize) {
            journal.close(); // not the file the journal describes: start over
            journal = file.journal("raw " + plan, false);
        }
        if (!journal.resumed()) {
            setLength();
        }
        return journal.done().keySet();
    }

    @Override
    public void chunkDone(Extent chunk) throws IOException {
        if (journal != null) {
            journal.chunkDone(chunk, new long[0], file.channel());
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
    public String fileDigest() {
        return file.digest();
    }

    @Override
    public void close() throws IOException {
        file.close();
    }
}
