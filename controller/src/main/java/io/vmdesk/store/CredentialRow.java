package io.vmdesk.store;

import java.time.Instant;

/**
 * One encrypted credential as stored. Nothing in it is plaintext: {@code ciphertext} is the credential encrypted
 * with a per-record data key, and that data key is present only as {@code wrappedKey}, encrypted by the master key
 * {@code keyId}. The layout of the encryption belongs to io.vmdesk.vault.Vault; the store only keeps the bytes.
 * Timestamps have millisecond precision. {@code supersededAt} is null for the newest version.
 *
 * <p>The byte arrays are the record's own (not copied): treat them as read-only.
 */
public record CredentialRow(String id, String userId, String provider, String sessionId, int version, String keyId,
        byte[] wrappedKey, byte[] keyNonce, byte[] payloadNonce, byte[] ciphertext, int aadVersion,
        Instant createdAt, Instant supersededAt) {

    /** Ids and sizes only: the generated toString would print array identities, useless and noisy. */
    @Override
    public String toString() {
        return "CredentialRow[id=" + id + ", userId=" + userId + ", provider=" + provider + ", sessionId=" + sessionId
                + ", version=" + version + ", keyId=" + keyId + ", ciphertext=" + length(ciphertext) + " bytes"
                + ", createdAt=" + createdAt + ", supersededAt=" + supersededAt + "]";
    }

    private static int length(byte[] b) {
        return b == null ? 0 : b.length;
    }
}
