package io.vmdesk.session;

import io.vmdesk.config.Config;
import io.vmdesk.guest.GuestDriver;
import io.vmdesk.net.HostNetwork;
import io.vmdesk.net.Namespaces;
import io.vmdesk.net.Naming;
import io.vmdesk.store.LedgerEntry;
import io.vmdesk.store.SessionRow;
import io.vmdesk.store.Store;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings the host back in line with the ledger after a restart or crash. READY sessions whose guests are still whole
 * and answer with an RFB banner are revived (kept with everything they hold); every other session a previous run left
 * live is ended; then whatever carries our prefix and has no live owner goes: the ledger is the first record of a
 * leak, the host scan the second, for resources created just before a crash.
 */
final class Reconciler {
    private static final Logger log = LoggerFactory.getLogger(Reconciler.class);

    private final Store store;
    private final GuestDriver driver;
    private final Teardown teardown;
    private final Config config;
    private final String instanceTag;
    private final Namespaces namespaces;
    private final HostNetwork network;
    private final Clock clock;
    private final Revival revival;
    private final List<Revived> revived = Collections.synchronizedList(new ArrayList<>());

    /** Takes over a READY session's guest when it is whole and reachable; empty otherwise. */
    @FunctionalInterface
    interface Revival {
        java.util.Optional<Revived> revive(SessionRow row);
    }

    /** A session taken over from the previous run. */
    record Revived(SessionRow row, io.vmdesk.guest.GuestSpec spec, io.vmdesk.guest.GuestHandle guest) {
    }

    Reconciler(Store store, GuestDriver driver, Teardown teardown, Config config, String instanceTag,
            Namespaces namespaces, HostNetwork network, Clock clock, Revival revival) {
        this.revival = revival;
        this.store = store;
        this.namespaces = namespaces;
        this.network = network;
        this.driver = driver;
        this.teardown = teardown;
        this.config = config;
        this.instanceTag = instanceTag;
        this.clock = clock;
    }

    ReconcileReport run() {
        long t0 = System.nanoTime();
        List<String> problems = Collections.synchronizedList(new ArrayList<>());
        List<String> removed = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger ledgerRemoved = new AtomicInteger();
        List<SessionRow> stale = store.sessions().live();
        try (ExecutorService pool = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().factory())) {
            for (SessionRow row : stale) {
                if (row.status().equals(SessionStatus.READY.name()) && clock.instant().isBefore(row.expiresAt())) {
                    pool.submit(() -> revival.revive(row).ifPresent(revived::add));
                }
            }
        }
        Set<String> kept = new java.util.HashSet<>();
        Set<String> keptOnHost = new java.util.HashSet<>();
        for (Revived r : revived) {
            kept.add(r.row().id());
            keptOnHost.add(r.spec().namespace());
            keptOnHost.add(io.vmdesk.net.SlotNetwork.slotNamespace(r.spec().namespace())); // NETWORK_TOPOLOGY=slot
            keptOnHost.add(r.spec().hostInterface());
            keptOnHost.add(r.spec().guestDir().toAbsolutePath().normalize().toString());
        }
        Set<String> owners = new LinkedHashSet<>();
        stale.stream().filter(r -> !kept.contains(r.id())).forEach(r -> owners.add(r.id()));
        List<LedgerEntry> open = store.ledger().allOpen().stream().filter(e -> !kept.contains(e.sessionId())).toList();
        open.forEach(e -> owners.add(e.sessionId()));
        ledgerRemoved.set(open.size());
        try (ExecutorService pool = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().factory())) {
            for (String id : owners) {
                pool.submit(() -> {
                    List<String> left = teardown.release(id);
                    problems.addAll(left);
                    ledgerRemoved.addAndGet(-left.size());
                    store.sessions().finish(id, SessionStatus.ENDED.name(), EndReason.CONTROLLER_RESTARTED.code()
                            + ": the controller restarted while the session was live", null, clock.instant());
                });
            }
        }
        // Second pass, over the host itself: resources created after their ledger entry but never released, or
        // made by a run whose store was lost.
        try (ExecutorService pool = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().factory())) {
            {
                for (String ns : namespaces.list(Naming.namespacePrefix(instanceTag)).stream()
                        .filter(ns -> !keptOnHost.contains(ns)).toList()) {
                    pool.submit(() -> remove(removed, problems, "netns", ns, () -> namespaces.delete(ns)));
                }
            }
            for (Path dir : sessionDirectories().stream()
                    .filter(d -> !keptOnHost.contains(d.toAbsolutePath().normalize().toString())).toList()) {
                pool.submit(() -> remove(removed, problems, "directory", dir.toString(),
                        () -> driver.remove("directory", dir.toString(), "")));
            }
        }
        // Interfaces: the host ends of this instance's veth pairs went with the namespaces above, and TAPs are in the
        // ledger. Interface names carry no instance tag, so any other "vmd…" link may be another controller's live
        // guest (another DATA_DIR) or the operator's own device: named in the log, never removed here
        // (`vmdesk doctor` says whose it is and `doctor --fix` removes what is provably this instance's).
        for (String link : network.interfaces(Naming.INTERFACE_PREFIX)) {
            if (!keptOnHost.contains(link)) {
                log.warn("reconcile: interface {} is not in this controller's ledger: left alone (run `vmdesk doctor`)",
                        link);
            }
        }
        store.leases().all().keySet().stream().filter(id -> !kept.contains(id)).forEach(store.leases()::release);
        ReconcileReport report = new ReconcileReport(stale.size() - revived.size(), ledgerRemoved.get(),
                List.copyOf(removed), List.copyOf(problems), (System.nanoTime() - t0) / 1_000_000, revived.size());
        log.info("{}", report.summary());
        return report;
    }

    /** The sessions revived by {@link #run()}. */
    List<Revived> revived() {
        return List.copyOf(revived);
    }

    private List<Path> sessionDirectories() {
        Path sessions = config.dataDir().resolve("sessions");
        if (!Files.isDirectory(sessions)) {
            return List.of();
        }
        try (Stream<Path> list = Files.list(sessions)) {
            return list.filter(Files::isDirectory).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static void remove(List<String> removed, List<String> problems, String kind, String name, Runnable action) {
        try {
            action.run();
            removed.add(kind + " " + name);
            log.info("reconcile removed unowned {} {}", kind, name);
        } catch (RuntimeException e) {
            problems.add("could not remove " + kind + " " + name + ": " + e.getMessage());
        }
    }
}
