package io.vmdesk.doctor;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmdesk.net.HostNetwork;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * BRIDGE_DEVICE itself: present and a bridge, up, carrying exactly BRIDGE_IP/prefix of INTERNAL_NETWORK, STP off, and
 * every port that is up forwarding (a port still listening or learning drops the guest's frames).
 */
final class BridgeChecks implements CheckFamily {

    @Override
    public String name() {
        return "bridge";
    }

    @Override
    public List<Check> run(Examination exam) {
        String bridge = exam.bridge();
        String wanted = exam.wantedBridgeAddress();
        List<Check> out = new ArrayList<>();
        Optional<JsonNode> link = exam.host.link(bridge);
        String create = "ip link add " + bridge + " type bridge stp_state 0 forward_delay 0 && ip addr add " + wanted
                + " dev " + bridge + " && ip link set dev " + bridge + " up (or start the controller: `vmdesk serve`"
                + " creates it)";
        if (link.isEmpty()) {
            out.add(Check.fail("bridge.exists", bridge, "no device " + bridge + " in this network namespace; links: "
                    + names(exam), create));
            return out;
        }
        String kind = link.get().path("linkinfo").path("info_kind").asText("");
        if (!kind.equals("bridge")) {
            out.add(Check.fail("bridge.exists", bridge, bridge + " is " + (kind.isEmpty() ? "a plain device" : "a "
                    + kind + " device") + ", not a bridge", "ip link del " + bridge + " && " + create
                    + "; or set BRIDGE_DEVICE to the bridge's name"));
            return out;
        }
        out.add(Check.ok("bridge.exists", bridge, "bridge, index " + link.get().path("ifindex").asInt()));
        List<String> flags = HostState.flags(link.get());
        out.add(flags.contains("UP")
                ? Check.ok("bridge.up", bridge, "flags " + flags)
                : Check.fail("bridge.up", bridge, "administratively down: flags " + flags + ", operstate "
                        + link.get().path("operstate").asText(), "ip link set dev " + bridge + " up"));
        List<String> present = exam.host.ipv4(bridge);
        if (present.size() == 1 && present.get(0).equals(wanted)) {
            out.add(Check.ok("bridge.address", bridge, "has " + wanted + " (BRIDGE_IP/INTERNAL_NETWORK prefix)"));
        } else {
            out.add(Check.fail("bridge.address", bridge, bridge + " has " + (present.isEmpty() ? "no IPv4 address"
                            : String.join(", ", present)) + " but BRIDGE_IP=" + exam.config.bridgeIp()
                            + " and INTERNAL_NETWORK=" + exam.config.internalNetwork() + " need exactly " + wanted
                            + ": guests use " + exam.config.bridgeIp() + " as gateway and netmask "
                            + exam.config.netmask(),
                    HostNetwork.addressFix(bridge, present, wanted) + " (or `vmdesk doctor --fix`)"));
        }
        JsonNode data = link.get().path("linkinfo").path("info_data");
        int stp = data.path("stp_state").asInt(0);
        double delay = data.path("forward_delay").asInt(0) / 100.0;
        out.add(stp == 0
                ? Check.ok("bridge.stp", bridge, "stp_state 0")
                : Check.fail("bridge.stp", bridge, "stp_state " + stp + ", forward_delay " + delay
                        + " s: every new port listens and learns for " + 2 * delay + " s before it forwards",
                        "ip link set dev " + bridge + " type bridge stp_state 0 && ip link set dev " + bridge
                                + " type bridge forward_delay 0 (or `vmdesk doctor --fix`)"));
        out.addAll(ports(exam, bridge));
        return out;
    }

    /** Ports that are up but not forwarding. */
    private static List<Check> ports(Examination exam, String bridge) {
        List<Check> out = new ArrayList<>();
        List<String> forwarding = new ArrayList<>();
        for (JsonNode l : exam.host.links()) {
            if (!l.path("master").asText("").equals(bridge)) {
                continue;
            }
            String name = l.path("ifname").asText();
            String state = l.path("linkinfo").path("info_slave_data").path("state").asText("");
            if (state.equals("forwarding") || !HostState.flags(l).contains("LOWER_UP")) {
                forwarding.add(name + " " + (state.isEmpty() ? "?" : state));
                continue;
            }
            out.add(Check.fail("bridge.port-state", name, "port " + name + " of " + bridge + " is " + state
                            + " (link up): frames from and to the guest are dropped until it forwards",
                    "ip link set dev " + bridge + " type bridge stp_state 0 && ip link set dev " + name
                            + " type bridge_slave state 3 (forwarding)"));
        }
        if (out.isEmpty()) {
            out.add(Check.ok("bridge.port-state", bridge, forwarding.isEmpty() ? "no ports yet"
                    : "ports " + String.join(", ", forwarding)));
        }
        return out;
    }

    private static String names(Examination exam) {
        List<String> names = new ArrayList<>();
        exam.host.links().forEach(l -> names.add(l.path("ifname").asText()));
        return String.join(", ", names);
    }
}
