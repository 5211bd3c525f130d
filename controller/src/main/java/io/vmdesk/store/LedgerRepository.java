package io.vmdesk.store;

import java.util.List;

/**
 * The ledger of host resources. A resource is recorded BEFORE it is created and marked released only after it is
 * gone, so after a crash every open entry names something that may exist and must be cleaned up.
 */
public interface LedgerRepository {

    /** Records intent BEFORE creating the resource; returns the entry id. kind is e.g. "interface", "netns", "process", "directory". */
    long record(String sessionId, String kind, String name, String detail);

    /** Replaces the detail, e.g. to fill in a pid after the process started; StoreException if there is no such entry. */
    void updateDetail(long entryId, String detail);

    /** The resource is gone; idempotent. */
    void released(long entryId);

    /** The session's unreleased entries, in creation order. */
    List<LedgerEntry> open(String sessionId);

    /** Every unreleased entry of every session, in creation order. */
    List<LedgerEntry> allOpen();
}
