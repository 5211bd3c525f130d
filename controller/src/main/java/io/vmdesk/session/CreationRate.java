package io.vmdesk.session;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * SESSION_CREATE_RATE as a token bucket: it holds a minute's worth of creations and refills continuously, so a burst
 * up to the rate passes and a steady stream is held to it. Not thread-safe: used under the admission lock.
 */
final class CreationRate {
    private final int perMinute;
    private final Clock clock;
    private double tokens;
    private Instant refilled;

    CreationRate(int perMinute, Clock clock) {
        this.perMinute = perMinute;
        this.clock = clock;
        this.tokens = perMinute;
        this.refilled = clock.instant();
    }

    /** Takes a token: empty when allowed, otherwise how long until the next one. */
    Optional<Duration> take() {
        Instant now = clock.instant();
        double nanosPerToken = 60e9 / perMinute;
        tokens = Math.min(perMinute, tokens + Duration.between(refilled, now).toNanos() / nanosPerToken);
        refilled = now;
        if (tokens >= 1) {
            tokens -= 1;
            return Optional.empty();
        }
        return Optional.of(Duration.ofNanos((long) Math.ceil((1 - tokens) * nanosPerToken)));
    }
}
