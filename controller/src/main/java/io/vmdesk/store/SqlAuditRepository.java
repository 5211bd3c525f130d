package io.vmdesk.store;

import java.time.Instant;
import java.util.List;

final class SqlAuditRepository implements AuditRepository {
    private final Store store;

    SqlAuditRepository(Store store) {
        this.store = store;
    }

    @Override
    public void append(AuditRow row) {
        store.run("audit " + row.action(), h -> h.createUpdate("INSERT INTO audit_log "
                        + "(at, actor, action, session_id, user_id, provider, detail) "
                        + "VALUES (:at, :actor, :action, :session, :user, :provider, :detail)")
                .bind("at", row.at().toEpochMilli()).bind("actor", row.actor()).bind("action", row.action())
                .bind("session", row.sessionId()).bind("user", row.userId()).bind("provider", row.provider())
                .bind("detail", row.detail()).execute());
    }

    @Override
    public List<AuditRow> recent(int limit) {
        return store.call("read audit log", h -> h.createQuery("SELECT * FROM audit_log ORDER BY id DESC LIMIT :n")
                .bind("n", limit)
                .map((rs, ctx) -> new AuditRow(Instant.ofEpochMilli(rs.getLong("at")), rs.getString("actor"),
                        rs.getString("action"), rs.getString("session_id"), rs.getString("user_id"),
                        rs.getString("provider"), rs.getString("detail"))).list());
    }
}
