package io.vmlift;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {
    @Test
    void delaysDoubleUpToTheCapWithJitterOfAtMostHalf() {
        Backoff backoff = new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(30), 4);
        for (int i = 0; i < 200; i++) {
            assertThat(backoff.delay(1).toMillis()).isBetween(1_000L, 2_000L);
            assertThat(backoff.delay(2).toMillis()).isBetween(2_000L, 4_000L);
            assertThat(backoff.delay(4).toMillis()).isBetween(8_000L, 16_000L);
            assertThat(backoff.delay(10).toMillis()).isBetween(15_000L, 30_000L);
            assertThat(backoff.delay(1_000).toMillis()).isBetween(15_000L, 30_000L); // no overflow
        }
        long distinct = java.util.stream.IntStream.range(0, 50).mapToLong(i -> backoff.delay(3).toMillis())
                .distinct().count();
        assertThat(distinct).as("jittered, not all the same").isGreaterThan(1);
    }

    @Test
    void pollingReadsSoonAtFirstThenEveryCapAtMostAndNeverGivesUp() {
        Backoff polls = Backoff.polling(Duration.ofSeconds(2));
        assertThat(polls.attempts()).isEqualTo(Integer.MAX_VALUE);
        for (int i = 0; i < 200; i++) {
            assertThat(polls.delay(1).toMillis()).isBetween(50L, 100L);
            assertThat(polls.delay(2).toMillis()).isBetween(100L, 200L);
            assertThat(polls.delay(5).toMillis()).isBetween(800L, 1_600L);
            assertThat(polls.delay(6).toMillis()).isBetween(1_000L, 2_000L);
            assertThat(polls.delay(100_000).toMillis()).isBetween(1_000L, 2_000L);
        }
        // A cap below the first delay (the tests' fast clusters) is the cap from the first read on.
        assertThat(Backoff.polling(Duration.ofMillis(20)).delay(1).toMillis()).isBetween(10L, 20L);
    }
}
