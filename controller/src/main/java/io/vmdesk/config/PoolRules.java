package io.vmdesk.config;

import static io.vmdesk.config.Setting.BRIDGE_IP;
import static io.vmdesk.config.Setting.INTERNAL_NETWORK;
import static io.vmdesk.config.Setting.IP_POOL_END;
import static io.vmdesk.config.Setting.IP_POOL_START;
import static io.vmdesk.config.Setting.MAX_SESSIONS;

import io.vmdesk.config.ConfigException.Problem;
import io.vmdesk.net.Ipv4Address;
import io.vmdesk.net.Ipv4Network;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;

/**
 * Derives the default IP pool and checks that bridge, network and pool fit together. The predecessor ran with a
 * bridge on 192.168.0.1/16 and a pool in 192.168.100.0/24; every such mismatch here is a problem whose fix names
 * concrete corrected values.
 */
final class PoolRules {

    /** An inclusive address range. */
    record Pool(Ipv4Address start, Ipv4Address end) {
        long size() {
            return end.minus(start) + 1;
        }
    }

    private final List<Problem> problems;
    /** Renders "NAME=value (where it came from)". */
    private final BiFunction<Setting, Object, String> shown;

    PoolRules(List<Problem> problems, BiFunction<Setting, Object, String> shown) {
        this.problems = problems;
        this.shown = shown;
    }

    /**
     * Returns the effective pool, or null when it cannot be determined. {@code start}/{@code end} are null when not
     * set; {@code bridge} and {@code maxSessions} are null when unusable (already reported).
     */
    Pool check(Ipv4Network net, Ipv4Address bridge, Ipv4Address start, Ipv4Address end, Integer maxSessions) {
        if (net == null) {
            return null;
        }
        if (net.prefix() > 30) {
            problems.add(new Problem(INTERNAL_NETWORK.name(), shown.apply(INTERNAL_NETWORK, net)
                    + " has no room for a bridge and a pool (a /30 is the smallest network with 2 usable hosts)",
                    "set INTERNAL_NETWORK to a larger network, e.g. INTERNAL_NETWORK=" + widen(net, 24)));
            return null;
        }
        Hosts hosts = new Hosts(net, checkBridge(net, bridge) ? bridge : null);
        Pool largest = hosts.largestBlock();
        Ipv4Address s = start != null ? start : end != null && net.contains(end) ? hosts.startBefore(end) : largest.start();
        Ipv4Address e = end != null ? end : start != null && net.contains(start) ? hosts.endAfter(start) : largest.end();
        int before = problems.size();
        checkPool(hosts, largest, s, e);
        if (problems.size() == before && maxSessions != null) {
            checkSize(hosts, new Pool(s, e), maxSessions);
        }
        return new Pool(s, e);
    }

    /** True when the bridge is a usable host of the network; otherwise reports why not. */
    private boolean checkBridge(Ipv4Network net, Ipv4Address bridge) {
        if (bridge == null) {
            return false;
        }
        String firstHost = net.network().plus(1).toString();
        if (!net.contains(bridge)) {
            Ipv4Network bridgeNet = networkOf(bridge, net.prefix());
            problems.add(new Problem(BRIDGE_IP.name(), shown.apply(BRIDGE_IP, bridge) + " is outside "
                    + shown.apply(INTERNAL_NETWORK, net), "set BRIDGE_IP=" + firstHost
                    + ", or if the bridge address is right set INTERNAL_NETWORK=" + bridgeNet));
            return false;
        }
        String which = bridge.equals(net.network()) ? "the network address" : bridge.equals(net.broadcast())
                ? "the broadcast address" : null;
        if (which != null) {
            problems.add(new Problem(BRIDGE_IP.name(), shown.apply(BRIDGE_IP, bridge) + " is " + which + " of "
                    + shown.apply(INTERNAL_NETWORK, net) + ", which no host can use", "set BRIDGE_IP=" + firstHost));
            return false;
        }
        return true;
    }

    private void checkPool(Hosts hosts, Pool largest, Ipv4Address s, Ipv4Address e) {
        Ipv4Network net = hosts.net;
        String inNet = shown.apply(INTERNAL_NETWORK, net);
        boolean startIn = net.contains(s);
        boolean endIn = net.contains(e);
        if (!startIn) {
            Ipv4Address fix = endIn ? hosts.startBefore(e) : largest.start();
            problems.add(new Problem(IP_POOL_START.name(), shown.apply(IP_POOL_START, s) + " is outside " + inNet,
                    "set IP_POOL_START=" + fix + ", or set INTERNAL_NETWORK to a network that contains " + s));
        }
        if (!endIn) {
            Ipv4Address fix = startIn ? hosts.endAfter(s) : largest.end();
            problems.add(new Problem(IP_POOL_END.name(), shown.apply(IP_POOL_END, e) + " is outside " + inNet,
                    "set IP_POOL_END=" + fix + ", or set INTERNAL_NETWORK to a network that contains " + e));
        }
        if (!startIn || !endIn) {
            return;
        }
        String pool = "the pool " + shown.apply(IP_POOL_START, s) + " to " + shown.apply(IP_POOL_END, e);
        if (s.compareTo(e) > 0) {
            problems.add(new Problem(IP_POOL_START.name(), shown.apply(IP_POOL_START, s) + " comes after "
                    + shown.apply(IP_POOL_END, e) + ", so the pool is reversed",
                    "swap them: set IP_POOL_START=" + e + " and IP_POOL_END=" + s));
            return;
        }
        if (s.equals(net.network())) {
            problems.add(new Problem(IP_POOL_START.name(), pool + " contains the network address " + net.network()
                    + " of " + inNet, "set IP_POOL_START=" + hosts.firstUsable()));
        }
        if (e.equals(net.broadcast())) {
            problems.add(new Problem(IP_POOL_END.name(), pool + " contains the broadcast address " + net.broadcast()
                    + " of " + inNet, "set IP_POOL_END=" + hosts.lastUsable()));
        }
        Ipv4Address gw = hosts.bridge;
        if (gw != null && s.compareTo(gw) <= 0 && gw.compareTo(e) <= 0) {
            problems.add(new Problem(IP_POOL_START.name(), pool + " contains " + shown.apply(BRIDGE_IP, gw),
                    bridgeFix(hosts, largest, s, e) + ", or move BRIDGE_IP outside the pool"));
        }
    }

    /** Cut the bridge off whichever side leaves the larger pool; offer both when the bridge is in the middle. */
    private static String bridgeFix(Hosts hosts, Pool largest, Ipv4Address s, Ipv4Address e) {
        Ipv4Address gw = hosts.bridge;
        Ipv4Address from = max(s, hosts.net.network().plus(1));
        Ipv4Address to = min(e, hosts.net.broadcast().plus(-1));
        long above = to.minus(gw);
        long below = gw.minus(from);
        List<String> fixes = new ArrayList<>();
        String raiseStart = "set IP_POOL_START=" + gw.plus(1);
        String lowerEnd = "set IP_POOL_END=" + gw.plus(-1);
        if (above > 0 && above >= below) {
            fixes.add(raiseStart);
        }
        if (below > 0) {
            fixes.add(lowerEnd);
        }
        if (above > 0 && above < below) {
            fixes.add(raiseStart);
        }
        if (fixes.isEmpty()) {
            fixes.add("set IP_POOL_START=" + largest.start() + " and IP_POOL_END=" + largest.end());
        }
        return String.join(", or ", fixes);
    }

    /** Too few addresses for MAX_SESSIONS: propose lowering it, or a wider pool that still avoids the bridge. */
    private void checkSize(Hosts hosts, Pool pool, int maxSessions) {
        long size = pool.size();
        if (size >= maxSessions) {
            return;
        }
        problems.add(new Problem(MAX_SESSIONS.name(), "the pool " + shown.apply(IP_POOL_START, pool.start()) + " to "
                + shown.apply(IP_POOL_END, pool.end()) + " holds " + size + (size == 1 ? " address" : " addresses")
                + ", fewer than " + shown.apply(MAX_SESSIONS, maxSessions),
                "set MAX_SESSIONS=" + size + ", or " + widerPool(hosts, pool, maxSessions)));
    }

    private static String widerPool(Hosts hosts, Pool pool, int maxSessions) {
        long first = unsigned(hosts.firstHost());
        long last = unsigned(hosts.lastHost());
        long gw = hosts.bridge == null ? -1 : unsigned(hosts.bridge);
        long endIfExtended = unsigned(pool.start()) + maxSessions - 1;
        if (endIfExtended <= last && !(gw > unsigned(pool.end()) && gw <= endIfExtended)) {
            return "widen the pool: set IP_POOL_END=" + new Ipv4Address((int) endIfExtended);
        }
        long startIfExtended = unsigned(pool.end()) - maxSessions + 1;
        if (startIfExtended >= first && !(gw >= startIfExtended && gw < unsigned(pool.start()))) {
            return "widen the pool: set IP_POOL_START=" + new Ipv4Address((int) startIfExtended);
        }
        Pool largest = hosts.largestBlock();
        if (largest.size() >= maxSessions) {
            return "widen the pool: set IP_POOL_START=" + largest.start() + " and IP_POOL_END=" + largest.end();
        }
        return "use a larger INTERNAL_NETWORK, e.g. INTERNAL_NETWORK="
                + widen(hosts.net, Math.max(0, Math.min(hosts.net.prefix() - 1, 32 - bitsFor(maxSessions + 3L))));
    }

    private static int bitsFor(long count) {
        return 64 - Long.numberOfLeadingZeros(count - 1);
    }

    /** The network of the same base address with a shorter prefix. */
    private static Ipv4Network widen(Ipv4Network net, int prefix) {
        return networkOf(net.network(), Math.min(prefix, net.prefix()));
    }

    private static Ipv4Network networkOf(Ipv4Address address, int prefix) {
        int mask = prefix == 0 ? 0 : -1 << (32 - prefix);
        return new Ipv4Network(new Ipv4Address(address.bits() & mask), prefix);
    }

    private static long unsigned(Ipv4Address a) {
        return Integer.toUnsignedLong(a.bits());
    }

    private static Ipv4Address max(Ipv4Address a, Ipv4Address b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    private static Ipv4Address min(Ipv4Address a, Ipv4Address b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /** The usable hosts of a network (network+1 .. broadcast-1) and the bridge among them, if valid. */
    private record Hosts(Ipv4Network net, Ipv4Address bridge) {

        Ipv4Address firstHost() {
            return net.network().plus(1);
        }

        Ipv4Address lastHost() {
            return net.broadcast().plus(-1);
        }

        /** First host that is not the bridge. */
        Ipv4Address firstUsable() {
            return firstHost().equals(bridge) ? firstHost().plus(1) : firstHost();
        }

        /** Last host that is not the bridge. */
        Ipv4Address lastUsable() {
            return lastHost().equals(bridge) ? lastHost().plus(-1) : lastHost();
        }

        /** Default pool: the larger side of the bridge (above it on ties, so bridge .1 gives .2-.254). */
        Pool largestBlock() {
            if (bridge == null) {
                return new Pool(firstHost(), lastHost());
            }
            long below = bridge.minus(firstHost());
            long above = lastHost().minus(bridge);
            return above >= below ? new Pool(bridge.plus(1), lastHost()) : new Pool(firstHost(), bridge.plus(-1));
        }

        /** Default start for a given end: as low as possible without reaching back over the bridge. */
        Ipv4Address startBefore(Ipv4Address end) {
            boolean bridgeBelow = bridge != null && bridge.compareTo(end) < 0;
            return bridgeBelow ? bridge.plus(1) : firstHost();
        }

        /** Default end for a given start: as high as possible without reaching over the bridge. */
        Ipv4Address endAfter(Ipv4Address start) {
            boolean bridgeAbove = bridge != null && bridge.compareTo(start) > 0;
            return bridgeAbove ? bridge.plus(-1) : lastHost();
        }
    }
}
