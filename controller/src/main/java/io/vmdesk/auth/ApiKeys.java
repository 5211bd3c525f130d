package io.vmdesk.auth;

import io.vmdesk.store.ApiKeyRow;
import io.vmdesk.store.Store;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Platform API keys: {@code vmd_<id>_<secret>}. The id finds the row; only a SHA-256 digest of the whole key is
 * stored (the secret has 256 bits, so a plain digest is enough, no slow hash needed), compared in constant time.
 */
public final class ApiKeys {
    private static final Pattern FORMAT = Pattern.compile("vmd_([0-9a-f]{8})_([A-Za-z0-9_-]{43})");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Store store;
    private final Clock clock;

    public ApiKeys(Store store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    /** Creates a key; the returned string is the only copy of it anywhere. */
    public String create(String name, Set<Scope> scopes) {
        byte[] idBytes = new byte[4];
        byte[] secret = new byte[32];
        RANDOM.nextBytes(idBytes);
        RANDOM.nextBytes(secret);
        String id = HexFormat.of().formatHex(idBytes);
        String key = "vmd_" + id + "_" + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        Set<String> labels = new LinkedHashSet<>();
        scopes.forEach(s -> labels.add(s.label()));
        store.apiKeys().insert(new ApiKeyRow(id, name, labels, digest(key), clock.instant(), null));
        return key;
    }

    /** The live key this string is, if any. */
    public Optional<ApiKeyRow> authenticate(String key) {
        if (key == null) {
            return Optional.empty();
        }
        Matcher m = FORMAT.matcher(key.trim());
        if (!m.matches()) {
            return Optional.empty();
        }
        return store.apiKeys().find(m.group(1))
                .filter(row -> row.revokedAt() == null)
                .filter(row -> MessageDigest.isEqual(row.digest().getBytes(StandardCharsets.US_ASCII),
                        digest(key.trim()).getBytes(StandardCharsets.US_ASCII)));
    }

    public static boolean allows(ApiKeyRow key, Scope scope) {
        return key.scopes().contains(scope.label()) || key.scopes().contains(Scope.ADMIN.label());
    }

    private static String digest(String key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
