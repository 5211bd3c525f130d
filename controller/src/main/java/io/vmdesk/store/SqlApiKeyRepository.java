package io.vmdesk.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;

final class SqlApiKeyRepository implements ApiKeyRepository {
    private final Store store;

    SqlApiKeyRepository(Store store) {
        this.store = store;
    }

    @Override
    public void insert(ApiKeyRow row) {
        store.run("create api key " + row.id(), h -> h.createUpdate("INSERT INTO api_keys "
                        + "(id, name, scopes, digest, created_at) VALUES (:id, :name, :scopes, :digest, :created)")
                .bind("id", row.id()).bind("name", row.name()).bind("scopes", String.join(",", row.scopes()))
                .bind("digest", row.digest()).bind("created", row.createdAt().toEpochMilli()).execute());
    }

    @Override
    public Optional<ApiKeyRow> find(String id) {
        return store.call("find api key", h -> h.createQuery("SELECT * FROM api_keys WHERE id = :id")
                .bind("id", id).map((rs, ctx) -> row(rs)).findOne());
    }

    @Override
    public List<ApiKeyRow> list() {
        return store.call("list api keys", h -> h.createQuery("SELECT * FROM api_keys ORDER BY created_at")
                .map((rs, ctx) -> row(rs)).list());
    }

    @Override
    public boolean revoke(String id, Instant at) {
        return store.call("revoke api key " + id, h -> h.createUpdate(
                        "UPDATE api_keys SET revoked_at = :at WHERE id = :id AND revoked_at IS NULL")
                .bind("at", at.toEpochMilli()).bind("id", id).execute()) > 0;
    }

    private static ApiKeyRow row(ResultSet rs) throws SQLException {
        long revoked = rs.getLong("revoked_at");
        boolean wasNull = rs.wasNull();
        return new ApiKeyRow(rs.getString("id"), rs.getString("name"),
                new LinkedHashSet<>(Arrays.asList(rs.getString("scopes").split(","))), rs.getString("digest"),
                Instant.ofEpochMilli(rs.getLong("created_at")), wasNull ? null : Instant.ofEpochMilli(revoked));
    }
}
