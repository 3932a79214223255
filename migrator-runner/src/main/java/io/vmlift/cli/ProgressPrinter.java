package io.vmlift.cli;

import io.vmlift.engine.Phase;
import io.vmlift.engine.ProgressListener;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Shows a migration's progress on stderr: bars with bytes and rate on a terminal, plain timestamped lines
 * (phases, and each running copy every few seconds) in CI logs where bars would be noise.
 */
final class ProgressPrinter implements ProgressListener, AutoCloseable {
    enum Mode { auto, bar, plain, none }

    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");

    private record Copy(String vm, String disk, long total, AtomicLong done, long startNanos, ProgressBar bar) {}

    private final PrintWriter err;
    private final boolean bars;
    private final boolean quiet;
    private final Duration interval;
    private final Map<String, Copy> copies = new ConcurrentHashMap<>();
    private final Thread ticker;

    ProgressPrinter(PrintWriter err, Mode mode, Duration interval) {
        this.err = err;
        this.quiet = mode == Mode.none;
        this.bars = mode == Mode.bar || (mode == Mode.auto && System.console() != null);
        this.interval = interval;
        this.ticker = quiet || bars ? null : startTicker();
    }

    @Override
    public synchronized void phase(String vm, Phase phase, String detail) {
        if (!quiet) {
            line(vm + ": " + phase + (detail == null || detail.isEmpty() ? "" : " (" + detail + ")"));
        }
    }

    @Override
    public void copyStarted(String vm, String disk, long total) {
        ProgressBar bar = bars ? new ProgressBarBuilder().setTaskName(disk).setInitialMax(total)
                .setStyle(ProgressBarStyle.ASCII).setUnit("MiB", 1 << 20).showSpeed().continuousUpdate().build() : null;
        copies.put(vm + "/" + disk, new Copy(vm, disk, total, new AtomicLong(), System.nanoTime(), bar));
    }

    @Override
    public void copied(String vm, String disk, long bytes) {
        Copy copy = copies.get(vm + "/" + disk);
        if (copy != null) {
            copy.done().addAndGet(bytes);
            if (copy.bar() != null) {
                copy.bar().stepBy(bytes);
            }
        }
    }

    @Override
    public void copyFinished(String vm, String disk, boolean succeeded) {
        Copy copy = copies.remove(vm + "/" + disk);
        if (copy != null && copy.bar() != null) {
            copy.bar().close();
        } else if (copy != null && !quiet && succeeded) {
            synchronized (this) {
                line(vm + ": copied " + disk + ": " + describe(copy));
            }
        }
    }

    private Thread startTicker() {
        Thread thread = new Thread(this::tick, "vmlift-progress");
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    private void tick() {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                Thread.sleep(interval.toMillis());
            } catch (InterruptedException e) {
                return;
            }
            synchronized (this) {
                for (Copy copy : copies.values()) {
                    line(copy.vm() + ": copying " + copy.disk() + ": " + describe(copy));
                }
            }
        }
    }

    private static String describe(Copy copy) {
        long done = copy.done().get();
        double seconds = Math.max(1e-3, (System.nanoTime() - copy.startNanos()) / 1e9);
        long percent = copy.total() == 0 ? 100 : done * 100 / copy.total();
        return Sizes.human(done) + " of " + Sizes.human(copy.total()) + " allocated (" + percent + "%), "
                + Sizes.human((long) (done / seconds)) + "/s";
    }

    private void line(String text) {
        err.println(LocalTime.now().format(CLOCK) + " " + io.vmlift.Printable.oneLine(text));
        err.flush();
    }

    @Override
    public void close() {
        if (ticker != null) {
            ticker.interrupt();
        }
        copies.values().forEach(c -> {
            if (c.bar() != null) {
                c.bar().close();
            }
        });
    }
}
