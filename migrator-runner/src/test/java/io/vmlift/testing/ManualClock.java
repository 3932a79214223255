package io.vmlift.testing;

import io.vmlift.engine.EngineClock;
import java.time.Duration;
import java.time.Instant;

/**
 * Engine time that a test moves. A sleep passes at once, so retries and precopy intervals cost no real time,
 * but time never reaches the gate: a sleep that would reach it waits until the test opens it. A warm test sets
 * the gate at the cutover, changes the source while the engine waits, then opens it.
 */
public final class ManualClock implements EngineClock {
    private Instant now;
    private Instant gate;
    private boolean waitingAtGate;

    public ManualClock(Instant start, Instant gate) {
        this.now = start;
        this.gate = gate;
    }

    @Override
    public synchronized Instant now() {
        return now;
    }

    @Override
    public synchronized void sleep(Duration duration) throws InterruptedException {
        Instant wake = now.plus(duration);
        while (gate != null && !wake.isBefore(gate)) {
            waitingAtGate = true;
            notifyAll();
            wait();
        }
        waitingAtGate = false;
        if (wake.isAfter(now)) {
            now = wake;
        }
    }

    /** Waits until the engine sleeps at the gate; false if it did not within the timeout. */
    public synchronized boolean awaitWaitingAtGate(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!waitingAtGate) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return true;
    }

    /** Lets time pass freely from now on. */
    public synchronized void openGate() {
        gate = null;
        notifyAll();
    }
}
