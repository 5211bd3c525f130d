package io.vmdesk.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.jdbi.v3.core.statement.Query;
import org.jdbi.v3.core.statement.StatementContext;

final class SqlSessionRepository implements SessionRepository {

    private static final Set<String> OUTCOMES = Set.of("ok", "failed", "undone");
    private static final String COLUMNS = "id, user_id, provider, status, browser_ip, mac, created_at, expires_at,"
            + " ready_at, ended_at, ended_reason, diagnosis, last_disconnect";

    private final Store store;

    SqlSessionRepository(Store store) {
        this.store = store;
    }

    @Override
    public void insert(SessionRow row) {
        Sql.require(row, "session row");
        Sql.require(row.id(), "session id");
        Sql.require(row.userId(), "user id");
        Sql.requireStatus(row.status());
        Sql.require(row.createdAt(), "createdAt");
        store.run("insert session " + row.id(), h -> h.createUpdate("INSERT INTO sessions (" + COLUMNS + ")"
                        + " VALUES (:id, :userId, :provider, :status, :browserIp, :mac, :createdAt, :expiresAt,"
                        + " :readyAt, :endedAt, :endedReason, :diagnosis, :lastDisconnect)")
                .bind("id", row.id())
                .bind("userId", row.userId())
                .bind("provider", row.provider())
                .bind("status", row.status())
                .bind("browserIp", row.browserIp())
                .bind("mac", row.mac())
                .bind("createdAt", Sql.millis(row.createdAt()))
                .bind("expiresAt", Sql.millis(row.expiresAt()))
                .bind("readyAt", Sql.millis(row.readyAt()))
                .bind("endedAt", Sql.millis(row.endedAt()))
                .bind("endedReason", row.endedReason())
                .bind("diagnosis", row.diagnosis())
                .bind("lastDisconnect", row.lastDisconnect())
                .execute());
    }

    @Override
    public Optional<SessionRow> find(String id) {
        return store.call("find session " + id, h -> h.createQuery("SELECT " + COLUMNS + " FROM sessions WHERE id = :id")
                .bind("id", id)
                .map(SqlSessionRepository::row)
                .findOne());
    }

    @Override
    public List<SessionRow> list(String statusOrNull, String userIdOrNull) {
        // Built rather than "(:s IS NULL OR status = :s)": PostgreSQL cannot type a parameter that is only compared to NULL.
        List<String> where = new ArrayList<>();
        if (statusOrNull != null) {
            where.add("status = :status");
        }
        if (userIdOrNull != null) {
            where.add("user_id = :userId");
        }
        String sql = "SELECT " + COLUMNS + " FROM sessions"
                + (where.isEmpty() ? "" : " WHERE " + String.join(" AND ", where))
                + " ORDER BY created_at DESC, id DESC";
        return store.call("list sessions", h -> {
            Query q = h.createQuery(sql);
            if (statusOrNull != null) {
                q.bind("status", statusOrNull);
            }
            if (userIdOrNull != null) {
                q.bind("userId", userIdOrNull);
            }
            return q.map(SqlSessionRepository::row).list();
        });
    }

    @Override
    public List<SessionRow> live() {
        return store.call("list live sessions", h -> h.createQuery("SELECT " + COLUMNS + " FROM sessions"
                        + " WHERE status NOT IN " + Sql.FINAL_IN + " ORDER BY created_at, id")
                .map(SqlSessionRepository::row)
                .list());
    }

    @Override
    public int countLive() {
        return store.call("count live sessions", h -> h.createQuery("SELECT COUNT(*) FROM sessions"
                        + " WHERE status NOT IN " + Sql.FINAL_IN)
                .mapTo(Integer.class)
                .one());
    }

    @Override
    public void setAddress(String id, String browserIp, String mac) {
        int n = store.call("set address of session " + id, h -> h.createUpdate(
                        "UPDATE sessions SET browser_ip = :ip, mac = :mac WHERE id = :id")
                .bind("ip", browserIp)
                .bind("mac", mac)
                .bind("id", id)
                .execute());
        requireFound(n, id);
    }

    @Override
    public void markReady(String id, Instant readyAt) {
        store.run("mark session " + id + " ready", h -> h.createUpdate(
                        "UPDATE sessions SET status = 'READY', ready_at = :readyAt WHERE id = :id AND status = 'STARTING'")
                .bind("readyAt", Sql.millis(Sql.require(readyAt, "readyAt")))
                .bind("id", id)
                .execute());
    }

    @Override
    public boolean finish(String id, String status, String reason, String diagnosis, Instant endedAt) {
        if (!Sql.FINAL.contains(status)) {
            throw new IllegalArgumentException("finish needs a final status (ENDED, FAILED or CREDENTIALS_CAPTURED), not '" + status + "'");
        }
        // The status condition in the same UPDATE makes "only once" atomic: of two racing finishers, one changes a row.
        int n = store.call("finish session " + id, h -> h.createUpdate("UPDATE sessions"
                        + " SET status = :status, ended_reason = :reason, diagnosis = :diagnosis, ended_at = :endedAt"
                        + " WHERE id = :id AND status NOT IN " + Sql.FINAL_IN)
                .bind("status", status)
                .bind("reason", reason)
                .bind("diagnosis", diagnosis)
                .bind("endedAt", Sql.millis(Sql.require(endedAt, "endedAt")))
                .bind("id", id)
                .execute());
        return n > 0;
    }

    @Override
    public void setStatus(String id, String status) {
        Sql.requireStatus(status);
        // A final session stays final: a late "ENDING" must not bring it back into live().
        store.run("set status of session " + id, h -> h.createUpdate(
                        "UPDATE sessions SET status = :status WHERE id = :id AND status NOT IN " + Sql.FINAL_IN)
                .bind("status", status)
                .bind("id", id)
                .execute());
    }

    @Override
    public void setLastDisconnect(String id, String reason) {
        int n = store.call("set last disconnect of session " + id, h -> h.createUpdate(
                        "UPDATE sessions SET last_disconnect = :reason WHERE id = :id")
                .bind("reason", reason)
                .bind("id", id)
                .execute());
        requireFound(n, id);
    }

    @Override
    public void appendStep(String id, StepRow step) {
        Sql.require(step, "step");
        Sql.require(step.name(), "step name");
        if (!OUTCOMES.contains(step.outcome())) {
            throw new IllegalArgumentException("unknown step outcome '" + step.outcome() + "' (expected ok, failed or undone)");
        }
        // The auto-increment id gives the order; the foreign key rejects steps of an unknown session.
        store.run("append step to session " + id, h -> h.createUpdate("INSERT INTO session_steps"
                        + " (session_id, name, outcome, started_at, millis, detail)"
                        + " VALUES (:sessionId, :name, :outcome, :startedAt, :millis, :detail)")
                .bind("sessionId", id)
                .bind("name", step.name())
                .bind("outcome", step.outcome())
                .bind("startedAt", Sql.millis(step.startedAt()))
                .bind("millis", step.millis())
                .bind("detail", step.detail())
                .execute());
    }

    @Override
    public List<StepRow> steps(String id) {
        return store.call("list steps of session " + id, h -> h.createQuery("SELECT name, outcome, started_at, millis, detail"
                        + " FROM session_steps WHERE session_id = :id ORDER BY id")
                .bind("id", id)
                .map((rs, ctx) -> new StepRow(rs.getString("name"), rs.getString("outcome"),
                        Sql.instant(rs, "started_at"), rs.getLong("millis"), rs.getString("detail")))
                .list());
    }

    private static void requireFound(int updated, String id) {
        if (updated == 0) {
            throw new StoreException("no session " + id);
        }
    }

    private static SessionRow row(ResultSet rs, StatementContext ctx) throws SQLException {
        return new SessionRow(rs.getString("id"), rs.getString("user_id"), rs.getString("provider"),
                rs.getString("status"), rs.getString("browser_ip"), rs.getString("mac"),
                Sql.instant(rs, "created_at"), Sql.instant(rs, "expires_at"), Sql.instant(rs, "ready_at"),
                Sql.instant(rs, "ended_at"), rs.getString("ended_reason"), rs.getString("diagnosis"),
                rs.getString("last_disconnect"));
    }
}
