package io.vmdesk.store;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Platform API keys; the key itself is never stored. */
public interface ApiKeyRepository {
    void insert(ApiKeyRow row);

    Optional<ApiKeyRow> find(String id);

    List<ApiKeyRow> list();

    /** @return whether a live key was revoked */
    boolean revoke(String id, Instant at);
}
