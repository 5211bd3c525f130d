package io.vmdesk.store;

import java.util.List;

/** Append-only record of who did what to which session or credential. */
public interface AuditRepository {
    void append(AuditRow row);

    /** Newest first. */
    List<AuditRow> recent(int limit);
}
