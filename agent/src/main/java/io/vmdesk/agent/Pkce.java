package io.vmdesk.agent;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.regex.Pattern;

/** RFC 7636 PKCE with S256, and the random {@code state}. */
public final class Pkce {
    /** RFC 7636 §4.1: 43-128 characters of [A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~". */
    private static final Pattern VERIFIER = Pattern.compile("[A-Za-z0-9._~-]{43,128}");
    private static final int RANDOM_BYTES = 32;

    private Pkce() {}

    /** 32 random bytes, base64url without padding: 43 characters (RFC 7636 §7.1). */
    public static String newVerifier(SecureRandom random) {
        return randomBase64Url(random, RANDOM_BYTES);
    }

    public static String newState(SecureRandom random) {
        return randomBase64Url(random, RANDOM_BYTES);
    }

    /** {@code BASE64URL(SHA256(ASCII(code_verifier)))}. */
    public static String challengeS256(String verifier) {
        if (!isValidVerifier(verifier)) {
            throw new IllegalArgumentException("not an RFC 7636 code_verifier");
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every JDK", e);
        }
    }

    public static boolean isValidVerifier(String verifier) {
        return verifier != null && VERIFIER.matcher(verifier).matches();
    }

    private static String randomBase64Url(SecureRandom random, int bytes) {
        byte[] b = new byte[bytes];
        random.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }
}
