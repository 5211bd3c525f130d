package io.vmdesk.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import org.jdbi.v3.core.statement.StatementContext;

/** Ledger entries are never deleted: released ones keep their released_at, which helps when debugging a leak. */
final class SqlLedgerRepository implements LedgerRepository {

    private static final String COLUMNS = "id, session_id, kind, name, detail, created_at";

    private final Store store;

    SqlLedgerRepository(Store store) {
        this.store = store;
    }

    @Override
    public long record(String sessionId, String kind, String name, String detail) {
        Sql.require(sessionId, "session id");
        Sql.require(kind, "kind");
        Sql.require(name, "name");
        // RETURNING works on both SQLite (3.35+) and PostgreSQL, unlike getGeneratedKeys, whose support differs.
        return store.call("record " + kind + " " + name + " of session " + sessionId, h -> h.createQuery(
                        "INSERT INTO ledger_entries (session_id, kind, name, detail, created_at)"
                        + " VALUES (:sessionId, :kind, :name, :detail, :createdAt) RETURNING id")
                .bind("sessionId", sessionId)
                .bind("kind", kind)
                .bind("name", name)
                .bind("detail", detail)
                .bind("createdAt", Instant.now().toEpochMilli())
                .mapTo(Long.class)
                .one());
    }

    @Override
    public void updateDetail(long entryId, String detail) {
        int n = store.call("update ledger entry " + entryId, h -> h.createUpdate(
                        "UPDATE ledger_entries SET detail = :detail WHERE id = :id")
                .bind("detail", detail)
                .bind("id", entryId)
                .execute());
        if (n == 0) {
            throw new StoreException("no ledger entry " + entryId);
        }
    }

    @Override
    public void released(long entryId) {
        store.run("release ledger entry " + entryId, h -> h.createUpdate(
                        "UPDATE ledger_entries SET released_at = :t WHERE id = :id AND released_at IS NULL")
                .bind("t", Instant.now().toEpochMilli())
                .bind("id", entryId)
                .execute());
    }

    @Override
    public List<LedgerEntry> open(String sessionId) {
        return store.call("list open ledger entries of session " + sessionId, h -> h.createQuery("SELECT " + COLUMNS
                        + " FROM ledger_entries WHERE session_id = :s AND released_at IS NULL ORDER BY id")
                .bind("s", sessionId)
                .map(SqlLedgerRepository::entry)
                .list());
    }

    @Override
    public List<LedgerEntry> allOpen() {
        return store.call("list open ledger entries", h -> h.createQuery("SELECT " + COLUMNS
                        + " FROM ledger_entries WHERE released_at IS NULL ORDER BY id")
                .map(SqlLedgerRepository::entry)
                .list());
    }

    private static LedgerEntry entry(ResultSet rs, StatementContext ctx) throws SQLException {
        return new LedgerEntry(rs.getLong("id"), rs.getString("session_id"), rs.getString("kind"), rs.getString("name"),
                rs.getString("detail"), Sql.instant(rs, "created_at"));
    }
}
