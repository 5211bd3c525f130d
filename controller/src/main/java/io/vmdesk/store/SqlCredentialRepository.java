package io.vmdesk.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.IntFunction;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.StatementContext;

/**
 * Versions are allocated like leases: read the highest, insert the next, and on a unique violation (someone else
 * inserted it first) read again. The read happens outside any transaction, so SQLite never has to upgrade a read
 * lock to a write lock ("database is locked"), and PostgreSQL needs no explicit locking.
 */
final class SqlCredentialRepository implements CredentialRepository {

    /** Each lost race means another writer stored a version, so this bound only guards against a livelock bug. */
    private static final int MAX_ATTEMPTS = 1_000;

    private static final String COLUMNS = "id, user_id, provider, session_id, version, key_id, wrapped_key, key_nonce,"
            + " payload_nonce, ciphertext, aad_version, created_at, superseded_at";

    private final Store store;

    SqlCredentialRepository(Store store) {
        this.store = store;
    }

    @Override
    public CredentialRow insertNextVersion(String userId, String provider, IntFunction<CredentialRow> build) {
        Sql.require(userId, "user id");
        Sql.require(provider, "provider");
        Sql.require(build, "row builder");
        return store.call("store a credential for user " + userId + " and provider " + provider, h -> {
            for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
                int next = h.createQuery("SELECT COALESCE(MAX(version), 0) FROM credentials"
                                + " WHERE user_id = :u AND provider = :p")
                        .bind("u", userId)
                        .bind("p", provider)
                        .mapTo(Integer.class)
                        .one() + 1;
                CredentialRow row = checked(build.apply(next), userId, provider, next);
                try {
                    h.useTransaction(t -> {
                        insert(t, row);
                        // Older versions are superseded, in the same transaction as the insert. None is missed:
                        // version v + 1 is only tried after v was read as committed, and v's own transaction had
                        // marked everything below it the same way.
                        t.createUpdate("UPDATE credentials SET superseded_at = :t WHERE user_id = :u AND provider = :p"
                                        + " AND version < :v AND superseded_at IS NULL")
                                .bind("t", Sql.millis(row.createdAt()))
                                .bind("u", userId)
                                .bind("p", provider)
                                .bind("v", next)
                                .execute();
                    });
                    return row;
                } catch (RuntimeException e) {
                    if (!Sql.isUniqueViolation(e)) {
                        throw e;
                    }
                    // Lost the race for this version: read the new highest and build again.
                }
            }
            throw new StoreException("could not store a credential for user " + userId + " and provider " + provider
                    + " after " + MAX_ATTEMPTS + " attempts");
        });
    }

    @Override
    public Optional<CredentialRow> find(String id) {
        return store.call("find credential " + id, h -> h.createQuery("SELECT " + COLUMNS + " FROM credentials WHERE id = :id")
                .bind("id", id)
                .map(SqlCredentialRepository::row)
                .findOne());
    }

    @Override
    public Optional<CredentialRow> latest(String userId, String provider) {
        return store.call("find the latest credential of user " + userId + " and provider " + provider,
                h -> h.createQuery("SELECT " + COLUMNS + " FROM credentials WHERE user_id = :u AND provider = :p"
                                + " ORDER BY version DESC LIMIT 1")
                        .bind("u", userId)
                        .bind("p", provider)
                        .map(SqlCredentialRepository::row)
                        .findOne());
    }

    @Override
    public Optional<CredentialRow> latestForSession(String sessionId) {
        return store.call("find the credential of session " + sessionId,
                h -> h.createQuery("SELECT " + COLUMNS + " FROM credentials WHERE session_id = :s"
                                + " ORDER BY created_at DESC, version DESC LIMIT 1")
                        .bind("s", sessionId)
                        .map(SqlCredentialRepository::row)
                        .findOne());
    }

    @Override
    public List<CredentialRow> history(String userId, String provider) {
        return store.call("list the credentials of user " + userId + " and provider " + provider,
                h -> h.createQuery("SELECT " + COLUMNS + " FROM credentials WHERE user_id = :u AND provider = :p"
                                + " ORDER BY version")
                        .bind("u", userId)
                        .bind("p", provider)
                        .map(SqlCredentialRepository::row)
                        .list());
    }

    @Override
    public List<CredentialRow> wrappedByOtherThan(String keyId, String afterId, int limit) {
        Sql.require(keyId, "key id");
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1, not " + limit);
        }
        return store.call("list credentials not wrapped by master key " + keyId,
                h -> h.createQuery("SELECT " + COLUMNS + " FROM credentials WHERE key_id <> :k AND id > :after"
                                + " ORDER BY id LIMIT :limit")
                        .bind("k", keyId)
                        .bind("after", afterId == null ? "" : afterId)
                        .bind("limit", limit)
                        .map(SqlCredentialRepository::row)
                        .list());
    }

    @Override
    public boolean rewrap(String id, String expectedKeyId, byte[] expectedKeyNonce, String keyId, byte[] wrappedKey,
            byte[] keyNonce) {
        Sql.require(keyId, "key id");
        Sql.require(wrappedKey, "wrapped key");
        Sql.require(keyNonce, "key nonce");
        int n = store.call("re-wrap the data key of credential " + id, h -> h.createUpdate("UPDATE credentials"
                        + " SET key_id = :k, wrapped_key = :w, key_nonce = :n"
                        + " WHERE id = :id AND key_id = :oldK AND key_nonce = :oldN")
                .bind("k", keyId)
                .bind("w", wrappedKey)
                .bind("n", keyNonce)
                .bind("id", id)
                .bind("oldK", expectedKeyId)
                .bind("oldN", expectedKeyNonce)
                .execute());
        return n > 0;
    }

    @Override
    public Map<String, Long> countByKeyId() {
        return store.call("count credentials per master key", h -> {
            Map<String, Long> counts = new TreeMap<>();
            h.createQuery("SELECT key_id, COUNT(*) AS n FROM credentials GROUP BY key_id")
                    .map((rs, ctx) -> Map.entry(rs.getString("key_id"), rs.getLong("n")))
                    .forEach(e -> counts.put(e.getKey(), e.getValue()));
            return Collections.unmodifiableMap(counts);
        });
    }

    private static void insert(Handle h, CredentialRow row) {
        h.createUpdate("INSERT INTO credentials (" + COLUMNS + ") VALUES (:id, :userId, :provider, :sessionId,"
                        + " :version, :keyId, :wrappedKey, :keyNonce, :payloadNonce, :ciphertext, :aadVersion,"
                        + " :createdAt, :supersededAt)")
                .bind("id", row.id())
                .bind("userId", row.userId())
                .bind("provider", row.provider())
                .bind("sessionId", row.sessionId())
                .bind("version", row.version())
                .bind("keyId", row.keyId())
                .bind("wrappedKey", row.wrappedKey())
                .bind("keyNonce", row.keyNonce())
                .bind("payloadNonce", row.payloadNonce())
                .bind("ciphertext", row.ciphertext())
                .bind("aadVersion", row.aadVersion())
                .bind("createdAt", Sql.millis(row.createdAt()))
                .bind("supersededAt", Sql.millis(row.supersededAt()))
                .execute();
    }

    /** The builder's row must be the one asked for: a mismatch is a programming error, not something to store. */
    private static CredentialRow checked(CredentialRow row, String userId, String provider, int version) {
        Sql.require(row, "credential row");
        if (!userId.equals(row.userId()) || !provider.equals(row.provider()) || row.version() != version) {
            throw new IllegalArgumentException("the credential row built for user " + userId + ", provider " + provider
                    + ", version " + version + " is for user " + row.userId() + ", provider " + row.provider()
                    + ", version " + row.version());
        }
        Sql.require(row.id(), "credential id");
        Sql.require(row.keyId(), "key id");
        Sql.require(row.wrappedKey(), "wrapped key");
        Sql.require(row.keyNonce(), "key nonce");
        Sql.require(row.payloadNonce(), "payload nonce");
        Sql.require(row.ciphertext(), "ciphertext");
        Sql.require(row.createdAt(), "creation time");
        return row;
    }

    private static CredentialRow row(ResultSet rs, StatementContext ctx) throws SQLException {
        Instant supersededAt = Sql.instant(rs, "superseded_at");
        return new CredentialRow(rs.getString("id"), rs.getString("user_id"), rs.getString("provider"),
                rs.getString("session_id"), rs.getInt("version"), rs.getString("key_id"), rs.getBytes("wrapped_key"),
                rs.getBytes("key_nonce"), rs.getBytes("payload_nonce"), rs.getBytes("ciphertext"),
                rs.getInt("aad_version"), Sql.instant(rs, "created_at"), supersededAt);
    }
}
