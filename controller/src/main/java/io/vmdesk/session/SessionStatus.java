package io.vmdesk.session;

/** Where a session is in its life. STARTING → READY → ENDING → ENDED, or STARTING → FAILED. */
public enum SessionStatus {
    STARTING, READY, ENDING, ENDED, FAILED;

    public boolean isFinal() {
        return this == ENDED || this == FAILED;
    }
}
