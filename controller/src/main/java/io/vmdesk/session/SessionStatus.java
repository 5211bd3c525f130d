package io.vmdesk.session;

/**
 * Where a session is in its life. STARTING → READY → ENDING → ENDED, or STARTING → FAILED, or READY →
 * CREDENTIALS_CAPTURED when the agent handed back the login's credentials (the guest is then torn down).
 */
public enum SessionStatus {
    STARTING, READY, ENDING, ENDED, FAILED, CREDENTIALS_CAPTURED;

    public boolean isFinal() {
        return this == ENDED || this == FAILED || this == CREDENTIALS_CAPTURED;
    }
}
