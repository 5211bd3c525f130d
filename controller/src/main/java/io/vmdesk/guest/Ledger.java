package io.vmdesk.guest;

/** Where a driver records each host resource BEFORE creating it (backed by the store's ledger). */
public interface Ledger {
    /** @param kind "netns", "interface", "process" or "directory"; @return the entry id */
    long record(String kind, String name, String detail);

    void updateDetail(long entryId, String detail);

    void released(long entryId);
}
