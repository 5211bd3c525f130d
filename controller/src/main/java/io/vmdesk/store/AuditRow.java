package io.vmdesk.store;

import java.time.Instant;

/** One audited action. */
public record AuditRow(Instant at, String actor, String action, String sessionId, String userId, String provider,
        String detail) {
}
