package io.vmdesk.doctor;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmdesk.config.ConfigException;
import io.vmdesk.net.Ipv4Address;
import io.vmdesk.net.Ipv4Network;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The configuration and how it fits the host: variables that are not ours (VM_IP_POOL_START) as the loader found
 * them, and a guest network that another interface or route already uses (the kernel then sends guest traffic
 * elsewhere, or answers for it).
 */
final class ConfigChecks implements CheckFamily {

    @Override
    public String name() {
        return "config";
    }

    @Override
    public List<Check> run(Examination exam) {
        List<Check> out = new ArrayList<>();
        if (exam.configProblems.isEmpty()) {
            out.add(Check.ok("config.variables", "configuration", "every variable set is a vmdesk setting with a valid"
                    + " value (" + exam.config.bridgeDevice() + " " + exam.wantedBridgeAddress() + ", pool "
                    + exam.config.poolStart() + "–" + exam.config.poolEnd() + ")"));
        }
        for (ConfigException.Problem p : exam.configProblems) {
            out.add(Check.fail("config.variables", p.variable(), p.message(), p.fix()));
        }
        out.add(overlap(exam));
        return out;
    }

    /** INTERNAL_NETWORK against every other interface's network and every route not via the bridge. */
    private static Check overlap(Examination exam) {
        Ipv4Network net = exam.config.internalNetwork();
        String bridge = exam.bridge();
        List<String> clashes = new ArrayList<>();
        List<String> fixes = new ArrayList<>();
        Set<String> seen = new java.util.HashSet<>();
        for (JsonNode link : exam.host.addresses()) {
            String dev = link.path("ifname").asText();
            if (dev.equals(bridge) || dev.equals("lo")) {
                continue;
            }
            for (JsonNode a : link.path("addr_info")) {
                if (!a.has("local")) {
                    continue;
                }
                String cidr = a.path("local").asText() + "/" + a.path("prefixlen").asInt();
                if (overlaps(net, network(cidr)) && seen.add(dev + cidr)) {
                    clashes.add("interface " + dev + " has " + cidr);
                    fixes.add("ip addr del " + cidr + " dev " + dev);
                }
            }
        }
        for (JsonNode route : exam.host.routes()) {
            String dst = route.path("dst").asText("");
            String dev = route.path("dev").asText("");
            if (dst.isEmpty() || dst.equals("default") || dev.equals(bridge)) {
                continue;
            }
            if (exam.config.slotTopology() && dev.startsWith(io.vmdesk.net.Naming.INTERFACE_PREFIX)) {
                continue; // a slot's own route: its pool address via the guest's veth pair
            }
            Ipv4Network routed = network(dst);
            if (overlaps(net, routed) && !route.path("protocol").asText("").equals("kernel")) {
                String text = dst + (dev.isEmpty() ? "" : " dev " + dev)
                        + (route.has("gateway") ? " via " + route.path("gateway").asText() : "");
                clashes.add("route " + text);
                fixes.add("ip route del " + text);
            }
        }
        String target = "INTERNAL_NETWORK " + net + " (pool " + exam.config.poolStart() + "–" + exam.config.poolEnd()
                + ")";
        if (clashes.isEmpty()) {
            return Check.ok("config.network-overlap", target, "no other interface or route uses " + net);
        }
        return Check.fail("config.network-overlap", target, net + " overlaps " + String.join("; ", clashes)
                        + ": traffic to guests can leave through the wrong device",
                "choose an INTERNAL_NETWORK (and BRIDGE_IP, IP_POOL_START/END) that nothing else uses, or remove the"
                        + " clash: " + String.join(" && ", fixes));
    }

    static Ipv4Network network(String cidr) {
        String[] parts = cidr.split("/");
        int prefix = parts.length > 1 ? Integer.parseInt(parts[1]) : 32;
        Ipv4Address a = Ipv4Address.parse(parts[0]);
        long mask = prefix == 0 ? 0 : (0xFFFFFFFFL << (32 - prefix)) & 0xFFFFFFFFL;
        return new Ipv4Network(new Ipv4Address((int) (Integer.toUnsignedLong(a.bits()) & mask)), prefix);
    }

    static boolean overlaps(Ipv4Network a, Ipv4Network b) {
        return a.contains(b.network()) || b.contains(a.network());
    }
}
