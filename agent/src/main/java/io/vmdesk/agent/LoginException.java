package io.vmdesk.agent;

/**
 * The login failed. The message is the reason sent in the {@code error} event: short, and free of secrets (it is
 * scrubbed again before it leaves the agent).
 */
public final class LoginException extends Exception {
    public LoginException(String reason) {
        super(reason);
    }

    public LoginException(String reason, Throwable cause) {
        super(reason, cause);
    }
}
