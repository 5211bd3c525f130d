package io.vmdesk.session;

import io.vmdesk.guest.Ledger;
import io.vmdesk.store.LedgerRepository;

/** The driver's view of the ledger: every resource it records is filed under one session. */
final class StoreLedger implements Ledger {
    private final LedgerRepository repository;
    private final String sessionId;

    StoreLedger(LedgerRepository repository, String sessionId) {
        this.repository = repository;
        this.sessionId = sessionId;
    }

    @Override
    public long record(String kind, String name, String detail) {
        return repository.record(sessionId, kind, name, detail);
    }

    @Override
    public void updateDetail(long entryId, String detail) {
        repository.updateDetail(entryId, detail);
    }

    @Override
    public void released(long entryId) {
        repository.released(entryId);
    }
}
