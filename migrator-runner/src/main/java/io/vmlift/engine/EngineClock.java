package io.vmlift.engine;

import java.time.Duration;
import java.time.Instant;

/**
 * Time as the engine sees it: the warm schedule, retry waits and the record's timestamps. Injected so that a
 * test moves time on when it is ready instead of sleeping through a cutover window.
 */
public interface EngineClock {
    Instant now();

    /** Waits for the duration (or until interrupted); the engine waits in short steps to notice a stop. */
    void sleep(Duration duration) throws InterruptedException;

    EngineClock SYSTEM = new EngineClock() {
        @Override
        public Instant now() {
            return Instant.now();
        }

        @Override
        public void sleep(Duration duration) throws InterruptedException {
            Thread.sleep(duration.toMillis(), duration.toNanosPart() % 1_000_000);
        }
    };
}
