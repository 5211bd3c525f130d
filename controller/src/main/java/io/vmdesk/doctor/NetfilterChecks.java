package io.vmdesk.doctor;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Packet filtering as this namespace sees it (nftables, which also holds iptables-nft rules): a chain with a drop
 * policy on the forward hook that bridged frames reach (bridge family, or ip/inet once br_netfilter sends bridged IPv4
 * through iptables: bridge-nf-call-iptables=1), an input chain that drops the guests' replies, and IPv4 forwarding
 * off although a NAT rule shows guests are meant to reach beyond the host.
 */
final class NetfilterChecks implements CheckFamily {

    @Override
    public String name() {
        return "netfilter";
    }

    private record Chain(String family, String table, String name, String hook, String policy, List<String> rules) {
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
        for (Chain c : chains) {
            if (!c.policy().equals("drop")) {
                continue;
            }
            boolean ipFamily = c.family().equals("ip") || c.family().equals("inet");
            if (c.hook().equals("forward") && (c.family().equals("bridge") || (ipFamily && bridgedThroughIp))
                    && !c.accepts("\"" + bridge + "\"", "\"vmd", net)) {
                out.add(Check.fail("netfilter.bridge-forward", c.label(), brnfText + "; frames bridged between "
                                + bridge + "'s ports pass " + c.label() + " and no rule there accepts them",
                        "nft insert rule " + c.family() + " " + c.table() + " " + c.name() + " iifname \"" + bridge
                                + "\" oifname \"" + bridge + "\" accept" + (c.family().equals("bridge") ? ""
                                : "; or stop sending bridged traffic through iptables: sysctl -w "
                                + "net.bridge.bridge-nf-call-iptables=0")));
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
        if (out.isEmpty()) {
            long drops = chains.stream().filter(c -> c.policy().equals("drop")).count();
            out.add(Check.ok("netfilter.bridge-forward", "netfilter", brnfText + "; " + (ruleset.isEmpty()
                    ? "nft not available or no ruleset" : chains.size() + " chain(s), " + drops
                    + " with drop policy, none in the way of " + bridge)));
        }
        out.add(forwarding(exam, ruleset, net));
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

    private static List<Chain> chains(JsonNode ruleset) {
        Map<String, Chain> chains = new LinkedHashMap<>();
        for (JsonNode item : ruleset.path("nftables")) {
            JsonNode c = item.path("chain");
            if (!c.isMissingNode() && c.has("hook")) {
                String key = c.path("family").asText() + " " + c.path("table").asText() + " " + c.path("name").asText();
                chains.put(key, new Chain(c.path("family").asText(), c.path("table").asText(), c.path("name").asText(),
                        c.path("hook").asText(), c.path("policy").asText("accept"), new ArrayList<>()));
            }
            JsonNode r = item.path("rule");
            if (!r.isMissingNode()) {
                Chain chain = chains.get(r.path("family").asText() + " " + r.path("table").asText() + " "
                        + r.path("chain").asText());
                if (chain != null) {
                    chain.rules().add(r.path("expr").toString());
                }
            }
        }
        return List.copyOf(chains.values());
    }
}
