package io.vmdesk.session;

/**
 * Why a session ended, as recorded in {@code endedReason} and sent to viewers as the WebSocket close code. noVNC hides
 * close codes once connected, so the API record carries the same reason.
 */
public enum EndReason {
    DELETED("deleted", 1000),
    LIFETIME_OVER("lifetime-over", 4408),
    IDLE_LIMIT("idle-limit", 4409),
    CONTROLLER_SHUTDOWN("controller-shutdown", 1001),
    CONTROLLER_RESTARTED("controller-restarted", 1001),
    START_FAILED("start-failed", 1014),
    CREDENTIALS_CAPTURED("credentials-captured", 1000),
    NOT_READY("not-ready", 1014),
    GUEST_LOST("guest-lost", 1014);

    private final String code;
    private final int closeCode;

    EndReason(String code, int closeCode) {
        this.code = code;
        this.closeCode = closeCode;
    }

    /** Short machine-readable reason, the prefix of {@code endedReason}. */
    public String code() {
        return code;
    }

    /** The WebSocket close code viewers receive when the session ends for this reason. */
    public int closeCode() {
        return closeCode;
    }
}
