package io.vmdesk.doctor;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Packet filtering as this namespace sees it (nftables, which also holds iptables-nft rules): a chain with a drop
 * policy on the forward hook that bridged frames reach (ip/inet once br_netfilter sends bridged IPv4 through
 * iptables: bridge-nf-call-iptables=1; or the bridge family, whose forward hook only matters when the bridge has ports
 * besides the guests' isolated ones), a bridge-family input/output chain that drops what passes between the host and
 * its guests (its iifname/oifname are the bridge's ports, so the fix names the guests' "vmd*" ports), an input chain
 * that drops the guests' replies, and IPv4 forwarding off although a NAT rule shows guests are meant to reach beyond
 * the host.
 */
final class NetfilterChecks implements CheckFamily {

    @Override
    public String name() {
        return "netfilter";
    }

    private record Chain(String family, String table, String name, String hook, String policy, List<String> rules,
            List<Long> handles) {
        String label() {
            return "table " + family + " " + table + " chain " + name + " (hook " + hook + ", policy " + policy + ")";
        }

        boolean accepts(String... needles) {
            for (String rule : rules) {
                if (!rule.contains("\"accept\"")) {
                    continue;
                }
                for (String n : needles) {
                    if (rule.contains(n)) {
                        return true;
                    }
                }
            }
            return false;
        }
    }

    @Override
    public List<Check> run(Examination exam) {
        List<Check> out = new ArrayList<>();
        String bridge = exam.bridge();
        Optional<String> brnf = exam.host.sysctl("net/bridge/bridge-nf-call-iptables");
        boolean bridgedThroughIp = brnf.map("1"::equals).orElse(false);
        String brnfText = brnf.map(v -> "net.bridge.bridge-nf-call-iptables=" + v)
                .orElse("br_netfilter not loaded (no net.bridge.bridge-nf-call-iptables)");
        Optional<JsonNode> ruleset = exam.host.nftRuleset();
        List<Chain> chains = ruleset.map(NetfilterChecks::chains).orElse(List.of());
        String net = exam.config.internalNetwork().network().toString();
        List<String> otherPorts = otherPorts(exam);
        List<Check> ok = new ArrayList<>();
        for (Chain c : chains) {
            dropRules(c, bridge, exam.config.internalNetwork(), out);
            if (!c.policy().equals("drop")) {
                continue;
            }
            boolean ipFamily = c.family().equals("ip") || c.family().equals("inet");
            boolean bridgeFamily = c.family().equals("bridge");
            if (c.hook().equals("forward") && ipFamily && bridgedThroughIp
                    && !c.accepts("\"" + bridge + "\"", "\"vmd", net)) {
                out.add(Check.fail("netfilter.bridge-forward", c.label(), brnfText + "; frames bridged between "
                                + bridge + "'s ports pass " + c.label() + " and no rule there accepts them",
                        "nft insert rule " + c.family() + " " + c.table() + " " + c.name() + " iifname \"" + bridge
                                + "\" oifname \"" + bridge + "\" accept; or stop sending bridged traffic through "
                                + "iptables: sysctl -w net.bridge.bridge-nf-call-iptables=0"));
            }
            if (bridgeFamily && c.hook().equals("forward") && !c.accepts("\"" + bridge + "\"", "\"vmd", net)) {
                // The bridge family's forward hook sees only frames going from one port of a bridge to another. The
                // guests' ports are isolated: they talk to the host (input/output hooks) and to non-isolated ports.
                if (otherPorts.isEmpty()) {
                    ok.add(Check.ok("netfilter.bridge-forward", c.label(), c.label() + " drops frames forwarded "
                            + "between a bridge's ports, but " + bridge + " has no port besides the guests' "
                            + "isolated ones: guests and the host talk through the bridge family's input and output "
                            + "hooks, which this chain does not filter"));
                } else {
                    out.add(Check.warn("netfilter.bridge-forward", c.label(), c.label() + " drops frames "
                                    + "forwarded between " + bridge + "'s ports and no rule there accepts the guests' "
                                    + "(ports \"" + io.vmdesk.net.Naming.INTERFACE_PREFIX + "*\"): guests cannot reach "
                                    + "the bridge's other port(s) " + String.join(", ", otherPorts) + " (nor they the "
                                    + "guests); the host itself still reaches them (input/output hooks)",
                            portAccept(c, "iifname") + " && " + portAccept(c, "oifname")));
                }
            }
            if (bridgeFamily && (c.hook().equals("input") || c.hook().equals("output"))
                    && !c.accepts("\"" + bridge + "\"", "\"vmd", net)) {
                boolean in = c.hook().equals("input");
                out.add(Check.fail("netfilter.bridge-host", c.label(), c.label() + " sees every frame "
                                + (in ? "a guest sends to the host" : "the host sends to a guest") + " through "
                                + bridge + " (ARP included) and no rule there accepts the guests' ports (\""
                                + io.vmdesk.net.Naming.INTERFACE_PREFIX + "*\"), " + bridge + " or "
                                + exam.config.internalNetwork() + ": the host cannot reach its guests",
                        portAccept(c, in ? "iifname" : "oifname")));
            }
            if (c.hook().equals("input") && ipFamily && !c.accepts("established", "\"" + bridge + "\"", net)) {
                out.add(Check.fail("netfilter.input", c.label(), c.label() + " has no rule accepting established "
                                + "connections or traffic from " + bridge + ": the guests' answers (ARP aside) never "
                                + "reach the controller",
                        "nft insert rule " + c.family() + " " + c.table() + " " + c.name()
                                + " ct state established,related accept && nft insert rule " + c.family() + " "
                                + c.table() + " " + c.name() + " iifname \"" + bridge + "\" accept"));
            }
        }
        boolean nothingInTheWay = out.isEmpty();
        out.addAll(ok);
        if (nothingInTheWay && ok.isEmpty()) {
            long drops = chains.stream().filter(c -> c.policy().equals("drop")).count();
            out.add(Check.ok("netfilter.bridge-forward", "netfilter", brnfText + "; " + (ruleset.isEmpty()
                    ? "nft not available or no ruleset" : chains.size() + " chain(s), " + drops
                    + " with drop policy, none in the way of " + bridge)));
        }
        out.add(forwarding(exam, ruleset, net));
        return out;
    }

    /** {@code nft insert rule bridge TABLE CHAIN 'iifname "vmd*" accept'}: accepts the guests' bridge ports. */
    private static String portAccept(Chain c, String key) {
        return "nft insert rule " + c.family() + " " + c.table() + " " + c.name() + " '" + key + " \""
                + io.vmdesk.net.Naming.INTERFACE_PREFIX + "*\" accept'";
    }

    /** The ports of the bridge that are not vmdesk guest interfaces (an uplink, a VPN tap…). */
    private static List<String> otherPorts(Examination exam) {
        List<String> out = new ArrayList<>();
        for (JsonNode l : exam.host.links()) {
            String name = l.path("ifname").asText();
            if (l.path("master").asText("").equals(exam.bridge()) && !io.vmdesk.net.Naming.isInterfaceName(name)) {
                out.add(name);
            }
        }
        return out;
    }

    /** ip_forward matters only when guests are NATed beyond the host (a masquerade/snat rule naming their network). */
    private static Check forwarding(Examination exam, Optional<JsonNode> ruleset, String net) {
        String value = exam.host.sysctl("net/ipv4/ip_forward").orElse("?");
        String nat = null;
        if (ruleset.isPresent()) {
            for (JsonNode item : ruleset.get().path("nftables")) {
                JsonNode rule = item.path("rule");
                String text = rule.toString();
                if (!rule.isMissingNode() && (text.contains("\"masquerade\"") || text.contains("\"snat\""))
                        && (text.contains(net) || text.contains("\"" + exam.bridge() + "\""))) {
                    nat = "table " + rule.path("family").asText() + " " + rule.path("table").asText() + " chain "
                            + rule.path("chain").asText();
                }
            }
        }
        if (nat == null) {
            return Check.ok("netfilter.forwarding", "net.ipv4.ip_forward", "ip_forward=" + value
                    + "; not needed: no NAT rule sends " + exam.config.internalNetwork() + " beyond the host");
        }
        if (value.equals("1")) {
            return Check.ok("netfilter.forwarding", "net.ipv4.ip_forward", "ip_forward=1 for the NAT in " + nat);
        }
        return Check.fail("netfilter.forwarding", "net.ipv4.ip_forward", "ip_forward=" + value + " but " + nat
                        + " masquerades " + exam.config.internalNetwork() + ": guests' traffic to anywhere but the host"
                        + " is dropped", "sysctl -w net.ipv4.ip_forward=1 (and persist it in /etc/sysctl.d/)");
    }

    /**
     * Rules (in ip/inet chains, whatever their hook and policy) that drop or reject traffic naming the guest network,
     * a guest address or the bridge: e.g. an output rule dropping the host's SYNs to the guests' VNC port, which
     * otherwise looks like a guest that does not answer TCP.
     */
    private static void dropRules(Chain c, String bridge, io.vmdesk.net.Ipv4Network network, List<Check> out) {
        if (!c.family().equals("ip") && !c.family().equals("inet")) {
            return;
        }
        String netAddress = "\"" + network.network() + "\"";
        String octets = network.network().toString().substring(0, network.network().toString().lastIndexOf('.') + 1);
        for (int i = 0; i < c.rules().size(); i++) {
            String rule = c.rules().get(i);
            boolean drops = rule.contains("{\"drop\"") || rule.contains("{\"reject\"");
            boolean ours = rule.contains(netAddress) || rule.contains("\"" + bridge + "\"")
                    || rule.contains("\"" + octets);
            if (drops && ours) {
                long handle = c.handles().get(i);
                out.add(Check.fail("netfilter.drop-rule", c.label(), c.label() + " has a rule that drops traffic "
                                + "naming " + network + " or " + bridge + " (hook " + c.hook() + ": "
                                + switch (c.hook()) {
                                    case "output" -> "what the host sends to its guests";
                                    case "input" -> "what the guests send to the host";
                                    default -> "traffic to or from the guests";
                                } + "): " + rule,
                        handle >= 0 ? "nft delete rule " + c.family() + " " + c.table() + " " + c.name() + " handle "
                                + handle + " (if vmdesk's guests should not be cut off)"
                                : "nft -a list chain " + c.family() + " " + c.table() + " " + c.name()
                                        + ", then nft delete rule … handle N"));
            }
        }
    }

    private static List<Chain> chains(JsonNode ruleset) {
        Map<String, Chain> chains = new LinkedHashMap<>();
        for (JsonNode item : ruleset.path("nftables")) {
            JsonNode c = item.path("chain");
            if (!c.isMissingNode() && c.has("hook")) {
                String key = c.path("family").asText() + " " + c.path("table").asText() + " " + c.path("name").asText();
                chains.put(key, new Chain(c.path("family").asText(), c.path("table").asText(), c.path("name").asText(),
                        c.path("hook").asText(), c.path("policy").asText("accept"), new ArrayList<>(),
                        new ArrayList<>()));
            }
            JsonNode r = item.path("rule");
            if (!r.isMissingNode()) {
                Chain chain = chains.get(r.path("family").asText() + " " + r.path("table").asText() + " "
                        + r.path("chain").asText());
                if (chain != null) {
                    chain.rules().add(r.path("expr").toString());
                    chain.handles().add(r.path("handle").asLong(-1));
                }
            }
        }
        return List.copyOf(chains.values());
    }
}
