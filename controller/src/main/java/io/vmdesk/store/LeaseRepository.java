package io.vmdesk.store;

import io.vmdesk.net.Ipv4Address;
import java.util.Map;
import java.util.Optional;

/** Browser address leases: at most one address per session and one session per address. */
public interface LeaseRepository {

    /**
     * Atomically leases the lowest address in [start, end] (inclusive) not leased to anyone, or empty if exhausted.
     * Safe under concurrency from several threads and several processes/connections. A session holds at most one
     * lease: if it already has one, that address is returned again (so a retried start does not leak a second one).
     */
    Optional<Ipv4Address> acquire(String sessionId, Ipv4Address start, Ipv4Address end);

    /** Gives the session's address back; idempotent. */
    void release(String sessionId);

    /** sessionId -> address for every current lease, in address order. */
    Map<String, Ipv4Address> all();
}
