package io.vmlift.destination.kubevirt;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Hands bytes from the copier's thread to the HTTP client through a bounded queue. Unlike PipedInputStream it
 * does not care which threads read (the HTTP client's pool may change them), and either side closing makes the
 * other stop instead of blocking.
 */
final class BytePipe {
    private static final ByteBuffer END = ByteBuffer.allocate(0);
    private static final int PIECE = 1 << 20;
    private static final long WAIT_NANOS = 200_000_000L;

    private final BlockingQueue<ByteBuffer> queue = new ArrayBlockingQueue<>(8);
    private volatile boolean readerClosed;
    private final AtomicBoolean subscribed = new AtomicBoolean();
    /** How many more pieces the subscriber asked for. */
    private final AtomicLong demand = new AtomicLong();

    /** The writing end: a channel the qcow2 stream writer writes to. Closing it ends the stream. */
    final WritableByteChannel sink = new WritableByteChannel() {
        private boolean open = true;

        @Override
        public int write(ByteBuffer source) throws IOException {
            int total = 0;
            while (source.hasRemaining()) {
                int n = Math.min(PIECE, source.remaining());
                ByteBuffer piece = ByteBuffer.allocate(n);
                piece.put(source.slice(source.position(), n)).flip();
                source.position(source.position() + n);
                offer(piece);
                total += n;
            }
            return total;
        }

        @Override
        public boolean isOpen() {
            return open;
        }

        @Override
        public void close() throws IOException {
            if (open) {
                open = false;
                // A reader that already closed took all it wanted (a client may close right after the last of
                // Content-Length bytes): then the end marker has no one to go to.
                if (!readerClosed) {
                    try {
                        offer(END);
                    } catch (IOException closedMeanwhile) {
                        // the reader closed while we waited: same case as above
                    }
                }
            }
        }
    };

    /**
     * The reading end: the request body as the HTTP client subscribes to it. Each piece goes to it as written, a
     * megabyte at a time, where an InputStream body had the client copy it into 16 KiB buffers of its own. One
     * subscriber only: the body cannot be sent twice.
     */
    final Flow.Publisher<ByteBuffer> body = subscriber -> {
        if (subscribed.getAndSet(true)) {
            subscriber.onSubscribe(new Flow.Subscription() {
                @Override
                public void request(long n) {}

                @Override
                public void cancel() {}
            });
            subscriber.onError(new IllegalStateException("the upload body can be sent only once"));
            return;
        }
        Thread feeder = new Thread(() -> feed(subscriber), "vmlift-upload-body");
        feeder.setDaemon(true);
        subscriber.onSubscribe(new Flow.Subscription() {
            @Override
            public void request(long n) {
                demand.accumulateAndGet(Math.max(0, n), (a, b) -> a + b < 0 ? Long.MAX_VALUE : a + b);
                LockSupport.unpark(feeder);
            }

            @Override
            public void cancel() {
                closeReader();
                LockSupport.unpark(feeder);
            }
        });
        feeder.start();
    };

    /** Hands the pieces to the subscriber as it asks for them, until the end, an error or a cancel. */
    private void feed(Flow.Subscriber<? super ByteBuffer> subscriber) {
        try {
            while (!readerClosed) {
                if (demand.get() == 0) {
                    LockSupport.parkNanos(WAIT_NANOS);
                    continue;
                }
                ByteBuffer piece = queue.poll(WAIT_NANOS, TimeUnit.NANOSECONDS);
                if (piece == END) {
                    subscriber.onComplete();
                    return;
                }
                if (piece != null) {
                    demand.decrementAndGet();
                    subscriber.onNext(piece);
                }
            }
        } catch (InterruptedException e) {
            subscriber.onError(new InterruptedIOException("upload body interrupted"));
        }
    }

    /** Ends the reading side: a writer waiting for room, or writing later, gets an IOException. */
    void closeReader() {
        readerClosed = true;
        queue.clear(); // frees a writer waiting for room
    }

    private void offer(ByteBuffer piece) throws IOException {
        try {
            while (!queue.offer(piece, 200, TimeUnit.MILLISECONDS)) {
                if (readerClosed) {
                    throw new IOException("the upload stopped taking data");
                }
            }
            if (readerClosed) {
                throw new IOException("the upload stopped taking data");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("upload interrupted");
        }
    }
}
