package io.vmdesk.doctor;

import io.vmdesk.config.Config;
import io.vmdesk.host.HostCommands;
import io.vmdesk.host.Processes;
import io.vmdesk.net.HostNetwork;
import io.vmdesk.net.Namespaces;
import io.vmdesk.store.LedgerEntry;
import io.vmdesk.store.SessionRow;
import io.vmdesk.store.Store;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The safe fixes, applied only on request ({@code vmdesk doctor --fix}): give the bridge exactly BRIDGE_IP/prefix
 * (creating or bringing it up as needed) with STP off, and remove leftovers no live session owns. Interfaces are
 * removed only when they are provably this instance's ({@code leftover.interface}); other "vmd…" links
 * ({@code leftover.foreign-interface}) are left alone and the reason is repeated among the changes. Nothing else is
 * touched: a guest's own trouble needs a new session, a firewall or route needs the operator's judgement.
 */
public final class DoctorFixer {
    private static final Set<String> BRIDGE_CHECKS = Set.of("bridge.exists", "bridge.up", "bridge.address",
            "bridge.stp", "bridge.port-state");

    private final HostCommands cmd;
    private final Config config;
    private final Store store;

    public DoctorFixer(HostCommands cmd, Config config, Store store) {
        this.cmd = cmd;
        this.config = config;
        this.store = store;
    }

    /** Applies the fixes the report calls for; returns one line per change (or per fix that failed). */
    public List<String> apply(Report report) {
        // The bridge first: its STP setting decides whether a port can be set to forwarding.
        List<String> changes = new ArrayList<>();
        boolean bridge = report.problems().stream().anyMatch(c -> BRIDGE_CHECKS.contains(c.id()));
        if (bridge) {
            try {
                changes.add(new HostNetwork(cmd, config.bridgeDevice(), config.bridgeIp(), config.internalNetwork())
                        .ensureBridge(true));
            } catch (RuntimeException e) {
                changes.add("could not fix bridge " + config.bridgeDevice() + ": " + e.getMessage());
            }
        }
        Namespaces namespaces = new Namespaces(cmd);
        for (Check c : report.problems()) {
            try {
                switch (c.id()) {
                    case "bridge.port-state" -> {
                        // with STP off now, a port left listening or learning is set to forwarding by hand
                        cmd.runChecked(Duration.ofSeconds(10), "ip", "link", "set", "dev", c.target(), "type",
                                "bridge_slave", "state", "3");
                        changes.add("set bridge port " + c.target() + " to forwarding");
                    }
                    case "leftover.interface" -> {
                        // Only this instance's leftovers get this id (LeftoverChecks.classify); a session started
                        // since the examination may own the name by now, though.
                        if (store != null && LeftoverChecks.ownedByLiveSession(store, c.target())) {
                            changes.add("left interface " + c.target() + " alone: a live session owns it now");
                        } else {
                            HostNetwork.deleteLink(cmd, c.target());
                            changes.add("deleted leftover interface " + c.target());
                        }
                    }
                    case "leftover.foreign-interface" -> changes.add("left interface " + c.target() + " alone: "
                            + c.evidence());
                    case "leftover.namespace" -> {
                        namespaces.delete(c.target());
                        changes.add("deleted leftover network namespace " + c.target() + " and its processes");
                    }
                    default -> {
                        // not something --fix changes
                    }
                }
            } catch (RuntimeException e) {
                changes.add("could not remove " + c.target() + ": " + e.getMessage());
            }
        }
        if (store != null && report.problems().stream().anyMatch(c -> c.id().startsWith("leftover."))) {
            changes.addAll(releaseForEnded());
        }
        return changes;
    }

    /** Processes and leases the store still holds for sessions that are no longer live. */
    private List<String> releaseForEnded() {
        List<String> changes = new ArrayList<>();
        Set<String> live = new HashSet<>();
        store.sessions().live().stream().map(SessionRow::id).forEach(live::add);
        for (LedgerEntry e : store.ledger().allOpen()) {
            if (!e.kind().equals("process") || live.contains(e.sessionId())) {
                continue;
            }
            var pid = Processes.pidOf(e.detail());
            var start = Processes.startOf(e.detail());
            if (pid.isPresent() && start.isPresent()) {
                Processes.find(pid.getAsLong(), start.getAsLong()).ifPresent(p -> {
                    try {
                        Processes.terminate(Processes.withDescendants(p), Duration.ofSeconds(3));
                        changes.add("stopped leftover process " + e.name() + " (pid " + p.pid() + ")");
                    } catch (InterruptedException ex) {
                        Thread.currentThread().interrupt();
                    }
                });
            }
        }
        store.leases().all().forEach((session, address) -> {
            if (!live.contains(session)) {
                store.leases().release(session);
                changes.add("released address " + address + " leased to ended session " + session);
            }
        });
        return changes;
    }
}
