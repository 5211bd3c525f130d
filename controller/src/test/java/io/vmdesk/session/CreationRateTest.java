package io.vmdesk.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** The creation rate's token bucket, on a clock the test moves. */
class CreationRateTest {
    /** A clock that stands still until the test moves it. */
    static final class SteppedClock extends Clock {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @Test
    void aBurstUpToTheRatePassesThenTheNextWaitsForOneTokensWorth() {
        SteppedClock clock = new SteppedClock();
        CreationRate rate = new CreationRate(6, clock);
        for (int i = 0; i < 6; i++) {
            assertThat(rate.take()).as("creation %d", i).isEmpty();
        }
        assertThat(rate.take()).contains(Duration.ofSeconds(10));
        clock.now = clock.now.plusSeconds(4);
        assertThat(rate.take()).contains(Duration.ofSeconds(6));
        clock.now = clock.now.plusSeconds(6);
        assertThat(rate.take()).isEmpty();
        assertThat(rate.take()).isPresent();
    }

    @Test
    void anIdleBucketRefillsOnlyUpToAMinutesWorth() {
        SteppedClock clock = new SteppedClock();
        CreationRate rate = new CreationRate(2, clock);
        clock.now = clock.now.plus(Duration.ofHours(1));
        assertThat(rate.take()).isEmpty();
        assertThat(rate.take()).isEmpty();
        assertThat(rate.take()).isPresent();
    }
}
