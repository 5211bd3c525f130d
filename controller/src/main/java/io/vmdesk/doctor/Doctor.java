package io.vmdesk.doctor;

import io.vmdesk.config.Config;
import io.vmdesk.config.ConfigException;
import io.vmdesk.host.HostCommands;
import io.vmdesk.store.SessionRow;
import io.vmdesk.store.Store;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Says why a guest is unreachable: runs every check family against the host network namespace, the configuration,
 * the store and the live guests, and returns what each saw. It never changes anything ({@link DoctorFixer} does, on
 * request).
 */
public final class Doctor {
    private static final Logger log = LoggerFactory.getLogger(Doctor.class);

    /** In the order a packet meets them; the guest probes come before the neighbour table they fill. */
    private static final List<CheckFamily> HOST_FAMILIES = List.of(new ConfigChecks(), new BridgeChecks(),
            new GuestInterfaceChecks(), new Layer2Checks(), new NetfilterChecks(), new RoutingChecks(),
            new GuestChecks(), new NeighbourChecks());

    private static final java.util.Set<String> LIVE = java.util.Set.of("STARTING", "READY", "ENDING");

    private final HostCommands cmd;
    private final Config config;
    private final List<ConfigException.Problem> configProblems;
    private final Store store;

    /**
     * @param configProblems what loading the configuration found (unknown names…), reported as config checks
     * @param store          null when there is no store to read (then no guests and no ownership are known)
     */
    public Doctor(HostCommands cmd, Config config, List<ConfigException.Problem> configProblems, Store store) {
        this.cmd = cmd;
        this.config = config;
        this.configProblems = List.copyOf(configProblems);
        this.store = store;
    }

    /** The whole host: every check, every live guest, leftovers. */
    public Report examineHost() {
        List<GuestTarget> guests = store == null ? List.of() : GuestTarget.live(store, config);
        List<CheckFamily> families = new ArrayList<>(HOST_FAMILIES);
        families.add(new LeftoverChecks());
        return run(new Examination(new HostState(cmd), config, configProblems, store, guests, true), families);
    }

    /** One session: the host checks and that session's guest (empty when the store does not know it). */
    public Optional<Report> examineSession(String sessionId) {
        if (store == null) {
            return Optional.empty();
        }
        Optional<SessionRow> row = store.sessions().find(sessionId);
        if (row.isEmpty()) {
            return Optional.empty();
        }
        // An ended session's guest is gone by design: examine the host only, and say so.
        boolean live = LIVE.contains(row.get().status());
        List<GuestTarget> guests = live ? GuestTarget.of(store, config, row.get()).stream().toList() : List.of();
        Report report = run(new Examination(new HostState(cmd), config, configProblems, store, guests, false),
                HOST_FAMILIES);
        if (live) {
            return Optional.of(report);
        }
        List<Check> checks = new ArrayList<>();
        checks.add(Check.ok("session.status", "session " + sessionId, "the session is " + row.get().status()
                + " (" + row.get().endedReason() + "); its guest was torn down, so only the host is examined; its "
                + "diagnosis holds what was found when it failed"));
        checks.addAll(report.checks());
        return Optional.of(new Report(checks));
    }

    private static Report run(Examination exam, List<CheckFamily> families) {
        long t0 = System.nanoTime();
        List<Check> checks = new ArrayList<>();
        List<String> timings = new ArrayList<>();
        for (CheckFamily family : families) {
            long f0 = System.nanoTime();
            try {
                List<Check> found = family.run(exam);
                checks.addAll(found);
                exam.found.addAll(found);
            } catch (RuntimeException e) {
                // One family that cannot look (a tool missing, odd output) must not hide what the others found.
                checks.add(Check.fail("doctor." + family.name(), family.name() + " checks",
                        "could not run: " + e.getMessage(), "run the failing command by hand to see why; "
                                + "report it if the output looks normal"));
            }
            timings.add(family.name() + " " + (System.nanoTime() - f0) / 1_000_000);
        }
        Report report = new Report(checks);
        log.info("doctor: {} ok, {} warn, {} fail in {} ms ({} guests; ms per family: {})", report.count(Status.OK),
                report.count(Status.WARN), report.count(Status.FAIL), (System.nanoTime() - t0) / 1_000_000,
                exam.guests.size(), String.join(", ", timings));
        return report;
    }
}
