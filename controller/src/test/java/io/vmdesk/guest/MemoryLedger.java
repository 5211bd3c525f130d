package io.vmdesk.guest;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** A ledger kept in memory, for tests. */
final class MemoryLedger implements Ledger {
    record Entry(long id, String kind, String name, String detail, boolean released) {
    }

    private static final AtomicLong IDS = new AtomicLong();
    private final List<Entry> entries = new ArrayList<>();

    @Override
    public synchronized long record(String kind, String name, String detail) {
        long id = IDS.incrementAndGet();
        entries.add(new Entry(id, kind, name, detail, false));
        return id;
    }

    @Override
    public synchronized void updateDetail(long entryId, String detail) {
        replace(entryId, e -> new Entry(e.id(), e.kind(), e.name(), detail, e.released()));
    }

    @Override
    public synchronized void released(long entryId) {
        replace(entryId, e -> new Entry(e.id(), e.kind(), e.name(), e.detail(), true));
    }

    synchronized List<Entry> entries() {
        return List.copyOf(entries);
    }

    synchronized List<Entry> open() {
        return entries.stream().filter(e -> !e.released()).toList();
    }

    synchronized Entry find(String kind, String name) {
        return entries.stream().filter(e -> e.kind().equals(kind) && e.name().equals(name)).findFirst().orElseThrow();
    }

    /** What a teardown does: remove every open entry, newest first, releasing each; returns the problems. */
    List<String> teardown(GuestDriver driver) {
        List<String> problems = new ArrayList<>();
        for (Entry e : open().reversed()) {
            try {
                driver.remove(e.kind(), e.name(), e.detail());
                released(e.id());
            } catch (RuntimeException ex) {
                problems.add(e.kind() + " " + e.name() + ": " + ex.getMessage());
            }
        }
        return problems;
    }

    private void replace(long id, java.util.function.UnaryOperator<Entry> change) {
        for (int i = 0; i < entries.size(); i++) {
            if (entries.get(i).id() == id) {
                entries.set(i, change.apply(entries.get(i)));
                return;
            }
        }
        throw new IllegalArgumentException("no ledger entry " + id);
    }
}
