package io.vmdesk.store;

import io.vmdesk.net.Ipv4Address;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/**
 * Leases are rows (address, session_id) with both columns unique. Acquiring reads the leased addresses, picks the
 * lowest gap and inserts it; if another thread or controller inserted the same address first, the unique constraint
 * rejects ours and we look again. No transaction or lock is held across the read, which keeps SQLite from
 * "database is locked" upgrades and works the same on PostgreSQL.
 */
final class SqlLeaseRepository implements LeaseRepository {

    /** Each lost race means someone else got an address, so this bound is only a guard against a livelock bug. */
    private static final int MAX_ATTEMPTS = 1_000;

    private final Store store;

    SqlLeaseRepository(Store store) {
        this.store = store;
    }

    @Override
    public Optional<Ipv4Address> acquire(String sessionId, Ipv4Address start, Ipv4Address end) {
        Sql.require(sessionId, "session id");
        if (start.compareTo(end) > 0) {
            throw new IllegalArgumentException("empty address range " + start + " - " + end);
        }
        long lo = Integer.toUnsignedLong(start.bits());
        long hi = Integer.toUnsignedLong(end.bits());
        return store.call("lease an address for session " + sessionId, h -> {
            for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
                Optional<Ipv4Address> held = leaseOf(h, sessionId);
                if (held.isPresent()) {
                    return held;
                }
                long candidate = lowestFree(h, lo, hi);
                if (candidate > hi) {
                    return Optional.empty();
                }
                try {
                    h.createUpdate("INSERT INTO leases (address, session_id, leased_at) VALUES (:a, :s, :t)")
                            .bind("a", candidate)
                            .bind("s", sessionId)
                            .bind("t", Instant.now().toEpochMilli())
                            .execute();
                    return Optional.of(new Ipv4Address((int) candidate));
                } catch (RuntimeException e) {
                    if (!Sql.isUniqueViolation(e)) {
                        throw e;
                    }
                    // Lost a race for this address (or this session leased concurrently): look again.
                }
            }
            throw new StoreException("could not lease an address in " + start + " - " + end + " for session "
                    + sessionId + " after " + MAX_ATTEMPTS + " attempts");
        });
    }

    @Override
    public void release(String sessionId) {
        store.run("release lease of session " + sessionId, h -> h.createUpdate("DELETE FROM leases WHERE session_id = :s")
                .bind("s", sessionId)
                .execute());
    }

    @Override
    public Map<String, Ipv4Address> all() {
        return store.call("list leases", h -> {
            Map<String, Ipv4Address> result = new LinkedHashMap<>();
            h.createQuery("SELECT session_id, address FROM leases ORDER BY address")
                    .map((rs, ctx) -> Map.entry(rs.getString("session_id"), new Ipv4Address((int) rs.getLong("address"))))
                    .forEach(e -> result.put(e.getKey(), e.getValue()));
            return Collections.unmodifiableMap(result);
        });
    }

    private static Optional<Ipv4Address> leaseOf(Handle h, String sessionId) {
        return h.createQuery("SELECT address FROM leases WHERE session_id = :s")
                .bind("s", sessionId)
                .mapTo(Long.class)
                .findOne()
                .map(a -> new Ipv4Address(a.intValue()));
    }

    /** The lowest address in [lo, hi] not in the leases table, or hi + 1 if there is none. */
    private static long lowestFree(Handle h, long lo, long hi) {
        List<Long> taken = h.createQuery("SELECT address FROM leases WHERE address BETWEEN :lo AND :hi ORDER BY address")
                .bind("lo", lo)
                .bind("hi", hi)
                .mapTo(Long.class)
                .list();
        long candidate = lo;
        for (long a : taken) {
            if (a != candidate) {
                break;   // sorted and unique, so a > candidate: candidate is a gap
            }
            candidate++;
        }
        return candidate;
    }
}
