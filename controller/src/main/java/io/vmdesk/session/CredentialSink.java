package io.vmdesk.session;

/** Where captured credentials go (the vault): encrypted, versioned per user and provider. */
public interface CredentialSink {
    /** @return the version stored for (userId, provider) */
    int store(String userId, String provider, String sessionId, byte[] plaintext);
}
