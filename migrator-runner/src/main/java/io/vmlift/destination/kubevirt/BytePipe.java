package io.vmlift.destination.kubevirt;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Hands bytes from the copier's thread to the HTTP client's threads through a bounded queue. Unlike
 * PipedInputStream it does not care which threads read (the HTTP client's pool may change them), and either
 * side closing makes the other stop instead of blocking.
 */
final class BytePipe {
    private static final ByteBuffer END = ByteBuffer.allocate(0);
    private static final int PIECE = 1 << 20;

    private final BlockingQueue<ByteBuffer> queue = new ArrayBlockingQueue<>(8);
    private volatile boolean readerClosed;

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

    /** The reading end: the request body. */
    final InputStream source = new InputStream() {
        private ByteBuffer current = ByteBuffer.allocate(0);

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] into, int offset, int length) throws IOException {
            if (length == 0) {
                return 0;
            }
            while (!current.hasRemaining()) {
                if (current == END) {
                    return -1;
                }
                try {
                    current = queue.take();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("upload body interrupted");
                }
                if (current == END) {
                    return -1;
                }
            }
            int n = Math.min(length, current.remaining());
            current.get(into, offset, n);
            return n;
        }

        @Override
        public void close() {
            closeReader();
        }
    };

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
