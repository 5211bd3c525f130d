package io.vmdesk.store;

import java.time.Instant;

/**
 * One session as stored. {@code status} is one of STARTING, READY, ENDING (live) or ENDED, FAILED (final).
 * Timestamps are stored with millisecond precision: anything finer is truncated.
 */
public record SessionRow(String id, String userId, String provider, String status, String browserIp, String mac,
        Instant createdAt, Instant expiresAt, Instant readyAt, Instant endedAt,
        String endedReason, String diagnosis, String lastDisconnect) {
}
