package io.vmlift.disk;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;

/**
 * Copies the allocated extents of an image into a writer: holes are never read, zero blocks never written.
 * Chunks are read, decoded and written by a few threads at once, since inflating streamOptimized grains is
 * CPU-bound and the writers accept positional writes.
 */
public final class DiskCopier {
    /** Writes are aligned to this; it is the qcow2 cluster and the usual VMDK grain. */
    public static final int BLOCK = 64 * 1024;
    private static final int CHUNK = 16 * BLOCK;

    private final int threads;
    private final boolean resume;
    private final CopyRate rate;

    /**
     * @param resumedBytes the bytes of chunks an interrupted earlier copy had written, not copied again
     * @param fileDigest the written file's {@link FileDigest}, as its writer worked it out; null when it could not
     *     (a resumed copy, a stream) and the file must be read for it
     */
    public record Result(long virtualSize, long allocatedBytes, long bytesWritten, long resumedBytes,
            String fileDigest) {
        public Result(long virtualSize, long allocatedBytes, long bytesWritten) {
            this(virtualSize, allocatedBytes, bytesWritten, 0, null);
        }
    }

    public DiskCopier(int threads) {
        this(threads, true, CopyRate.UNLIMITED);
    }

    private DiskCopier(int threads, boolean resume, CopyRate rate) {
        this.threads = Math.max(1, threads);
        this.resume = resume;
        this.rate = rate;
    }

    /** Copies no faster than the rate, which other copiers may share (one rate for a whole run). */
    public DiskCopier pacedBy(CopyRate rate) {
        return new DiskCopier(threads, resume, rate);
    }

    /**
     * Whether a resumable writer may go on from its checkpoint: not when the source may have changed since
     * (someone powered it on), as the chunks written then would not match the ones copied now.
     */
    public DiskCopier resuming(boolean resume) {
        return new DiskCopier(threads, resume, rate);
    }

    /** One copy thread per core, at most 4: inflating grains is CPU-bound, more threads only contend. */
    public static int defaultThreads() {
        return Math.min(4, Runtime.getRuntime().availableProcessors());
    }

    public static DiskCopier withDefaultThreads() {
        return new DiskCopier(defaultThreads());
    }

    /** The block-aligned chunks the copy reads: extents widened to BLOCK boundaries, cut to CHUNK size. */
    static List<Extent> chunks(List<Extent> extents, long virtualSize) {
        List<Extent> chunks = new ArrayList<>();
        long covered = 0;
        for (Extent extent : extents) {
            long start = Math.max(covered, extent.offset() / BLOCK * BLOCK);
            long end = Math.min(virtualSize, (extent.end() + BLOCK - 1) / BLOCK * BLOCK);
            for (long at = start; at < end; at += CHUNK) {
                chunks.add(new Extent(at, Math.min(CHUNK, end - at)));
            }
            covered = Math.max(covered, end);
        }
        return chunks;
    }

    /** The bytes a copy of this image reads: its extents widened to whole blocks. */
    public static long plannedBytes(DiskImage source) throws IOException {
        return chunks(source.extents(), source.virtualSize()).stream().mapToLong(Extent::length).sum();
    }

    /**
     * Copies source into target and completes the target.
     *
     * @param progress called with the number of source bytes each finished chunk covered
     */
    public Result copy(DiskImage source, DiskWriter target, LongConsumer progress) throws IOException {
        List<Extent> chunks = chunks(source.extents(), source.virtualSize());
        java.util.Set<Long> done = target.begin(plan(source.virtualSize(), chunks), resume);
        List<Extent> left = chunks.stream().filter(chunk -> !done.contains(chunk.offset())).toList();
        long resumed = 0;
        for (Extent chunk : chunks) {
            if (done.contains(chunk.offset())) {
                resumed += chunk.length();
            }
        }
        if (resumed > 0) {
            progress.accept(resumed);
        }
        long written = pump(source, left, false, (chunk, data) -> {
            long n = writeNonZero(target, chunk.offset(), data, (int) chunk.length());
            target.chunkDone(chunk);
            return n;
        }, progress);
        target.complete();
        return new Result(source.virtualSize(), chunks.stream().mapToLong(Extent::length).sum(), written, resumed,
                target.fileDigest());
    }

    /**
     * A copy plan's identity: the image's size and its chunks. A checkpoint is only resumed by a copy of the same
     * plan, so a source whose size or allocation changed is copied afresh.
     */
    static String plan(long virtualSize, List<Extent> chunks) {
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        ByteBuffer entry = ByteBuffer.allocate(16);
        for (Extent chunk : chunks) {
            crc.update(entry.clear().putLong(chunk.offset()).putLong(chunk.length()).flip());
        }
        return String.format("size=%d chunk=%d chunks=%d crc32c=%08x", virtualSize, CHUNK, chunks.size(),
                crc.getValue());
    }

    /**
     * Copies source into a sink that takes its chunks in ascending order (a stream: an upload, a pipe). Chunks
     * are still read and inflated in parallel; they are handed over in order from this thread.
     */
    public Result copyInOrder(DiskImage source, OrderedSink target, LongConsumer progress) throws IOException {
        List<Extent> chunks = chunks(source.extents(), source.virtualSize());
        target.begin(source.virtualSize(), chunks);
        long written = pump(source, chunks, true, (chunk, data) -> {
            target.write(chunk.offset(), data.slice(0, (int) chunk.length()));
            return chunk.length();
        }, progress);
        target.complete();
        return new Result(source.virtualSize(), chunks.stream().mapToLong(Extent::length).sum(), written);
    }

    /** Where ordered copies go: told the plan first, then given every planned chunk in ascending order. */
    public interface OrderedSink {
        void begin(long virtualSize, List<Extent> chunks) throws IOException;

        void write(long offset, ByteBuffer data) throws IOException;

        void complete() throws IOException;
    }

    @FunctionalInterface
    private interface ChunkConsumer {
        /** Takes a chunk's bytes (data[0, chunk.length)); returns how many bytes it wrote. */
        long accept(Extent chunk, ByteBuffer data) throws IOException;
    }

    private record InFlight(Extent chunk, ByteBuffer buffer, Future<?> future) {}

    /**
     * Reads the chunks with the pool and hands each to the consumer: on the worker thread as soon as it is read,
     * or, in order, on this thread. At most threads*2 chunk buffers exist, which bounds memory.
     */
    private long pump(DiskImage source, List<Extent> chunks, boolean inOrder, ChunkConsumer consumer,
            LongConsumer progress) throws IOException {
        AtomicLong written = new AtomicLong();
        BlockingQueue<ByteBuffer> buffers = new ArrayBlockingQueue<>(threads * 2);
        for (int i = 0; i < threads * 2; i++) {
            buffers.add(ByteBuffer.allocateDirect(CHUNK)); // direct: no hidden copies on file reads and writes
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads, runnable -> {
            Thread thread = new Thread(runnable, "vmlift-copy");
            thread.setDaemon(true);
            return thread;
        });
        Deque<InFlight> inFlight = new ArrayDeque<>();
        // A failure stops the other tasks through this record, never by interrupting them: an interrupted read
        // closes the FileChannel, which other disks of the same OVA share. Tasks that see it skip their chunk.
        AtomicReference<Throwable> failure = new AtomicReference<>();
        try {
            for (Extent chunk : chunks) {
                while (buffers.isEmpty()) {
                    finishOldest(inFlight, inOrder, consumer, buffers, written, progress, failure);
                }
                ByteBuffer buffer = buffers.poll();
                Future<?> future = pool.submit(() -> {
                    boolean handedOver = false;
                    try {
                        if (failure.get() != null) {
                            return null;
                        }
                        buffer.clear().limit((int) chunk.length());
                        source.read(chunk.offset(), buffer);
                        rate.pay(chunk.length());
                        if (!inOrder) {
                            written.addAndGet(consumer.accept(chunk, buffer));
                            progress.accept(chunk.length());
                        }
                        handedOver = inOrder;
                        return null;
                    } catch (IOException | RuntimeException | Error e) {
                        failure.compareAndSet(null, e);
                        throw e;
                    } finally {
                        if (!handedOver) {
                            buffers.add(buffer);
                        }
                    }
                });
                inFlight.add(new InFlight(chunk, buffer, future));
            }
            while (!inFlight.isEmpty()) {
                finishOldest(inFlight, inOrder, consumer, buffers, written, progress, failure);
            }
        } finally {
            failure.compareAndSet(null, new InterruptedIOException("copy abandoned")); // unstarted tasks skip
            pool.shutdown();
            awaitQuietly(pool);
        }
        return written.get();
    }

    /** Waits for the oldest chunk; in order mode also hands it to the consumer and frees its buffer. */
    private static void finishOldest(Deque<InFlight> inFlight, boolean inOrder, ChunkConsumer consumer,
            BlockingQueue<ByteBuffer> buffers, AtomicLong written, LongConsumer progress,
            AtomicReference<Throwable> failure) throws IOException {
        InFlight oldest = inFlight.poll();
        rethrow(oldest.future()); // fail fast: the first error stops the copy
        if (failure.get() != null) {
            // This chunk may have been skipped because a later one failed: never hand over an unread buffer.
            rethrowCause(failure.get());
        }
        if (inOrder) {
            try {
                written.addAndGet(consumer.accept(oldest.chunk(), oldest.buffer()));
                progress.accept(oldest.chunk().length());
            } finally {
                buffers.add(oldest.buffer());
            }
        }
    }

    /** Writes the non-zero BLOCK runs of data; returns the bytes written. */
    private static long writeNonZero(DiskWriter target, long offset, ByteBuffer data, int length) throws IOException {
        long total = 0;
        int runStart = -1;
        for (int at = 0; at < length; at += BLOCK) {
            boolean zero = Zeros.isZero(data, at, Math.min(length, at + BLOCK));
            if (!zero && runStart < 0) {
                runStart = at;
            } else if (zero && runStart >= 0) {
                total += writeRun(target, offset, data, runStart, at);
                runStart = -1;
            }
        }
        if (runStart >= 0) {
            total += writeRun(target, offset, data, runStart, length);
        }
        return total;
    }

    private static long writeRun(DiskWriter target, long offset, ByteBuffer data, int from, int to) throws IOException {
        target.write(offset + from, data.slice(from, to - from));
        return to - from;
    }

    /** Waits for running tasks, so that nothing writes to the target after copy() returns. */
    private static void awaitQuietly(ExecutorService pool) {
        boolean interrupted = false;
        while (true) {
            try {
                if (pool.awaitTermination(1, TimeUnit.MINUTES)) {
                    break;
                }
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static void rethrowCause(Throwable cause) throws IOException {
        if (cause instanceof IOException io) {
            throw io;
        }
        if (cause instanceof RuntimeException runtime) {
            throw runtime;
        }
        if (cause instanceof Error error) {
            throw error; // out of memory is not a corrupt image: it reaches the CLI as an internal error
        }
        throw new IOException(cause);
    }

    private static void rethrow(Future<?> future) throws IOException {
        try {
            future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("disk copy interrupted");
        } catch (ExecutionException e) {
            rethrowCause(e.getCause());
        }
    }
}
