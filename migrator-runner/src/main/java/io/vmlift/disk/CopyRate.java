package io.vmlift.disk;

/**
 * Paces every copy of a run to one aggregate rate, as the copies share what they read from (a datastore that
 * production VMs use, a WAN link). Bytes are paid for after they are copied, so a copy runs at most a second
 * ahead of the rate.
 */
public final class CopyRate {
    public static final CopyRate UNLIMITED = new CopyRate(0);

    private static final long SECOND = 1_000_000_000L;

    private final long bytesPerSecond;
    private long nextFree = System.nanoTime();

    /** @param bytesPerSecond 0 or less: no limit */
    public CopyRate(long bytesPerSecond) {
        this.bytesPerSecond = bytesPerSecond;
    }

    /** Waits until the bytes just copied fit the rate; an interrupt ends the wait early (and stays set). */
    void pay(long bytes) {
        if (bytesPerSecond <= 0 || bytes <= 0) {
            return;
        }
        long wait;
        synchronized (this) {
            long now = System.nanoTime();
            // A burst of up to a second is free: an idle second earns no more than that.
            nextFree = Math.max(nextFree, now - SECOND) + (long) (bytes * (double) SECOND / bytesPerSecond);
            wait = nextFree - now;
        }
        if (wait > 0) {
            try {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
