package io.vmdesk.agentapi;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One-time agent tokens: one per session, bound to it, good until the credentials are handed back or the session
 * ends. Only a SHA-256 digest is kept; the token itself exists in the guest's environment and nowhere else.
 */
public final class AgentTokens {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Map<String, byte[]> digests = new ConcurrentHashMap<>();

    /** Issues the session's token (replacing any earlier one). */
    public String issue(String sessionId) {
        byte[] raw = new byte[32];
        RANDOM.nextBytes(raw);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        digests.put(sessionId, digest(token));
        return token;
    }

    /** Why the token is refused for this session, or empty when it is valid. */
    public Optional<String> check(String sessionId, String token) {
        byte[] expected = digests.get(sessionId);
        if (expected == null) {
            return Optional.of("no valid agent token for this session (ended, or credentials already handed back)");
        }
        if (token == null || !MessageDigest.isEqual(expected, digest(token))) {
            return Optional.of("the agent token does not belong to this session");
        }
        return Optional.empty();
    }

    /** The token stops working (hand-back done or session over). */
    public void revoke(String sessionId) {
        digests.remove(sessionId);
    }

    private static byte[] digest(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
