package io.vmdesk.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Set;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/** Small helpers shared by the repositories: timestamps as epoch millis, status names. */
final class Sql {

    static final Set<String> LIVE = Set.of("STARTING", "READY", "ENDING");
    static final Set<String> FINAL = Set.of("ENDED", "FAILED", "CREDENTIALS_CAPTURED");
    /** For SQL text: the final statuses, so "live" means "not final" and an unexpected status is never forgotten. */
    static final String FINAL_IN = "('ENDED', 'FAILED', 'CREDENTIALS_CAPTURED')";

    private Sql() {
    }

    /**
     * Timestamps are BIGINT epoch milliseconds: the same on both databases, immune to time zones and to the
     * differing precision of their timestamp types.
     */
    static Long millis(Instant t) {
        return t == null ? null : t.toEpochMilli();
    }

    static Instant instant(ResultSet rs, String column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? null : Instant.ofEpochMilli(v);
    }

    static String requireStatus(String status) {
        if (status == null || !(LIVE.contains(status) || FINAL.contains(status))) {
            throw new IllegalArgumentException("unknown session status '" + status
                    + "' (expected STARTING, READY, ENDING, ENDED, FAILED or CREDENTIALS_CAPTURED)");
        }
        return status;
    }

    static <T> T require(T value, String what) {
        if (value == null) {
            throw new IllegalArgumentException(what + " is required");
        }
        return value;
    }

    /**
     * PostgreSQL reports SQLState 23505. SQLite reports SQLITE_CONSTRAINT, extended to say which constraint: only
     * UNIQUE and PRIMARY KEY count, so a NOT NULL or foreign-key violation is never mistaken for a lost race (and
     * retried). A plain SQLITE_CONSTRAINT without the extension cannot be told apart and counts as a race.
     */
    static boolean isUniqueViolation(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s) {
                if ("23505".equals(s.getSQLState())) {
                    return true;
                }
                if (t instanceof SQLiteException sqlite) {
                    SQLiteErrorCode code = sqlite.getResultCode();
                    return code == SQLiteErrorCode.SQLITE_CONSTRAINT_UNIQUE
                            || code == SQLiteErrorCode.SQLITE_CONSTRAINT_PRIMARYKEY
                            || code == SQLiteErrorCode.SQLITE_CONSTRAINT;
                }
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }
}
