package io.vmdesk.doctor;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The neighbour (ARP) table: INCOMPLETE or FAILED entries for guest addresses (the host asked and nobody answered:
 * the operators' "ARP (incomplete)"), and table thresholds too small for MAX_SESSIONS guests.
 */
final class NeighbourChecks implements CheckFamily {
    /** Room for the host's other neighbours (gateway, LAN peers) besides the guests. */
    static final int HEADROOM = 64;

    @Override
    public String name() {
        return "neighbour";
    }

    @Override
    public List<Check> run(Examination exam) {
        List<Check> out = new ArrayList<>();
        for (GuestTarget g : exam.guests) {
            for (JsonNode n : exam.host.neighbours()) {
                if (!n.path("dst").asText().equals(g.address().toString())) {
                    continue;
                }
                List<String> states = new ArrayList<>();
                n.path("state").forEach(s -> states.add(s.asText()));
                if (states.contains("INCOMPLETE") || states.contains("FAILED")) {
                    out.add(Check.fail("neighbour.entry", g.label(), "ip neigh: " + g.address() + " dev "
                                    + n.path("dev").asText() + " " + String.join(",", states) + ": the host asked who has "
                                    + g.address() + " and no one answered",
                            "see guest.arp for this session: the guest must hold " + g.address() + "/"
                                    + exam.config.internalNetwork().prefix() + " on an interface that is up and "
                                    + "bridged to " + exam.bridge()));
                }
            }
        }
        if (out.isEmpty()) {
            out.add(Check.ok("neighbour.entry", exam.guests.size() + " guest(s)", "no INCOMPLETE or FAILED entry for a "
                    + "guest address"));
        }
        out.add(thresholds(exam));
        return out;
    }

    /** Both thresholds as read in one place, and which network namespace that was. */
    record Thresholds(int gc2, int gc3, Source source, String where) {
    }

    enum Source { EXAMINED, OWN, INITIAL }

    /**
     * gc_thresh3 is a hard limit on entries ("neighbour table overflow"), gc_thresh2 the point where entries are
     * reclaimed aggressively. Older kernels (and this one, if the examined namespace has no
     * {@code net/ipv4/neigh/default}) keep them only in the initial network namespace, one limit for the entries of
     * all namespaces; kernels that made them per namespace show them in each. They are read in the examined namespace
     * first, then in this process's own, then in pid 1's, and the evidence says which of these it was.
     */
    private static Check thresholds(Examination exam) {
        int needed = exam.config.maxSessions() + HEADROOM;
        String target = "net.ipv4.neigh.default.gc_thresh2/3";
        String examined = examinedNamespace(exam);
        Optional<Thresholds> read = read(exam, examined);
        if (read.isEmpty()) {
            return Check.ok("neighbour.gc-thresh", target, "not read: " + examined + " has no "
                    + "net/ipv4/neigh/default/gc_thresh2/3 (on kernels where they are global they exist only in the "
                    + "initial namespace), and neither this process's namespace nor pid 1's could be read (reading "
                    + "pid 1's needs root); MAX_SESSIONS=" + exam.config.maxSessions());
        }
        Thresholds t = read.get();
        String seen = "gc_thresh2=" + t.gc2() + ", gc_thresh3=" + t.gc3() + " (read in " + t.where() + "); MAX_SESSIONS="
                + exam.config.maxSessions() + " guests + " + HEADROOM + " other neighbours need " + needed;
        String set = "sysctl -w net.ipv4.neigh.default.gc_thresh2=" + needed + " net.ipv4.neigh.default.gc_thresh3="
                + 2 * needed;
        String fix = switch (t.source()) {
            case EXAMINED -> set;
            case OWN -> set + " where doctor runs (network namespace " + ownNamespace().orElse("net:[?]")
                    + "), not inside " + exam.host.commands().wrapNamespace() + ", which has no such sysctls";
            case INITIAL -> "nsenter --net=/proc/1/ns/net " + set + " (the initial namespace holds them)";
        } + " (and persist it in /etc/sysctl.d/)";
        if (t.gc3() < needed) {
            return Check.fail("neighbour.gc-thresh", target, seen + ": beyond gc_thresh3 the kernel refuses new "
                    + "entries (\"neighbour table overflow\") and guests become unreachable", fix);
        }
        if (t.gc2() < needed) {
            return Check.warn("neighbour.gc-thresh", target, seen + ": beyond gc_thresh2 entries are reclaimed "
                    + "after 5 s, so ARP is redone constantly", fix);
        }
        return Check.ok("neighbour.gc-thresh", target, seen);
    }

    /** The namespace the doctor examines, named for evidence. */
    private static String examinedNamespace(Examination exam) {
        String wrapped = exam.host.commands().wrapNamespace();
        return wrapped != null ? "the examined network namespace " + wrapped
                : "the examined network namespace (this process's, " + ownNamespace().orElse("net:[?]") + ")";
    }

    private static Optional<Thresholds> read(Examination exam, String examined) {
        String gc2 = "net/ipv4/neigh/default/gc_thresh2";
        String gc3 = "net/ipv4/neigh/default/gc_thresh3";
        Optional<Integer> t2 = number(exam.host.sysctl(gc2));
        Optional<Integer> t3 = number(exam.host.sysctl(gc3));
        if (t2.isPresent() && t3.isPresent()) {
            return Optional.of(new Thresholds(t2.get(), t3.get(), Source.EXAMINED, examined));
        }
        String missing = ", because " + examined + " has none (on this kernel they are global: one limit for all "
                + "namespaces' entries)";
        if (exam.host.commands().wrapNamespace() != null) {
            // this process may sit in the initial namespace while it inspects another (--netns)
            t2 = number(ownSysctl(gc2));
            t3 = number(ownSysctl(gc3));
            if (t2.isPresent() && t3.isPresent()) {
                return Optional.of(new Thresholds(t2.get(), t3.get(), Source.OWN, "this process's network namespace "
                        + ownNamespace().orElse("net:[?]") + missing));
            }
        }
        var r2 = exam.host.run(Duration.ofSeconds(5), "nsenter", "--net=/proc/1/ns/net", "cat", "/proc/sys/" + gc2);
        var r3 = exam.host.run(Duration.ofSeconds(5), "nsenter", "--net=/proc/1/ns/net", "cat", "/proc/sys/" + gc3);
        t2 = r2.ok() ? number(Optional.of(r2.stdout())) : Optional.empty();
        t3 = r3.ok() ? number(Optional.of(r3.stdout())) : Optional.empty();
        if (t2.isPresent() && t3.isPresent()) {
            var ns = exam.host.run(Duration.ofSeconds(5), "readlink", "/proc/1/ns/net");
            return Optional.of(new Thresholds(t2.get(), t3.get(), Source.INITIAL, "the initial network namespace (pid 1's"
                    + (ns.ok() ? ", " + ns.stdout().strip() : "") + ")" + missing));
        }
        return Optional.empty();
    }

    /** This process's own /proc/sys value (its own network namespace, whatever the commands are wrapped in). */
    private static Optional<String> ownSysctl(String path) {
        // a stream, not Files.readString: procfs reports size 0 and Files.readString then returns one byte
        try (var in = java.nio.file.Files.newInputStream(java.nio.file.Path.of("/proc/sys/" + path))) {
            return Optional.of(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII).strip());
        } catch (java.io.IOException e) {
            return Optional.empty();
        }
    }

    /** "net:[4026531840]" for this process. */
    private static Optional<String> ownNamespace() {
        try {
            return Optional.of(java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/self/ns/net"))
                    .toString());
        } catch (java.io.IOException | UnsupportedOperationException e) {
            return Optional.empty();
        }
    }

    private static Optional<Integer> number(Optional<String> text) {
        try {
            return text.map(String::strip).map(Integer::parseInt);
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
