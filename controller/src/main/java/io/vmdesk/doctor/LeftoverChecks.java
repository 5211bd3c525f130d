package io.vmdesk.doctor;

import io.vmdesk.host.Processes;
import io.vmdesk.net.Ipv4Address;
import io.vmdesk.net.Naming;
import io.vmdesk.store.LedgerEntry;
import io.vmdesk.store.SessionRow;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What no live session owns, and live sessions whose resources are gone. Ownership is the store's: a live session's
 * open ledger entries. vmdesk's names ({@link Naming}) make the rest recognisable: links starting with "vmd",
 * namespaces starting with this controller's prefix, processes still recorded for ended sessions, leases of ended
 * sessions. Interface names carry no instance tag, so a "vmd…" link is only this controller's leftover when the
 * ledger or its veth peer's namespace proves it ({@link #classify}); other ones are reported, never removed. Leftovers
 * are warnings (they cost resources and addresses; {@code --fix} removes them); a live session
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
            out.add(Check.ok("leftover.store", "store", "no store to compare with (DATA_DIR has no database yet, or it could not be opened); "
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
        String tag = Naming.instanceTag(exam.config.dataDir());
        Set<String> liveNames = new HashSet<>();
        live.forEach(r -> liveNames.add(Naming.interfaceName(r.id())));
        Map<String, String> staleInLedger = new HashMap<>();
        for (LedgerEntry e : open) {
            if (e.kind().equals("interface") && !liveIds.contains(e.sessionId())) {
                staleInLedger.putIfAbsent(e.name(), e.sessionId());
            }
        }
        for (String link : interfaces(exam)) {
            if (owned.contains("interface " + link) || liveNames.contains(link)) {
                continue;
            }
            out.add(classify(exam, link, tag, staleInLedger.get(link), owned));
        }
        String prefix = Naming.namespacePrefix(tag);
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

    /**
     * A "vmd…" link no live session owns. Only what is provably this controller's is a {@code leftover.interface}
     * (which {@code --fix} deletes): an interface this store's ledger recorded for a session that is no longer live,
     * or a veth whose other end is in a namespace named with this instance's tag that no live session owns. Interface
     * names carry no instance tag, so anything else (another name, another instance's namespace, a TAP or a veth
     * nobody recorded) may be another controller's live guest or the operator's own device: it is reported as
     * {@code leftover.foreign-interface}, with the reason, and left alone.
     */
    private static Check classify(Examination exam, String link, String tag, String staleSession, Set<String> owned) {
        if (staleSession != null) {
            return removable(link, "link " + link + " is recorded in this controller's ledger for session "
                    + staleSession + ", which is not live, and was never removed");
        }
        Optional<String> peer = exam.host.link(link).flatMap(l -> l.has("link_netnsid")
                ? Optional.ofNullable(exam.host.namespaceIds().get(l.path("link_netnsid").asInt())) : Optional.empty());
        Optional<String> peerTag = peer.flatMap(Naming::instanceTagOfNamespace);
        String yourself = "remove it yourself with `ip link del " + link + "` if it is stale (`vmdesk doctor --fix` "
                + "leaves it alone)";
        if (!Naming.isInterfaceName(link)) {
            return Check.warn("leftover.foreign-interface", link, link + " is not this instance's (instance tag " + tag
                    + "): it starts with \"" + Naming.INTERFACE_PREFIX + "\" but is not named like a vmdesk "
                    + "interface (\"" + Naming.INTERFACE_PREFIX + "\" + 11 hex digits of a session id)"
                    + peer.map(p -> "; its peer is in namespace " + p).orElse(""), yourself);
        }
        if (peerTag.isPresent() && peerTag.get().equals(tag)) {
            if (owned.contains("netns " + peer.get())) {
                return Check.warn("leftover.foreign-interface", link, link + " is not in this controller's ledger "
                        + "but its peer is in namespace " + peer.get() + ", which a live session owns; left alone so "
                        + "as not to cut that session off", "end that session (DELETE /api/auth/session/…) or "
                        + "remove it yourself with `ip link del " + link + "` if it is stale");
            }
            return removable(link, "link " + link + " is a veth whose peer is in namespace " + peer.get()
                    + ", this controller's (instance tag " + tag + "), and no live session owns either");
        }
        String why = peerTag.isPresent()
                ? "its peer is in namespace " + peer.get() + " of another vmdesk instance (instance tag "
                        + peerTag.get() + ", another DATA_DIR)"
                : "it is named like a vmdesk interface, but this controller's ledger does not know it and "
                        + (peer.isPresent() ? "its peer is in namespace " + peer.get() + ", not one of this instance's"
                        : "nothing ties it to a namespace of this instance") + ": it may be another vmdesk "
                        + "instance's (another DATA_DIR) or someone else's";
        return Check.warn("leftover.foreign-interface", link, link + " is not this instance's (instance tag " + tag
                + "): " + why, yourself);
    }

    private static Check removable(String link, String evidence) {
        return Check.warn("leftover.interface", link, evidence, "ip link del dev " + link
                + " (or `vmdesk doctor --fix`)");
    }

    /** Whether a live session of this store owns {@code link} (its ledger, or the name its id gives). */
    static boolean ownedByLiveSession(io.vmdesk.store.Store store, String link) {
        Set<String> liveIds = new HashSet<>();
        for (SessionRow r : store.sessions().live()) {
            liveIds.add(r.id());
            if (Naming.interfaceName(r.id()).equals(link)) {
                return true;
            }
        }
        return store.ledger().allOpen().stream().anyMatch(e -> liveIds.contains(e.sessionId())
                && e.kind().equals("interface") && e.name().equals(link));
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
