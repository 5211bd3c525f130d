package io.vmdesk.store;

import java.time.Instant;
import java.util.Set;

/** A platform API key as stored: its public id, name, scopes and the digest of the whole key. */
public record ApiKeyRow(String id, String name, Set<String> scopes, String digest, Instant createdAt,
        Instant revokedAt) {
}
