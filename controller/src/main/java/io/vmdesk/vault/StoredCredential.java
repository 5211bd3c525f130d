package io.vmdesk.vault;

import java.time.Instant;

/**
 * What is known about a stored credential without decrypting it. {@code keyId} names the master key that wraps its
 * data key; {@code supersededAt} is null for the newest version of (userId, provider).
 */
public record StoredCredential(String id, String userId, String provider, String sessionId, int version, String keyId,
        Instant createdAt, Instant supersededAt) {

    /** Whether this is the newest version for its user and provider. */
    public boolean current() {
        return supersededAt == null;
    }
}
