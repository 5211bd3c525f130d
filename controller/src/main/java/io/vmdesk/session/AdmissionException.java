package io.vmdesk.session;

import java.time.Duration;

/** A session was refused because a limit is reached; the API answers 429 with Retry-After. */
public final class AdmissionException extends Exception {
    private final Duration retryAfter;

    public AdmissionException(String message, Duration retryAfter) {
        super(message);
        this.retryAfter = retryAfter;
    }

    public Duration retryAfter() {
        return retryAfter;
    }
}
