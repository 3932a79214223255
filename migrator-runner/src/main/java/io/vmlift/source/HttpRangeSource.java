package io.vmlift.source;

import io.vmlift.disk.ByteSource;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A file on a web server read with byte ranges: a datastore file, an imageio transfer. Small reads (grain
 * tables, single grains) go through a small cache of 1 MiB blocks, so a sparse image costs few requests; large
 * reads go straight into the caller's buffer. A connection that breaks mid-body is retried from the last byte
 * received, a bounded number of times.
 */
public final class HttpRangeSource implements ByteSource {
    static final int BLOCK = 1 << 20;
    private static final int CACHED_BLOCKS = 16;
    private static final Pattern CONTENT_RANGE_TOTAL = Pattern.compile("bytes\\s+\\d+-\\d+/(\\d+)");

    private final HttpClient client;
    private final URI uri;
    private final Map<String, String> headers;
    private final String name;
    private final long size;
    private final int attempts;
    private final Duration requestTimeout;
    private final AtomicLong resumed = new AtomicLong();
    private final Map<Long, byte[]> blocks = new LinkedHashMap<>(CACHED_BLOCKS, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, byte[]> eldest) {
            return size() > CACHED_BLOCKS;
        }
    };

    private HttpRangeSource(HttpClient client, URI uri, Map<String, String> headers, String name, long size,
            int attempts, Duration requestTimeout) {
        this.client = client;
        this.uri = uri;
        this.headers = Map.copyOf(headers);
        this.name = name;
        this.size = size;
        this.attempts = attempts;
        this.requestTimeout = requestTimeout;
    }

    /**
     * Opens a file and learns its size from a one-byte range request.
     *
     * @param headers sent with every request (a session cookie); never logged
     * @param attempts how often one range is tried before the read fails
     */
    public static HttpRangeSource open(HttpClient client, URI uri, Map<String, String> headers, String name,
            int attempts, Duration requestTimeout) throws IOException {
        HttpRangeSource source = new HttpRangeSource(client, uri, headers, name, -1, attempts, requestTimeout);
        HttpResponse<InputStream> response = source.send(0, 0);
        try (InputStream body = response.body()) {
            long total;
            if (response.statusCode() == 206) {
                String range = response.headers().firstValue("Content-Range").orElse("");
                Matcher m = CONTENT_RANGE_TOTAL.matcher(range);
                if (!m.find()) {
                    throw new IOException(name + ": the server answered a range request without a usable"
                            + " Content-Range ('" + range + "')");
                }
                total = Long.parseLong(m.group(1));
            } else {
                throw new IOException(name + ": the server does not serve byte ranges (HTTP " + response.statusCode()
                        + "); vmlift needs them to read disks");
            }
            body.transferTo(java.io.OutputStream.nullOutputStream());
            return new HttpRangeSource(client, uri, headers, name, total, attempts, requestTimeout);
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public long size() {
        return size;
    }

    /** How many times a broken download was picked up again from its last byte. */
    public long resumedCount() {
        return resumed.get();
    }

    @Override
    public int read(long position, ByteBuffer dst) throws IOException {
        if (position >= size) {
            return -1;
        }
        int wanted = (int) Math.min(dst.remaining(), size - position);
        if (wanted >= BLOCK) {
            ByteBuffer window = dst.slice();
            window.limit(wanted);
            fetch(position, window);
            dst.position(dst.position() + wanted);
            return wanted;
        }
        long index = position / BLOCK;
        byte[] block = block(index);
        int offset = (int) (position - index * BLOCK);
        int n = Math.min(wanted, block.length - offset);
        dst.put(block, offset, n);
        return n;
    }

    private byte[] block(long index) throws IOException {
        synchronized (blocks) {
            byte[] cached = blocks.get(index);
            if (cached != null) {
                return cached;
            }
        }
        long start = index * BLOCK;
        byte[] block = new byte[(int) Math.min(BLOCK, size - start)];
        fetch(start, ByteBuffer.wrap(block));
        synchronized (blocks) {
            blocks.put(index, block);
        }
        return block;
    }

    /** Fills dst from position, resuming after a broken connection from the first byte not yet received. */
    private void fetch(long position, ByteBuffer dst) throws IOException {
        IOException last = null;
        for (int attempt = 1; attempt <= attempts && dst.hasRemaining(); attempt++) {
            long from = position + dst.position();
            try {
                HttpResponse<InputStream> response = send(from, from + dst.remaining() - 1);
                if (response.statusCode() != 206) {
                    response.body().close();
                    throw new IOException(name + ": HTTP " + response.statusCode() + " for a range request");
                }
                try (InputStream body = response.body()) {
                    byte[] buffer = new byte[64 * 1024];
                    while (dst.hasRemaining()) {
                        int n = body.read(buffer, 0, Math.min(buffer.length, dst.remaining()));
                        if (n < 0) {
                            throw new IOException(name + ": the server ended the range early");
                        }
                        dst.put(buffer, 0, n);
                        attempt = 0; // progress was made: a later break gets the full number of attempts
                    }
                }
                return;
            } catch (FileNotFoundException | InterruptedIOException e) {
                throw e;
            } catch (IOException e) {
                last = e;
                resumed.incrementAndGet();
                sleepBeforeRetry(attempt);
            }
        }
        if (dst.hasRemaining()) {
            throw new IOException(name + ": reading at byte " + (position + dst.position()) + " failed "
                    + attempts + " times; last: " + (last == null ? "" : last.getMessage()), last);
        }
    }

    /** Range requests are cheap to repeat: short waits. */
    private static final io.vmlift.Backoff RANGE_RETRIES =
            new io.vmlift.Backoff(java.time.Duration.ofMillis(400), java.time.Duration.ofSeconds(5), Integer.MAX_VALUE);

    private static void sleepBeforeRetry(int attempt) throws InterruptedIOException {
        RANGE_RETRIES.pause(attempt);
    }

    private HttpResponse<InputStream> send(long first, long last) throws IOException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).GET().timeout(requestTimeout)
                .header("Range", "bytes=" + first + "-" + last);
        headers.forEach(request::header);
        HttpResponse<InputStream> response;
        try {
            response = client.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException(name + ": interrupted");
        }
        int status = response.statusCode();
        if (status == 404) {
            response.body().close();
            throw new FileNotFoundException(name + ": the server has no such file (HTTP 404)");
        }
        if (status == 401 || status == 403) {
            response.body().close();
            throw new FileNotFoundException(name + ": the server refused access (HTTP " + status + "); the session"
                    + " may have expired or the user lacks Datastore.Browse");
        }
        return response;
    }

    @Override
    public void close() {
        synchronized (blocks) {
            blocks.clear();
        }
    }
}
