package io.vmlift;

import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How often, and how far apart, a transient failure is tried again, or a status read again while waiting for it
 * to change: delays double from first up to cap, each with random jitter (half fixed, half random), so that many
 * VMs that failed or started together do not ask together.
 *
 * @param attempts tries in all, the first included
 */
public record Backoff(Duration first, Duration cap, int attempts) {
    /** For uploads and API writes: 4 tries over about a minute. */
    public static final Backoff DEFAULT = new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(30), 4);

    /**
     * For reading a status until it changes: soon at first, as a cluster often moves on within a second (a
     * DataVolume's upload server, the import after an upload), then every cap at most; it never gives up (the
     * caller has its deadline).
     */
    public static Backoff polling(Duration cap) {
        return new Backoff(Duration.ofMillis(100), cap, Integer.MAX_VALUE);
    }

    /** The wait after the given failed attempt (1 for the first). */
    public Duration delay(int attempt) {
        long base = Math.min(cap.toMillis(), first.toMillis() << Math.min(30, Math.max(0, attempt - 1)));
        return Duration.ofMillis(base / 2 + ThreadLocalRandom.current().nextLong(base / 2 + 1));
    }

    /** Sleeps the delay after the given failed attempt (or the given read, polling). */
    public void pause(int attempt) throws InterruptedIOException {
        try {
            Thread.sleep(delay(attempt).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting");
        }
    }
}
