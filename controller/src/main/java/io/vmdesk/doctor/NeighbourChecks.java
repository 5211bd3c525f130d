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

    /**
     * gc_thresh3 is a hard limit on entries ("neighbour table overflow"), gc_thresh2 the point where entries are
     * reclaimed aggressively. The table is shared by all namespaces and its sysctls exist only in the initial one,
     * so they are read there when this namespace lacks them (from this process's own /proc/sys, or through
     * pid 1's namespace).
     */
    private static Check thresholds(Examination exam) {
        int needed = exam.config.maxSessions() + HEADROOM;
        Optional<Integer> t2 = threshold(exam, 2);
        Optional<Integer> t3 = threshold(exam, 3);
        String target = "net.ipv4.neigh.default.gc_thresh2/3";
        if (t3.isEmpty() || t2.isEmpty()) {
            return Check.ok("neighbour.gc-thresh", target, "not readable here (needs root); MAX_SESSIONS="
                    + exam.config.maxSessions());
        }
        String seen = "gc_thresh2=" + t2.get() + ", gc_thresh3=" + t3.get() + "; MAX_SESSIONS="
                + exam.config.maxSessions() + " guests + " + HEADROOM + " other neighbours need " + needed;
        String fix = "sysctl -w net.ipv4.neigh.default.gc_thresh2=" + needed + " net.ipv4.neigh.default.gc_thresh3="
                + 2 * needed + " (and persist it in /etc/sysctl.d/)";
        if (t3.get() < needed) {
            return Check.fail("neighbour.gc-thresh", target, seen + ": beyond gc_thresh3 the kernel refuses new "
                    + "entries (\"neighbour table overflow\") and guests become unreachable", fix);
        }
        if (t2.get() < needed) {
            return Check.warn("neighbour.gc-thresh", target, seen + ": beyond gc_thresh2 entries are reclaimed "
                    + "after 5 s, so ARP is redone constantly", fix);
        }
        return Check.ok("neighbour.gc-thresh", target, seen);
    }

    private static Optional<Integer> threshold(Examination exam, int n) {
        String path = "net/ipv4/neigh/default/gc_thresh" + n;
        Optional<String> here = exam.host.sysctl(path);
        if (here.isEmpty()) {
            // this process may sit in the initial namespace while it inspects another (--netns)
            // a stream, not Files.readString: procfs reports size 0 and Files.readString then returns one byte
            try (var in = java.nio.file.Files.newInputStream(java.nio.file.Path.of("/proc/sys/" + path))) {
                here = Optional.of(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII).strip());
            } catch (java.io.IOException e) {
                here = Optional.empty();
            }
        }
        if (here.isEmpty()) {
            var r = exam.host.run(Duration.ofSeconds(5), "nsenter", "--net=/proc/1/ns/net", "cat", "/proc/sys/" + path);
            here = r.ok() ? Optional.of(r.stdout().strip()) : Optional.empty();
        }
        try {
            return here.map(Integer::parseInt);
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
