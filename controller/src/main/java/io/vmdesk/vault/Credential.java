package io.vmdesk.vault;

import java.time.Instant;
import java.util.Arrays;

/**
 * A decrypted credential. {@link #plaintext()} returns the array itself, not a copy, so that {@link #close()} can
 * zero it: use try-with-resources, and do not keep the array (or Strings made from it) longer than needed.
 * {@code toString} never shows the plaintext.
 */
public final class Credential implements AutoCloseable {

    private final String id;
    private final String userId;
    private final String provider;
    private final String sessionId;
    private final int version;
    private final Instant createdAt;
    private final Instant supersededAt;
    private final byte[] plaintext;

    Credential(String id, String userId, String provider, String sessionId, int version, Instant createdAt,
            Instant supersededAt, byte[] plaintext) {
        this.id = id;
        this.userId = userId;
        this.provider = provider;
        this.sessionId = sessionId;
        this.version = version;
        this.createdAt = createdAt;
        this.supersededAt = supersededAt;
        this.plaintext = plaintext;
    }

    /** The record id. */
    public String id() {
        return id;
    }

    public String userId() {
        return userId;
    }

    public String provider() {
        return provider;
    }

    /** The login session that handed the credential back; may be null. */
    public String sessionId() {
        return sessionId;
    }

    /** 1, 2, ... per (userId, provider). */
    public int version() {
        return version;
    }

    public Instant createdAt() {
        return createdAt;
    }

    /** When a newer version replaced this one; null while it is the newest. */
    public Instant supersededAt() {
        return supersededAt;
    }

    /** Whether this is the newest version for its user and provider. */
    public boolean current() {
        return supersededAt == null;
    }

    /** The credential itself (the array, not a copy; all zeros after {@link #close()}). */
    public byte[] plaintext() {
        return plaintext;
    }

    /** Zeroes the plaintext. */
    @Override
    public void close() {
        Arrays.fill(plaintext, (byte) 0);
    }

    @Override
    public String toString() {
        return "Credential[id=" + id + ", userId=" + userId + ", provider=" + provider + ", sessionId=" + sessionId
                + ", version=" + version + ", createdAt=" + createdAt + ", supersededAt=" + supersededAt
                + ", plaintext=" + plaintext.length + " bytes]";
    }
}
