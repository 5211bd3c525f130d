package io.vmdesk.doctor;

import io.vmdesk.host.Processes;
import io.vmdesk.net.Ipv4Address;
import io.vmdesk.net.Naming;
import io.vmdesk.store.LedgerEntry;
import io.vmdesk.store.SessionRow;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What no live session owns, and live sessions whose resources are gone. Ownership is the store's: a live session's
 * open ledger entries. vmdesk's names ({@link Naming}) make the rest recognisable: links starting with "vmd",
 * namespaces starting with this controller's prefix, processes still recorded for ended sessions, leases of ended
 * sessions. Leftovers are warnings (they cost resources and addresses; {@code --fix} removes them); a live session
 * whose namespace or interface vanished cannot work and is a failure.
 */
final class LeftoverChecks implements CheckFamily {

    @Override
    public String name() {
        return "leftover";
    }

    @Override
    public List<Check> run(Examination exam) {
        List<Check> out = new ArrayList<>();
        if (exam.store == null) {
            out.add(Check.ok("leftover.store", "store", "no store to compare with (DATA_DIR has no database yet); "
                    + "nothing can be owned"));
        }
        Set<String> liveIds = new HashSet<>();
        Set<String> owned = new HashSet<>();
        List<LedgerEntry> open = exam.store == null ? List.of() : exam.store.ledger().allOpen();
        List<SessionRow> live = exam.store == null ? List.of() : exam.store.sessions().live();
        live.forEach(r -> liveIds.add(r.id()));
        for (LedgerEntry e : open) {
            if (liveIds.contains(e.sessionId())) {
                owned.add(e.kind() + " " + e.name());
            }
        }
        for (String link : interfaces(exam)) {
            if (!owned.contains("interface " + link)) {
                out.add(Check.warn("leftover.interface", link, "link " + link + " carries vmdesk's prefix \""
                        + Naming.INTERFACE_PREFIX + "\" but no live session owns it", "ip link del dev " + link
                        + " (or `vmdesk doctor --fix`)"));
            }
        }
        String prefix = Naming.namespacePrefix(Naming.instanceTag(exam.config.dataDir()));
        for (String ns : exam.host.namespaces()) {
            if (ns.startsWith(prefix) && !owned.contains("netns " + ns)) {
                out.add(Check.warn("leftover.namespace", ns, "network namespace " + ns + " carries this controller's"
                        + " prefix " + prefix + " but no live session owns it", "ip netns pids " + ns
                        + " | xargs -r kill; ip netns del " + ns + " (or `vmdesk doctor --fix`)"));
            }
        }
        for (LedgerEntry e : open) {
            if (e.kind().equals("process") && !liveIds.contains(e.sessionId())) {
                Optional<ProcessHandle> p = Processes.pidOf(e.detail()).isPresent() && Processes.startOf(e.detail())
                        .isPresent() ? Processes.find(Processes.pidOf(e.detail()).getAsLong(),
                        Processes.startOf(e.detail()).getAsLong()) : Optional.empty();
                p.ifPresent(h -> out.add(Check.warn("leftover.process", e.name() + " pid " + h.pid(),
                        "process " + e.name() + " (pid " + h.pid() + ", " + h.info().command().orElse("?")
                                + ") of session " + e.sessionId() + ", which is not live, still runs",
                        "kill " + h.pid() + " (or `vmdesk doctor --fix`)")));
            }
        }
        if (exam.store != null) {
            for (Map.Entry<String, Ipv4Address> lease : exam.store.leases().all().entrySet()) {
                if (!liveIds.contains(lease.getKey())) {
                    out.add(Check.warn("leftover.lease", lease.getValue().toString(), "address " + lease.getValue()
                            + " is leased to session " + lease.getKey() + ", which is not live: the pool has one "
                            + "address less", "`vmdesk doctor --fix` releases it (or restart the controller: "
                            + "reconciliation does)"));
                }
            }
        }
        out.addAll(vanished(exam, live, open));
        if (out.isEmpty()) {
            out.add(Check.ok("leftover.none", "host", live.size() + " live session(s); every vmdesk interface, "
                    + "namespace, process and lease belongs to one"));
        }
        return out;
    }

    /** Live sessions whose recorded namespace or interface no longer exists. */
    private static List<Check> vanished(Examination exam, List<SessionRow> live, List<LedgerEntry> open) {
        List<Check> out = new ArrayList<>();
        Set<String> namespaces = new HashSet<>(exam.host.namespaces());
        for (SessionRow row : live) {
            if (row.status().equals("ENDING")) {
                continue;
            }
            List<String> gone = new ArrayList<>();
            for (LedgerEntry e : open) {
                if (!e.sessionId().equals(row.id())) {
                    continue;
                }
                if (e.kind().equals("netns") && !namespaces.contains(e.name())) {
                    gone.add("namespace " + e.name());
                } else if (e.kind().equals("interface") && exam.host.link(e.name()).isEmpty()) {
                    gone.add("interface " + e.name());
                }
            }
            if (!gone.isEmpty()) {
                out.add(Check.fail("leftover.vanished", "session " + row.id(), "session " + row.id() + " is "
                                + row.status() + " but these resources of it are gone: " + String.join(", ", gone),
                        "end it: DELETE /api/auth/session/" + row.id() + " (restarting the controller also ends it)"));
            }
        }
        return out;
    }

    static List<String> interfaces(Examination exam) {
        List<String> out = new ArrayList<>();
        exam.host.links().forEach(l -> {
            String name = l.path("ifname").asText();
            if (name.startsWith(Naming.INTERFACE_PREFIX)) {
                out.add(name);
            }
        });
        return out;
    }
}
