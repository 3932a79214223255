package io.vmlift.disk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The checkpoint of a copy in flight, kept beside its partial image: which chunks are written, and for qcow2
 * where their clusters went. A line is appended for a chunk only after the image's bytes are forced to disk,
 * so after kill -9 (or a power cut) every chunk the journal names is really in the partial image, and the rerun
 * copies only the others. A torn last line (the kill came mid-append) is ignored; a journal of another copy
 * plan (the source's extents or size changed, another format) starts the copy over.
 *
 * <p>Checkpoints run on a thread of their own: the copy threads go on inflating while the image is forced, which
 * is what an fdatasync of a gigabyte costs. A batch holds only chunks finished before it was taken, so forcing the
 * image after taking it keeps the rule above.
 *
 * <p>Format, one text line each: {@code vmlift-copy-journal 1 <plan>}, then per chunk {@code <chunk offset>[
 * <virtual cluster>:<host cluster>:<count>...]}, a run of clusters per write (usually one per chunk).
 */
final class CopyJournal implements AutoCloseable {
    static final String SUFFIX = ".journal";
    private static final String MAGIC = "vmlift-copy-journal 1 ";
    /** A line longer than this is not the journal's: 16 runs of a chunk at most, each three numbers. */
    private static final int MAX_LINE = 1024;
    /** Checkpoint after this many bytes of chunks, or this long after the last one, whichever comes first. */
    private static final long CHECKPOINT_BYTES = 64L << 20;
    private static final long CHECKPOINT_NANOS = 1_000_000_000L;

    private final Path file;
    private final FileChannel channel;
    private final Map<Long, long[]> done;
    private final List<String> pending = new ArrayList<>();
    private long pendingBytes;
    private long lastCheckpoint = System.nanoTime();
    /** Runs one checkpoint at a time; a batch taken while one runs waits for the next chunk after it. */
    private final ExecutorService checkpointer = Executors.newSingleThreadExecutor(work -> {
        Thread thread = new Thread(work, "vmlift-copy-journal");
        thread.setDaemon(true);
        return thread;
    });
    private Future<?> checkpoint = CompletableFuture.completedFuture(null);
    /** The first checkpoint that failed; the copy stops at its next chunk. */
    private volatile IOException failure;

    private CopyJournal(Path file, FileChannel channel, Map<Long, long[]> done) {
        this.file = file;
        this.channel = channel;
        this.done = Collections.unmodifiableMap(done);
    }

    static Path of(Path partial) {
        return partial.resolveSibling(partial.getFileName() + SUFFIX);
    }

    /**
     * Opens the journal of this copy plan: the chunks it records when it is this plan's and resuming is
     * allowed, else a new, empty one (the caller then starts the image afresh).
     */
    static CopyJournal open(Path partial, String plan, boolean resume) throws IOException {
        Path file = of(partial);
        Map<Long, long[]> done = resume ? read(file, plan) : null;
        FileChannel channel;
        if (done == null) {
            done = new HashMap<>();
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE);
            write(channel, MAGIC + plan + "\n");
            channel.force(false);
        } else {
            channel = FileChannel.open(file, StandardOpenOption.WRITE);
            // Drop a torn last line, so that the next record starts on a line of its own.
            channel.truncate(validLength(file));
            channel.position(channel.size());
        }
        return new CopyJournal(file, channel, done);
    }

    /** The chunks (by offset) earlier runs finished, each with its cluster runs (empty for raw images). */
    Map<Long, long[]> done() {
        return done;
    }

    boolean resumed() {
        return !done.isEmpty();
    }

    /**
     * Notes a finished chunk; now and then forces the image (through force) and then appends what is noted.
     *
     * @param runs the chunk's cluster runs as (virtual cluster, host cluster, count) triples (qcow2), or none
     */
    synchronized void chunkDone(Extent chunk, long[] runs, FileChannel image) throws IOException {
        if (failure != null) {
            throw new IOException("cannot checkpoint the copy in " + file + ": " + failure.getMessage(), failure);
        }
        StringBuilder line = new StringBuilder().append(chunk.offset());
        for (int i = 0; i + 2 < runs.length; i += 3) {
            line.append(' ').append(runs[i]).append(':').append(runs[i + 1]).append(':').append(runs[i + 2]);
        }
        pending.add(line.append('\n').toString());
        pendingBytes += chunk.length();
        long now = System.nanoTime();
        if ((pendingBytes >= CHECKPOINT_BYTES || now - lastCheckpoint >= CHECKPOINT_NANOS) && checkpoint.isDone()) {
            String batch = String.join("", pending);
            pending.clear();
            pendingBytes = 0;
            lastCheckpoint = now;
            checkpoint = checkpointer.submit(() -> checkpoint(batch, image));
        }
    }

    private void checkpoint(String batch, FileChannel image) {
        try {
            image.force(false); // the chunks' bytes first: a journal line must never name bytes not on disk
            write(channel, batch);
            channel.force(false);
        } catch (IOException e) {
            failure = e;
        }
    }

    /** Waits for the checkpoint in flight (its lines stand; the ones noted after it are not written). */
    private void finishCheckpoint() throws IOException {
        try {
            checkpoint.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while checkpointing " + file);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        } finally {
            checkpointer.shutdown();
        }
    }

    private static void write(FileChannel channel, String text) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII));
        while (bytes.hasRemaining()) {
            channel.write(bytes);
        }
    }

    /** The journal's records if it is this plan's and readable, else null (start over). */
    private static Map<Long, long[]> read(Path file, String plan) throws IOException {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        Map<Long, long[]> done = new HashMap<>();
        long valid = validLength(file);
        try (java.io.BufferedReader reader = new java.io.BufferedReader(new java.io.InputStreamReader(
                new java.io.BufferedInputStream(Files.newInputStream(file)) {
                    private long left = valid; // the bytes after the last newline are a torn append

                    @Override
                    public synchronized int read() throws IOException {
                        return left-- > 0 ? super.read() : -1;
                    }

                    @Override
                    public synchronized int read(byte[] b, int off, int len) throws IOException {
                        if (left <= 0) {
                            return -1;
                        }
                        int n = super.read(b, off, (int) Math.min(len, left));
                        left -= Math.max(0, n);
                        return n;
                    }
                }, StandardCharsets.US_ASCII))) {
            String header = reader.readLine();
            if (header == null || !header.equals(MAGIC + plan)) {
                return null;
            }
            for (String line; (line = reader.readLine()) != null; ) {
                if (line.length() > MAX_LINE) {
                    return null;
                }
                String[] fields = line.split(" ");
                long[] runs = new long[3 * (fields.length - 1)];
                for (int i = 1; i < fields.length; i++) {
                    String[] run = fields[i].split(":");
                    if (run.length != 3) {
                        return null;
                    }
                    for (int j = 0; j < 3; j++) {
                        runs[3 * (i - 1) + j] = Long.parseLong(run[j]);
                    }
                }
                done.put(Long.parseLong(fields[0]), runs);
            }
        } catch (NumberFormatException e) {
            return null; // not written by this class: copy again rather than trust it
        }
        return done;
    }

    /** The length up to and with the last newline, found from the end. */
    private static long validLength(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer block = ByteBuffer.allocate(4096);
            for (long end = channel.size(); end > 0; ) {
                long start = Math.max(0, end - block.capacity());
                block.clear().limit((int) (end - start));
                while (block.hasRemaining() && channel.read(block, start + block.position()) >= 0) {
                    // positional reads until the block is full
                }
                for (int i = (int) (end - start) - 1; i >= 0; i--) {
                    if (block.get(i) == '\n') {
                        return start + i + 1;
                    }
                }
                end = start;
            }
            return 0;
        }
    }

    /** Closes the journal, keeping it (the copy may resume from it). */
    @Override
    public synchronized void close() throws IOException {
        finishCheckpoint();
        channel.close();
    }

    /** The copy ended (published or given up): the journal goes. */
    synchronized void delete() throws IOException {
        finishCheckpoint();
        channel.close();
        Files.deleteIfExists(file);
    }

    Path file() {
        return file;
    }
}
