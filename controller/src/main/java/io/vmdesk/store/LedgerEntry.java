package io.vmdesk.store;

import java.time.Instant;

/** A host resource recorded before it was created and not (yet) released. */
public record LedgerEntry(long id, String sessionId, String kind, String name, String detail, Instant createdAt) {
}
