package io.vmlift.disk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A file written under a temporary sibling name and renamed into place when complete. If the process is
 * stopped (Ctrl-C, SIGTERM from a pipeline's timeout) the half-written file is removed on the way out; the
 * state record still says the copy did not finish, so a rerun copies it again. After kill -9 nothing runs on the
 * way out: a resumable file keeps its bytes and its CopyJournal, and the rerun goes on from the checkpoint.
 */
final class PartialFile implements AutoCloseable {
    private static final Set<PartialFile> OPEN = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (PartialFile file : OPEN) {
                try {
                    file.close();
                } catch (IOException e) {
                    // Best effort while the JVM exits; a rerun truncates the partial file anyway.
                }
            }
        }, "vmlift-partial-cleanup"));
    }

    private final Path target;
    private final Path partial;
    private final FileChannel channel;
    private boolean completed;
    private CopyJournal journal;
    private final FileDigest.Writes writes = new FileDigest.Writes();
    private String digest;

    /** @param keep keep what an earlier, interrupted copy wrote, for {@link #journal} to resume from */
    PartialFile(Path target, boolean keep) throws IOException {
        this.target = target;
        this.partial = target.resolveSibling(target.getFileName() + DiskFormat.PARTIAL_SUFFIX);
        Files.createDirectories(target.toAbsolutePath().getParent());
        this.channel = keep
                ? FileChannel.open(partial, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE)
                : FileChannel.open(partial, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                        StandardOpenOption.READ, StandardOpenOption.WRITE);
        if (keep) {
            writes.forget(); // until a journal says whether the bytes kept stay
        }
        OPEN.add(this);
    }

    /**
     * The copy plan's journal: the earlier copy's if it was of this plan (the file's bytes stay), else a new
     * one, and the file is emptied.
     */
    synchronized CopyJournal journal(String plan, boolean resume) throws IOException {
        journal = CopyJournal.open(partial, plan, resume);
        if (journal.resumed()) {
            writes.forget();
        } else {
            channel.truncate(0);
            writes.restart();
        }
        return journal;
    }

    FileChannel channel() {
        return channel;
    }

    Path partialPath() {
        return partial;
    }

    /** Writes all of data at position (positional: safe from several threads at once). */
    void write(ByteBuffer data, long position) throws IOException {
        writes.add(position, data);
        long at = position;
        while (data.hasRemaining()) {
            at += channel.write(data, at);
        }
    }

    synchronized void publish() throws IOException {
        channel.force(true);
        String written = writes.digest(channel.size());
        channel.close();
        Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        completed = true;
        digest = written;
        OPEN.remove(this);
        if (journal != null) {
            journal.delete();
        }
    }

    /** The published file's {@link FileDigest}, from its writes; null before publishing, or when they do not tell it. */
    synchronized String digest() {
        return digest;
    }

    @Override
    public synchronized void close() throws IOException {
        OPEN.remove(this);
        if (!completed) {
            channel.close();
            Files.deleteIfExists(partial);
            if (journal != null) {
                journal.delete();
            } else {
                Files.deleteIfExists(CopyJournal.of(partial));
            }
        }
    }
}
