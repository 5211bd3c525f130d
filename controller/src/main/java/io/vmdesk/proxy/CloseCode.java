package io.vmdesk.proxy;

/**
 * Every way a live-view WebSocket ends, with the code and reason put in the close frame. The browser invents 1006
 * when a server drops the socket without one; this proxy never does. Reasons are short and machine-readable.
 */
public enum CloseCode {
    NORMAL(1000, "session-ended"),
    GOING_AWAY(1001, "controller-shutdown"),
    /** A browser that sent nothing, not even a pong, for two ping intervals: gone, as far as anyone can tell. */
    BROWSER_UNRESPONSIVE(1001, "browser-unresponsive"),
    POLICY(1008, "bad-token"),
    TOO_BIG(1009, "message-too-large"),
    INTERNAL(1011, "internal-error"),
    GUEST_STARTING(1013, "guest-starting"),
    /** A browser that stops reading: its buffer stayed full for the stall timeout (RFC 6455: "try again later"). */
    BROWSER_STALLED(1013, "browser-stalled"),
    GUEST_UNREACHABLE(1014, "guest-unreachable"),
    SESSION_NOT_FOUND(4404, "session-not-found"),
    LIFETIME_OVER(4408, "lifetime-over"),
    IDLE_LIMIT(4409, "idle-limit"),
    REPLACED(4410, "replaced");

    /** RFC 6455 limits a close reason to 123 bytes of UTF-8. */
    static final int MAX_REASON_BYTES = 123;

    private final int code;
    private final String reason;

    CloseCode(int code, String reason) {
        this.code = code;
        this.reason = reason;
    }

    public int code() {
        return code;
    }

    public String reason() {
        return reason;
    }

    /** The reason followed by a detail, cut to fit a close frame. */
    public String reasonWith(String detail) {
        String full = detail == null || detail.isBlank() || detail.equals(reason) ? reason
                : detail.startsWith(reason) ? detail : reason + ": " + detail;
        byte[] bytes = full.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        if (bytes.length <= MAX_REASON_BYTES) {
            return full;
        }
        // cut on a character boundary
        String cut = full;
        while (cut.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_REASON_BYTES) {
            cut = cut.substring(0, cut.length() - 1);
        }
        return cut;
    }

    /** The first constant with this code (1001 and 1013 have two each). */
    public static CloseCode of(int code) {
        for (CloseCode c : values()) {
            if (c.code == code) {
                return c;
            }
        }
        return INTERNAL;
    }
}
