package io.vmdesk.doctor;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Which device the kernel sends each guest's packets to ({@code ip route get}), and reverse-path filtering: with
 * strict rp_filter on the bridge, a guest whose address routes elsewhere has every reply dropped silently.
 */
final class RoutingChecks implements CheckFamily {

    @Override
    public String name() {
        return "routing";
    }

    @Override
    public List<Check> run(Examination exam) {
        List<Check> out = new ArrayList<>();
        String bridge = exam.bridge();
        List<String> misrouted = new ArrayList<>();
        if (exam.host.link(bridge).isPresent()) {
            // one `ip route get` per guest, all at once
            try (var pool = java.util.concurrent.Executors.newThreadPerTaskExecutor(Thread.ofVirtual().factory())) {
                exam.guests.forEach(g -> pool.submit(() -> exam.host.routeTo(g.address().toString())));
            }
            for (GuestTarget g : exam.guests) {
                Optional<JsonNode> route = exam.host.routeTo(g.address().toString());
                String dev = route.map(r -> r.path("dev").asText("")).orElse("");
                // bridge: straight onto the bridge; slot: through the guest's own veth pair to its slot
                String expected = exam.config.slotTopology() ? g.hostInterface() : bridge;
                if (route.isPresent() && dev.equals(expected) && !route.get().has("gateway")) {
                    continue;
                }
                if (exam.config.slotTopology()) {
                    misrouted.add(g.address() + " via " + (dev.isEmpty() ? "nothing" : dev));
                    out.add(Check.fail("routing.guest-route", g.label(), "ip route get " + g.address() + " → "
                                    + route.map(JsonNode::toString).orElse("no route") + ": packets for the guest leave "
                                    + (dev.isEmpty() ? "nowhere" : "through " + dev) + ", not its slot's " + expected,
                            "ip route replace " + g.address() + "/32 dev " + expected + " src "
                                    + exam.config.bridgeIp()));
                    continue;
                }
                misrouted.add(g.address() + " via " + (dev.isEmpty() ? "nothing" : dev));
                out.add(Check.fail("routing.guest-route", g.label(), "ip route get " + g.address() + " → "
                                + route.map(JsonNode::toString).orElse("no route") + ": packets for the guest leave "
                                + (dev.isEmpty() ? "nowhere" : "through " + dev) + ", not " + bridge + "; "
                                + routesCovering(exam, g),
                        "delete the more specific route or address that captures " + g.address()
                                + " (see evidence), so that " + exam.config.internalNetwork() + " dev " + bridge
                                + " applies"));
            }
        }
        if (out.isEmpty()) {
            out.add(Check.ok("routing.guest-route", exam.guests.size() + " guest(s)", exam.guests.isEmpty()
                    ? "no live guests" : exam.config.slotTopology()
                            ? "every guest address routes to its slot through its own veth pair"
                            : "every guest address routes directly via " + bridge));
        }
        int all = exam.host.sysctl("net/ipv4/conf/all/rp_filter").map(Integer::parseInt).orElse(0);
        int dev = exam.host.sysctl("net/ipv4/conf/" + bridge + "/rp_filter").map(Integer::parseInt).orElse(0);
        int effective = Math.max(all, dev);
        String seen = "rp_filter all=" + all + ", " + bridge + "=" + dev + " (effective " + effective
                + (effective == 1 ? ", strict" : effective == 2 ? ", loose" : ", off") + ")";
        if (effective == 1 && !misrouted.isEmpty()) {
            out.add(Check.fail("routing.rp-filter", bridge, seen + ": replies arriving on " + bridge + " from "
                            + String.join(", ", misrouted) + " fail the reverse-path check and are dropped",
                    "fix the routes above, or use loose mode: sysctl -w net.ipv4.conf.all.rp_filter=2 "
                            + "net.ipv4.conf." + bridge + ".rp_filter=2"));
        } else {
            out.add(Check.ok("routing.rp-filter", bridge, seen + (effective == 1
                    ? "; harmless while every guest routes via " + bridge : "")));
        }
        return out;
    }

    private static String routesCovering(Examination exam, GuestTarget g) {
        List<String> hits = new ArrayList<>();
        for (JsonNode r : exam.host.routes()) {
            String dst = r.path("dst").asText("");
            if (dst.isEmpty()) {
                continue;
            }
            if (dst.equals("default") || ConfigChecks.network(dst).contains(g.address())) {
                hits.add(dst + (r.has("gateway") ? " via " + r.path("gateway").asText() : "") + " dev "
                        + r.path("dev").asText("?"));
            }
        }
        return "routes covering it: " + (hits.isEmpty() ? "none" : String.join("; ", hits));
    }
}
