package io.vmdesk.session;

import io.vmdesk.guest.GuestDriver;
import io.vmdesk.store.LedgerEntry;
import io.vmdesk.store.Store;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes what the ledger says a session holds, newest first, then releases its address. It needs nothing but the
 * ledger, so the same code tears down a live session and cleans up after a crash.
 */
final class Teardown {
    private static final Logger log = LoggerFactory.getLogger(Teardown.class);

    private final Store store;
    private final GuestDriver driver;

    Teardown(Store store, GuestDriver driver) {
        this.store = store;
        this.driver = driver;
    }

    /** @return problems met (empty when everything is gone); entries that could not be removed stay open */
    List<String> release(String sessionId) {
        List<String> problems = new ArrayList<>();
        List<LedgerEntry> entries = new ArrayList<>(store.ledger().open(sessionId));
        for (LedgerEntry entry : entries.reversed()) {
            try {
                driver.remove(entry.kind(), entry.name(), entry.detail());
                store.ledger().released(entry.id());
                io.vmdesk.host.TestHook.pauseAt("teardown." + entry.kind(), sessionId);
                log.debug("session={} removed {} {}", sessionId, entry.kind(), entry.name());
            } catch (RuntimeException e) {
                problems.add("could not remove " + entry.kind() + " " + entry.name() + ": " + e.getMessage());
                log.warn("session={} could not remove {} {}: {}", sessionId, entry.kind(), entry.name(), e.getMessage());
            }
        }
        store.leases().release(sessionId);
        return problems;
    }
}
