package io.vmdesk.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vmdesk.net.Ipv4Address;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The repository contract, run once per database by the subclasses. Each test gets a fresh, empty database from
 * {@link #freshUrl()} and the subclass removes it afterwards.
 */
abstract class StoreContractTest {

    static final Instant T0 = Instant.parse("2025-01-02T03:04:05.123Z");

    Store store;
    String url;

    /** A URL naming a new, empty database (or schema) for one test. */
    abstract String freshUrl() throws Exception;

    abstract String expectedKind();

    @BeforeEach
    void openStore() throws Exception {
        url = freshUrl();
        store = Store.open(url);
    }

    @AfterEach
    void closeStore() {
        if (store != null) {
            store.close();
        }
    }

    static SessionRow session(String id, String user, String status, Instant createdAt) {
        return new SessionRow(id, user, "firecracker", status, null, null, createdAt, createdAt.plusSeconds(3600),
                null, null, null, null, null);
    }

    // ---- store ----

    @Test
    void reportsItsKind() {
        assertThat(store.kind()).isEqualTo(expectedKind());
    }

    @Test
    void reopeningRunsMigrationsAgainAndKeepsData() {
        store.sessions().insert(session("s1", "alice", "STARTING", T0));
        long entry = store.ledger().record("s1", "netns", "vmd-s1", null);
        store.close();

        try (Store again = Store.open(url)) {
            assertThat(again.sessions().find("s1")).isPresent();
            assertThat(again.ledger().allOpen()).extracting(LedgerEntry::id).containsExactly(entry);
        }
        try (Store third = Store.open(url)) {
            assertThat(third.sessions().countLive()).isEqualTo(1);
        }
    }

    @Test
    void aClosedStoreRefusesWork() {
        store.close();
        assertThatThrownBy(() -> store.sessions().find("x"))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("closed");
    }

    // ---- sessions ----

    @Test
    void insertsAndFindsSessionsWithAllFieldsAndMillisecondTimestamps() {
        Instant withNanos = T0.plusNanos(456_789);
        SessionRow row = new SessionRow("s1", "alice", "firecracker", "STARTING", "10.0.0.10", "02:00:0a:00:00:0a",
                withNanos, T0.plusSeconds(3600), T0.plusSeconds(5), T0.plusSeconds(60), "user", "diag", "closed");
        store.sessions().insert(row);

        SessionRow found = store.sessions().find("s1").orElseThrow();
        assertThat(found).isEqualTo(new SessionRow("s1", "alice", "firecracker", "STARTING", "10.0.0.10",
                "02:00:0a:00:00:0a", withNanos.truncatedTo(ChronoUnit.MILLIS), T0.plusSeconds(3600),
                T0.plusSeconds(5), T0.plusSeconds(60), "user", "diag", "closed"));
        assertThat(store.sessions().find("nope")).isEmpty();
    }

    @Test
    void nullableFieldsStayNull() {
        store.sessions().insert(new SessionRow("s1", "alice", null, "STARTING", null, null, T0, null, null, null,
                null, null, null));
        SessionRow found = store.sessions().find("s1").orElseThrow();
        assertThat(found.expiresAt()).isNull();
        assertThat(found.readyAt()).isNull();
        assertThat(found.browserIp()).isNull();
        assertThat(found.provider()).isNull();
    }

    @Test
    void duplicateInsertFails() {
        store.sessions().insert(session("s1", "alice", "STARTING", T0));
        assertThatThrownBy(() -> store.sessions().insert(session("s1", "bob", "STARTING", T0)))
                .isInstanceOf(StoreException.class);
        assertThat(store.sessions().find("s1").orElseThrow().userId()).isEqualTo("alice");
    }

    @Test
    void insertRejectsUnknownStatus() {
        assertThatThrownBy(() -> store.sessions().insert(session("s1", "alice", "RUNNING", T0)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("RUNNING");
    }

    @Test
    void listsNewestFirstWithFilters() {
        store.sessions().insert(session("a1", "alice", "ENDED", T0));
        store.sessions().insert(session("b1", "bob", "READY", T0.plusSeconds(1)));
        store.sessions().insert(session("a2", "alice", "READY", T0.plusSeconds(2)));
        store.sessions().insert(session("a3", "alice", "STARTING", T0.plusSeconds(3)));

        assertThat(ids(store.sessions().list(null, null))).containsExactly("a3", "a2", "b1", "a1");
        assertThat(ids(store.sessions().list("READY", null))).containsExactly("a2", "b1");
        assertThat(ids(store.sessions().list(null, "alice"))).containsExactly("a3", "a2", "a1");
        assertThat(ids(store.sessions().list("READY", "alice"))).containsExactly("a2");
        assertThat(store.sessions().list("FAILED", null)).isEmpty();
        assertThat(store.sessions().list(null, "carol")).isEmpty();
    }

    @Test
    void liveMeansStartingReadyOrEnding() {
        store.sessions().insert(session("s1", "u", "STARTING", T0));
        store.sessions().insert(session("s2", "u", "READY", T0.plusSeconds(1)));
        store.sessions().insert(session("s3", "u", "ENDING", T0.plusSeconds(2)));
        store.sessions().insert(session("s4", "u", "ENDED", T0.plusSeconds(3)));
        store.sessions().insert(session("s5", "u", "FAILED", T0.plusSeconds(4)));

        assertThat(ids(store.sessions().live())).containsExactly("s1", "s2", "s3");
        assertThat(store.sessions().countLive()).isEqualTo(3);
    }

    @Test
    void markReadyOnlyFromStarting() {
        store.sessions().insert(session("s1", "u", "STARTING", T0));
        store.sessions().insert(session("s2", "u", "ENDING", T0));

        store.sessions().markReady("s1", T0.plusSeconds(7));
        store.sessions().markReady("s2", T0.plusSeconds(7));
        store.sessions().markReady("missing", T0);

        SessionRow s1 = store.sessions().find("s1").orElseThrow();
        assertThat(s1.status()).isEqualTo("READY");
        assertThat(s1.readyAt()).isEqualTo(T0.plusSeconds(7));
        SessionRow s2 = store.sessions().find("s2").orElseThrow();
        assertThat(s2.status()).isEqualTo("ENDING");
        assertThat(s2.readyAt()).isNull();

        store.sessions().markReady("s1", T0.plusSeconds(99));   // already READY: unchanged
        assertThat(store.sessions().find("s1").orElseThrow().readyAt()).isEqualTo(T0.plusSeconds(7));
    }

    @Test
    void finishesOnlyOnce() {
        store.sessions().insert(session("s1", "u", "READY", T0));

        assertThat(store.sessions().finish("s1", "ENDED", "user", null, T0.plusSeconds(10))).isTrue();
        assertThat(store.sessions().finish("s1", "FAILED", "later", "boom", T0.plusSeconds(20))).isFalse();
        assertThat(store.sessions().finish("missing", "ENDED", "user", null, T0)).isFalse();

        SessionRow row = store.sessions().find("s1").orElseThrow();
        assertThat(row.status()).isEqualTo("ENDED");
        assertThat(row.endedReason()).isEqualTo("user");
        assertThat(row.diagnosis()).isNull();
        assertThat(row.endedAt()).isEqualTo(T0.plusSeconds(10));
        assertThat(store.sessions().countLive()).isZero();
    }

    @Test
    void finishRecordsFailureWithDiagnosis() {
        store.sessions().insert(session("s1", "u", "STARTING", T0));
        assertThat(store.sessions().finish("s1", "FAILED", "start failed", "no kernel", T0.plusSeconds(3))).isTrue();
        SessionRow row = store.sessions().find("s1").orElseThrow();
        assertThat(row.status()).isEqualTo("FAILED");
        assertThat(row.diagnosis()).isEqualTo("no kernel");
    }

    @Test
    void finishNeedsAFinalStatus() {
        store.sessions().insert(session("s1", "u", "READY", T0));
        assertThatThrownBy(() -> store.sessions().finish("s1", "ENDING", "x", null, T0))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void setStatusNeverRevivesAFinishedSession() {
        store.sessions().insert(session("s1", "u", "READY", T0));
        store.sessions().setStatus("s1", "ENDING");
        assertThat(store.sessions().find("s1").orElseThrow().status()).isEqualTo("ENDING");

        store.sessions().finish("s1", "ENDED", "user", null, T0);
        store.sessions().setStatus("s1", "ENDING");
        assertThat(store.sessions().find("s1").orElseThrow().status()).isEqualTo("ENDED");
        assertThatThrownBy(() -> store.sessions().setStatus("s1", "bogus")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void setsAddressAndLastDisconnect() {
        store.sessions().insert(session("s1", "u", "STARTING", T0));
        store.sessions().setAddress("s1", "10.0.0.12", "02:00:0a:00:00:0c");
        store.sessions().setLastDisconnect("s1", "viewer closed the tab");

        SessionRow row = store.sessions().find("s1").orElseThrow();
        assertThat(row.browserIp()).isEqualTo("10.0.0.12");
        assertThat(row.mac()).isEqualTo("02:00:0a:00:00:0c");
        assertThat(row.lastDisconnect()).isEqualTo("viewer closed the tab");

        assertThatThrownBy(() -> store.sessions().setAddress("missing", "10.0.0.1", "m"))
                .isInstanceOf(StoreException.class).hasMessageContaining("missing");
        assertThatThrownBy(() -> store.sessions().setLastDisconnect("missing", "x"))
                .isInstanceOf(StoreException.class);
    }

    @Test
    void stepsKeepTheirOrderPerSession() {
        store.sessions().insert(session("s1", "u", "STARTING", T0));
        store.sessions().insert(session("s2", "u", "STARTING", T0));
        // Same start time on purpose: the order must come from appending, not from timestamps.
        store.sessions().appendStep("s1", new StepRow("lease", "ok", T0, 1, null));
        store.sessions().appendStep("s2", new StepRow("other", "ok", T0, 1, null));
        store.sessions().appendStep("s1", new StepRow("tap", "failed", T0, 25, "EBUSY"));
        store.sessions().appendStep("s1", new StepRow("lease", "undone", T0.plusMillis(30), 2, "released"));

        assertThat(store.sessions().steps("s1")).containsExactly(
                new StepRow("lease", "ok", T0, 1, null),
                new StepRow("tap", "failed", T0, 25, "EBUSY"),
                new StepRow("lease", "undone", T0.plusMillis(30), 2, "released"));
        assertThat(store.sessions().steps("s2")).extracting(StepRow::name).containsExactly("other");
        assertThat(store.sessions().steps("missing")).isEmpty();
    }

    @Test
    void stepsNeedAKnownSessionAndOutcome() {
        assertThatThrownBy(() -> store.sessions().appendStep("missing", new StepRow("x", "ok", T0, 0, null)))
                .isInstanceOf(StoreException.class);
        store.sessions().insert(session("s1", "u", "STARTING", T0));
        assertThatThrownBy(() -> store.sessions().appendStep("s1", new StepRow("x", "maybe", T0, 0, null)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    // ---- leases ----

    static final Ipv4Address POOL_START = Ipv4Address.parse("10.77.0.10");

    @Test
    void leasesTheLowestFreeAddressAndReusesReleasedOnes() {
        Ipv4Address end = POOL_START.plus(3);   // 4 addresses: .10 .. .13
        LeaseRepository leases = store.leases();

        assertThat(leases.acquire("s1", POOL_START, end)).contains(Ipv4Address.parse("10.77.0.10"));
        assertThat(leases.acquire("s2", POOL_START, end)).contains(Ipv4Address.parse("10.77.0.11"));
        assertThat(leases.acquire("s3", POOL_START, end)).contains(Ipv4Address.parse("10.77.0.12"));

        leases.release("s2");
        leases.release("s2");          // idempotent
        leases.release("never-had");   // also fine
        assertThat(leases.acquire("s4", POOL_START, end)).contains(Ipv4Address.parse("10.77.0.11"));
        assertThat(leases.acquire("s5", POOL_START, end)).contains(Ipv4Address.parse("10.77.0.13"));
        assertThat(leases.acquire("s6", POOL_START, end)).isEmpty();

        // A session that already holds a lease gets the same one back, not a second.
        assertThat(leases.acquire("s1", POOL_START, end)).contains(Ipv4Address.parse("10.77.0.10"));

        assertThat(leases.all()).containsExactly(
                java.util.Map.entry("s1", Ipv4Address.parse("10.77.0.10")),
                java.util.Map.entry("s4", Ipv4Address.parse("10.77.0.11")),
                java.util.Map.entry("s3", Ipv4Address.parse("10.77.0.12")),
                java.util.Map.entry("s5", Ipv4Address.parse("10.77.0.13")));

        leases.release("s3");
        assertThat(leases.acquire("s6", POOL_START, end)).contains(Ipv4Address.parse("10.77.0.12"));
    }

    @Test
    void leasesOutsideTheRangeDoNotCount() {
        Ipv4Address other = Ipv4Address.parse("10.77.1.0");
        assertThat(store.leases().acquire("x", other, other)).contains(other);
        assertThat(store.leases().acquire("s1", POOL_START, POOL_START)).contains(POOL_START);
        assertThat(store.leases().acquire("s2", POOL_START, POOL_START)).isEmpty();
    }

    @Test
    void handlesAddressesAboveTwoToTheThirtyFirst() {
        // Addresses >= 128.0.0.0 are negative as Java ints: they must still sort and store as unsigned.
        Ipv4Address start = Ipv4Address.parse("192.168.1.254");
        Ipv4Address end = Ipv4Address.parse("192.168.2.1");
        assertThat(store.leases().acquire("a", start, end)).contains(Ipv4Address.parse("192.168.1.254"));
        assertThat(store.leases().acquire("b", start, end)).contains(Ipv4Address.parse("192.168.1.255"));
        assertThat(store.leases().acquire("c", start, end)).contains(Ipv4Address.parse("192.168.2.0"));
        assertThat(store.leases().all()).containsEntry("c", Ipv4Address.parse("192.168.2.0"));
    }

    @Test
    void emptyRangeIsAnError() {
        assertThatThrownBy(() -> store.leases().acquire("s", POOL_START.plus(1), POOL_START))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void concurrentAcquiresGetDistinctAddressesUntilThePoolIsExhausted() throws Exception {
        Ipv4Address end = POOL_START.plus(4);   // pool of 5
        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Optional<Ipv4Address>>> futures = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                String sessionId = "c" + i;
                futures.add(pool.submit(() -> {
                    go.await();
                    return store.leases().acquire(sessionId, POOL_START, end);
                }));
            }
            go.countDown();
            List<Ipv4Address> got = new ArrayList<>();
            int empties = 0;
            for (Future<Optional<Ipv4Address>> f : futures) {
                Optional<Ipv4Address> a = f.get(60, TimeUnit.SECONDS);
                if (a.isPresent()) {
                    got.add(a.get());
                } else {
                    empties++;
                }
            }
            assertThat(got).doesNotHaveDuplicates().hasSize(5)
                    .allSatisfy(a -> assertThat(a).isBetween(POOL_START, end));
            assertThat(empties).isEqualTo(3);
            assertThat(store.leases().all()).hasSize(5);
        } finally {
            pool.shutdownNow();
        }
    }

    // ---- ledger ----

    @Test
    void ledgerRecordsUpdatesAndReleasesInCreationOrder() {
        LedgerRepository ledger = store.ledger();
        Instant before = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        long dir = ledger.record("s1", "directory", "/run/vmdesk/s1", null);
        long netns = ledger.record("s1", "netns", "vmd-s1", null);
        long other = ledger.record("s2", "interface", "vmd-tap-s2", "bridge=vmdbr0");
        long proc = ledger.record("s1", "process", "firecracker", null);
        assertThat(List.of(dir, netns, other, proc)).isSorted().doesNotHaveDuplicates();

        ledger.updateDetail(proc, "pid=4242");

        List<LedgerEntry> open = ledger.open("s1");
        assertThat(open).extracting(LedgerEntry::id).containsExactly(dir, netns, proc);
        LedgerEntry procEntry = open.get(2);
        assertThat(procEntry.sessionId()).isEqualTo("s1");
        assertThat(procEntry.kind()).isEqualTo("process");
        assertThat(procEntry.name()).isEqualTo("firecracker");
        assertThat(procEntry.detail()).isEqualTo("pid=4242");
        assertThat(procEntry.createdAt()).isBetween(before, Instant.now());

        ledger.released(netns);
        ledger.released(netns);   // idempotent
        assertThat(ledger.open("s1")).extracting(LedgerEntry::id).containsExactly(dir, proc);
        assertThat(ledger.allOpen()).extracting(LedgerEntry::id).containsExactly(dir, other, proc);
        assertThat(ledger.allOpen()).extracting(LedgerEntry::detail).containsExactly(null, "bridge=vmdbr0", "pid=4242");

        ledger.released(dir);
        ledger.released(proc);
        ledger.released(other);
        assertThat(ledger.open("s1")).isEmpty();
        assertThat(ledger.allOpen()).isEmpty();

        // Ids are not reused after release.
        assertThat(ledger.record("s1", "netns", "vmd-s1", null)).isGreaterThan(proc);
    }

    @Test
    void updatingAnUnknownLedgerEntryFails() {
        assertThatThrownBy(() -> store.ledger().updateDetail(987654, "x"))
                .isInstanceOf(StoreException.class).hasMessageContaining("987654");
    }

    private static List<String> ids(List<SessionRow> rows) {
        return rows.stream().map(SessionRow::id).toList();
    }

    // ---- credentials (the bytes only; encryption is the vault's and tested there) ----

    static CredentialRow credential(String user, String provider, int version, String keyId, Instant at) {
        return new CredentialRow(java.util.UUID.randomUUID().toString(), user, provider, "s-" + version, version, keyId,
                new byte[] {1, 2, 3}, new byte[] {4, 5}, new byte[] {6, 7}, new byte[] {8, 9, 10}, 1, at, null);
    }

    @Test
    void credential_versions_count_per_user_and_provider_and_older_ones_are_superseded() {
        CredentialRepository repo = store.credentials();
        CredentialRow v1 = repo.insertNextVersion("alice", "codex", v -> credential("alice", "codex", v, "k1", T0));
        CredentialRow v2 = repo.insertNextVersion("alice", "codex", v -> credential("alice", "codex", v, "k1",
                T0.plusSeconds(1)));
        CredentialRow other = repo.insertNextVersion("bob", "codex", v -> credential("bob", "codex", v, "k1", T0));

        assertThat(List.of(v1.version(), v2.version(), other.version())).containsExactly(1, 2, 1);
        CredentialRow latest = repo.latest("alice", "codex").orElseThrow();
        assertThat(latest.id()).isEqualTo(v2.id());
        assertThat(latest.wrappedKey()).containsExactly(1, 2, 3);
        assertThat(latest.ciphertext()).containsExactly(8, 9, 10);
        assertThat(latest.createdAt()).isEqualTo(T0.plusSeconds(1));
        assertThat(repo.history("alice", "codex")).extracting(CredentialRow::supersededAt)
                .containsExactly(T0.plusSeconds(1), null);
        assertThat(repo.latestForSession("s-1").orElseThrow().id()).isIn(v1.id(), other.id());
        assertThat(repo.find(v1.id()).orElseThrow().version()).isEqualTo(1);
        assertThat(repo.latest("alice", "gemini")).isEmpty();
        assertThat(repo.countByKeyId()).isEqualTo(java.util.Map.of("k1", 3L));
    }

    @Test
    void a_credential_version_lost_to_another_writer_is_retried_with_the_next_number() {
        CredentialRepository repo = store.credentials();
        List<Integer> asked = new ArrayList<>();

        CredentialRow row = repo.insertNextVersion("alice", "codex", v -> {
            asked.add(v);
            if (asked.size() == 1) {
                // Another writer takes this very version between our read and our insert.
                repo.insertNextVersion("alice", "codex", w -> credential("alice", "codex", w, "k1", T0));
            }
            return credential("alice", "codex", v, "k1", T0);
        });

        assertThat(asked).containsExactly(1, 2);
        assertThat(row.version()).isEqualTo(2);
        assertThat(repo.history("alice", "codex")).extracting(CredentialRow::version).containsExactly(1, 2);
    }

    @Test
    void a_credential_row_built_for_the_wrong_version_is_refused() {
        assertThatThrownBy(() -> store.credentials().insertNextVersion("alice", "codex",
                v -> credential("alice", "codex", v + 1, "k1", T0)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("version 1 is for");
        assertThat(store.credentials().history("alice", "codex")).isEmpty();
    }

    @Test
    void rewrapping_is_a_compare_and_set_and_rotation_pages_skip_the_current_key() {
        CredentialRepository repo = store.credentials();
        List<String> ids = new ArrayList<>();
        for (String user : List.of("a", "b", "c")) {
            ids.add(repo.insertNextVersion(user, "codex", v -> credential(user, "codex", v, "old", T0)).id());
        }
        repo.insertNextVersion("d", "codex", v -> credential("d", "codex", v, "new", T0));
        List<String> sorted = ids.stream().sorted().toList();

        assertThat(repo.wrappedByOtherThan("new", "", 2)).extracting(CredentialRow::id)
                .containsExactlyElementsOf(sorted.subList(0, 2));
        assertThat(repo.wrappedByOtherThan("new", sorted.get(1), 2)).extracting(CredentialRow::id)
                .containsExactly(sorted.get(2));

        String id = sorted.get(0);
        assertThat(repo.rewrap(id, "old", new byte[] {9, 9}, "new", new byte[] {7}, new byte[] {8})).isFalse();
        assertThat(repo.rewrap(id, "old", new byte[] {4, 5}, "new", new byte[] {7}, new byte[] {8})).isTrue();
        assertThat(repo.rewrap(id, "old", new byte[] {4, 5}, "new", new byte[] {6}, new byte[] {6})).isFalse();
        CredentialRow rewrapped = repo.find(id).orElseThrow();
        assertThat(rewrapped.keyId()).isEqualTo("new");
        assertThat(rewrapped.wrappedKey()).containsExactly(7);
        assertThat(rewrapped.keyNonce()).containsExactly(8);
        assertThat(rewrapped.ciphertext()).containsExactly(8, 9, 10); // the payload is untouched
        assertThat(repo.countByKeyId()).isEqualTo(java.util.Map.of("old", 2L, "new", 2L));
    }
}
