package io.vmdesk.auth;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Who may watch a session: the novncURL the API hands out carries a short-lived <em>link</em> token bound to the
 * session; the live-view page exchanges it for a <em>cookie</em> token that lasts as long as the session, scoped to
 * that session's live-view path, so noVNC's reconnects and page reloads keep working after the link expired.
 *
 * <p>Both are {@code v1.<kind>.<sessionId>.<expiry epoch seconds>.<HMAC-SHA256>}: nothing is stored per token, and
 * the key lives in {@code DATA_DIR/live-view.key} (0600) so viewers survive a controller restart. The session id is
 * in clear so a refusal can say "another session's token" rather than just "invalid".
 */
public final class LiveViewTokens {
    /** One cookie name for all sessions: its Path keeps one session's cookie away from another's live view. */
    public static final String COOKIE = "vmdesk_live_view";
    private static final String LINK = "l";
    private static final String CARRIED = "c";
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    private final byte[] key;
    private final Duration linkTtl;
    private final Clock clock;

    LiveViewTokens(byte[] key, Duration linkTtl, Clock clock) {
        this.key = key.clone();
        this.linkTtl = linkTtl;
        this.clock = clock;
    }

    /** Tokens signed with the key in {@code keyFile}, generated (32 random bytes, mode 0600) on first use. */
    public static LiveViewTokens open(Path keyFile, Duration linkTtl, Clock clock) {
        try {
            if (!Files.exists(keyFile)) {
                byte[] fresh = new byte[32];
                new SecureRandom().nextBytes(fresh);
                Path tmp = Files.createTempFile(keyFile.getParent(), ".live-view", ".tmp",
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                Files.writeString(tmp, Base64.getEncoder().encodeToString(fresh) + "\n");
                try {
                    Files.move(tmp, keyFile, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                } catch (java.nio.file.FileAlreadyExistsException raced) {
                    Files.deleteIfExists(tmp);
                }
            }
            byte[] key = Base64.getDecoder().decode(Files.readString(keyFile).strip());
            if (key.length < 32) {
                throw new IllegalStateException(keyFile + " holds no 32-byte key; delete it to have a new one made "
                        + "(open live views then need a fresh novncURL)");
            }
            return new LiveViewTokens(key, linkTtl, clock);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create the live-view key " + keyFile + ": "
                    + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(keyFile + " is not base64; delete it to have a new one made", e);
        }
    }

    /** The token for a novncURL: valid for LIVE_VIEW_TOKEN_TTL. */
    public String link(String sessionId) {
        return sign(LINK, sessionId, clock.instant().plus(linkTtl));
    }

    /** The cookie the page sets in exchange for a link token, valid until {@code until} (the session's end). */
    public String cookie(String sessionId, Instant until) {
        return sign(CARRIED, sessionId, until);
    }

    public Duration linkTtl() {
        return linkTtl;
    }

    /**
     * Checks what a request to {@code sessionId}'s live view carries: the link token when present (it is what the
     * user just opened), otherwise the cookie. Empty when allowed, otherwise why not.
     */
    public Optional<Refusal> check(String sessionId, String linkToken, String cookie) {
        if (linkToken != null && !linkToken.isBlank()) {
            return verify(LINK, sessionId, linkToken);
        }
        if (cookie != null && !cookie.isBlank()) {
            return verify(CARRIED, sessionId, cookie);
        }
        return Optional.of(new Refusal("missing", "no live-view token: open the novncURL the API handed out"));
    }

    private Optional<Refusal> verify(String kind, String sessionId, String token) {
        String[] parts = token.split("\\.", -1);
        if (parts.length != 5 || !parts[0].equals("v1") || !parts[1].equals(kind) || !parts[3].matches("\\d{1,12}")) {
            return Optional.of(invalid());
        }
        Instant expiry = Instant.ofEpochSecond(Long.parseLong(parts[3]));
        byte[] expected = mac(kind, parts[2], expiry).getBytes(StandardCharsets.US_ASCII);
        if (!MessageDigest.isEqual(expected, parts[4].getBytes(StandardCharsets.US_ASCII))) {
            return Optional.of(invalid());
        }
        if (!parts[2].equals(sessionId)) {
            return Optional.of(new Refusal("other-session", "the live-view token belongs to another session"));
        }
        if (!clock.instant().isBefore(expiry)) {
            return Optional.of(new Refusal("expired", "the live-view token expired at " + expiry
                    + "; ask the API for a fresh novncURL"));
        }
        return Optional.empty();
    }

    private static Refusal invalid() {
        return new Refusal("invalid", "the live-view token is not one this controller signed");
    }

    private String sign(String kind, String sessionId, Instant expiry) {
        return "v1." + kind + "." + sessionId + "." + expiry.getEpochSecond() + "." + mac(kind, sessionId, expiry);
    }

    private String mac(String kind, String sessionId, Instant expiry) {
        try {
            Mac hmac = Mac.getInstance("HmacSHA256");
            hmac.init(new SecretKeySpec(key, "HmacSHA256"));
            byte[] tag = hmac.doFinal(("vmdesk-live-view|v1|" + kind + "|" + sessionId + "|" + expiry.getEpochSecond())
                    .getBytes(StandardCharsets.UTF_8));
            return B64.encodeToString(tag);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    /** Why a live view was refused: {@code code} is missing, invalid, expired or other-session. */
    public record Refusal(String code, String detail) {
        /** For a close frame: short, machine-readable first. */
        public String closeDetail() {
            return code + ": " + detail;
        }
    }
}
