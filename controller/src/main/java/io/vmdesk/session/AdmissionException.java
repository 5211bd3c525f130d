package io.vmdesk.session;

import java.time.Duration;

/** A session was refused because a limit is reached; the API answers 429 with Retry-After and {@link #error()}. */
public final class AdmissionException extends Exception {
    private final String error;
    private final Duration retryAfter;

    /** @param error machine-readable: too-many-sessions, too-many-sessions-for-user or rate-limited */
    public AdmissionException(String error, String message, Duration retryAfter) {
        super(message);
        this.error = error;
        this.retryAfter = retryAfter;
    }

    public String error() {
        return error;
    }

    public Duration retryAfter() {
        return retryAfter;
    }
}
