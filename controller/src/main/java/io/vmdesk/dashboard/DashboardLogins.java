package io.vmdesk.dashboard;

import io.vmdesk.auth.ApiKeys;
import io.vmdesk.auth.Scope;
import io.vmdesk.store.ApiKeyRow;
import io.vmdesk.store.Store;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Dashboard logins: an admin API key, typed once on the login page, is exchanged for a random cookie value that lives
 * in memory only (a restart logs everyone out). Each request checks that the key behind the cookie is still live, so
 * revoking the key ends its dashboard logins too.
 */
final class DashboardLogins {
    static final String COOKIE = "vmdesk_dashboard";
    static final Duration LIFETIME = Duration.ofHours(12);
    private static final SecureRandom RANDOM = new SecureRandom();

    private record Login(String keyId, Instant expires) {
    }

    private final ApiKeys keys;
    private final Store store;
    private final Clock clock;
    private final Map<String, Login> logins = new ConcurrentHashMap<>();

    DashboardLogins(ApiKeys keys, Store store, Clock clock) {
        this.keys = keys;
        this.store = store;
        this.clock = clock;
    }

    /** @return the new cookie value, if {@code key} is a live admin key */
    Optional<String> login(String key) {
        Optional<ApiKeyRow> row = keys.authenticate(key).filter(r -> r.scopes().contains(Scope.ADMIN.label()));
        if (row.isEmpty()) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        logins.values().removeIf(l -> l.expires().isBefore(now));
        byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        String cookie = Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        logins.put(cookie, new Login(row.get().id(), now.plus(LIFETIME)));
        return Optional.of(cookie);
    }

    /** @return the id of the API key behind this cookie value, if the login and the key are both still live */
    Optional<String> keyId(String cookie) {
        if (cookie == null) {
            return Optional.empty();
        }
        Login login = logins.get(cookie);
        if (login == null || login.expires().isBefore(clock.instant())) {
            return Optional.empty();
        }
        boolean live = store.apiKeys().find(login.keyId()).map(r -> r.revokedAt() == null).orElse(false);
        if (!live) {
            logins.remove(cookie);
            return Optional.empty();
        }
        return Optional.of(login.keyId());
    }

    void logout(String cookie) {
        if (cookie != null) {
            logins.remove(cookie);
        }
    }
}
