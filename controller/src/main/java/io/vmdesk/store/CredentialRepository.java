package io.vmdesk.store;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntFunction;

/**
 * Encrypted credentials, one row per version per (user, provider). Rows are only ever added, re-wrapped (a new
 * master key for the same data key) or marked superseded; never deleted or re-encrypted here. The encryption itself
 * is io.vmdesk.vault.Vault's business: use that, not this, to store or read a credential.
 */
public interface CredentialRepository {

    /**
     * Adds the next version for (userId, provider): reads the highest version v, asks {@code build} for the row of
     * version v + 1, inserts it and marks every older version superseded, in one transaction. If another writer (a
     * thread or another controller) took v + 1 first, the unique constraint on (user_id, provider, version) rejects
     * ours and this reads again and calls {@code build} again with the new number, so versions have neither gaps nor
     * duplicates. {@code build} must return a row with exactly that userId, provider and version, and a new id.
     *
     * @return the row as inserted
     */
    CredentialRow insertNextVersion(String userId, String provider, IntFunction<CredentialRow> build);

    Optional<CredentialRow> find(String id);

    /** The highest version of (userId, provider), superseded or not (it never is, unless a writer crashed). */
    Optional<CredentialRow> latest(String userId, String provider);

    /** The newest row stored for this session (by creation time, then version), even if superseded since. */
    Optional<CredentialRow> latestForSession(String sessionId);

    /** Every version of (userId, provider), oldest first. */
    List<CredentialRow> history(String userId, String provider);

    /**
     * Rows whose data key is wrapped by a master key other than {@code keyId} and whose id sorts after
     * {@code afterId} ("" for the start), in id order, at most {@code limit}: the pages a rotation walks through.
     */
    List<CredentialRow> wrappedByOtherThan(String keyId, String afterId, int limit);

    /**
     * Replaces the wrapping of a row's data key, but only if the row is still wrapped as it was read (same key id
     * and key nonce): a compare-and-set, so concurrent rotations never overwrite each other. Returns whether it did.
     */
    boolean rewrap(String id, String expectedKeyId, byte[] expectedKeyNonce, String keyId, byte[] wrappedKey,
            byte[] keyNonce);

    /** How many rows each master key id wraps: a rotation is complete when only the current id is left. */
    Map<String, Long> countByKeyId();
}
