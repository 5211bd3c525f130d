package io.vmdesk.session;

import java.util.List;

/** What start-up reconciliation found and did; printed at start and kept for the doctor. */
public record ReconcileReport(int sessionsEnded, int ledgerEntriesRemoved, List<String> leftoversRemoved,
        List<String> problems, long millis, int sessionsRevived) {

    public String summary() {
        return "reconciled in " + millis + " ms: " + sessionsRevived + " session(s) revived, " + sessionsEnded
                + " session(s) ended, " + ledgerEntriesRemoved
                + " ledger entr(ies) removed, " + leftoversRemoved.size() + " unowned host resource(s) removed"
                + (problems.isEmpty() ? "" : ", " + problems.size() + " problem(s): " + String.join("; ", problems));
    }
}
