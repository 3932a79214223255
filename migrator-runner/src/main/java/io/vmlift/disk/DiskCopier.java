package io.vmlift.disk;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
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

    public record Result(long virtualSize, long allocatedBytes, long bytesWritten) {}

    public DiskCopier(int threads) {
        this.threads = Math.max(1, threads);
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
        long allocated = chunks.stream().mapToLong(Extent::length).sum();
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
        List<Future<?>> pending = new ArrayList<>();
        // Failing stops the other tasks through this flag, never by interrupting them: an interrupted read
        // closes the FileChannel, which other disks of the same OVA share.
        AtomicBoolean failed = new AtomicBoolean();
        try {
            for (Extent chunk : chunks) {
                ByteBuffer buffer = buffers.take(); // bounds memory: at most threads*2 chunks in flight
                pending.add(pool.submit(() -> {
                    try {
                        if (failed.get()) {
                            return null;
                        }
                        buffer.clear().limit((int) chunk.length());
                        source.read(chunk.offset(), buffer);
                        written.addAndGet(writeNonZero(target, chunk.offset(), buffer, (int) chunk.length()));
                        progress.accept(chunk.length());
                        return null;
                    } catch (IOException | RuntimeException | Error e) {
                        failed.set(true);
                        throw e;
                    } finally {
                        buffers.add(buffer);
                    }
                }));
                for (var iterator = pending.iterator(); iterator.hasNext(); ) {
                    Future<?> future = iterator.next();
                    if (future.isDone()) {
                        rethrow(future); // fail fast: the first error stops the copy
                        iterator.remove();
                    }
                }
            }
            for (Future<?> future : pending) {
                rethrow(future);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("disk copy interrupted");
        } finally {
            failed.set(true); // tasks not started yet skip their chunk
            pool.shutdown();
            awaitQuietly(pool);
        }
        target.complete();
        return new Result(source.virtualSize(), allocated, written.get());
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

    private static void rethrow(Future<?> future) throws IOException {
        try {
            future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("disk copy interrupted");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
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
    }
}
