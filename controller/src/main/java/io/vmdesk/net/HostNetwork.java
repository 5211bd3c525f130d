package io.vmdesk.net;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vmdesk.host.HostCommandException;
import io.vmdesk.host.HostCommands;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The host side of the guest network: one Linux bridge carrying the gateway address, and the per-guest links on it.
 * All commands run in the controller's own network namespace (or a test namespace, via {@link HostCommands}).
 */
public final class HostNetwork {
    private static final Logger log = LoggerFactory.getLogger(HostNetwork.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern DEVICE = Pattern.compile("[A-Za-z0-9_.:-]{1,15}");

    private final HostCommands cmd;
    private final String bridgeDevice;
    private final Ipv4Address bridgeIp;
    private final Ipv4Network network;

    public HostNetwork(HostCommands cmd, String bridgeDevice, Ipv4Address bridgeIp, Ipv4Network network) {
        this.cmd = Objects.requireNonNull(cmd, "cmd");
        this.bridgeDevice = checkDevice(bridgeDevice);
        this.bridgeIp = Objects.requireNonNull(bridgeIp, "bridgeIp");
        this.network = Objects.requireNonNull(network, "network");
        if (!network.contains(bridgeIp)) {
            throw new IllegalArgumentException("bridge address " + bridgeIp + " is not inside the guest network " + network);
        }
        if (network.prefix() < 31 && (bridgeIp.equals(network.network()) || bridgeIp.equals(network.broadcast()))) {
            throw new IllegalArgumentException("bridge address " + bridgeIp + " is the network or broadcast address of "
                    + network);
        }
    }

    /**
     * Creates the bridge with exactly bridgeIp/prefix, or adopts an existing one that has it. Brings it up, turns STP
     * off and forward_delay 0 so new ports forward at once. If it exists with other IPv4 addresses: without fix →
     * {@link BridgeMismatchException} showing both and the exact fix commands; with fix → replaces the addresses.
     * A device of that name that is not a bridge is an error.
     *
     * @return a one-line human description of what was done (created/adopted/fixed)
     */
    /**
     * No IPv6 on the bridge: the host would have a link-local address there, and guests would reach every port the
     * controller listens on over IPv6, where the API's "guests may only use /api/agent/…" rule (which knows the guest
     * network by its IPv4 addresses) does not see them. With IPv6 off on the bridge the kernel drops what guests send
     * over it. Nothing of vmdesk uses IPv6 towards guests. A kernel without IPv6 has nothing to close.
     */
    private void closeIpv6() {
        HostCommands.Result r = cmd.run(TIMEOUT, "sysctl", "-q", "-w", "net/ipv6/conf/" + bridgeDevice + "/disable_ipv6=1");
        if (!r.ok() && !r.stderr().contains("No such file")) {
            log.warn("cannot turn IPv6 off on {}: {}", bridgeDevice, r.stderr().strip());
        }
    }

    public String ensureBridge(boolean fix) {
        String wanted = bridgeIp + "/" + network.prefix();
        Optional<JsonNode> link = link(bridgeDevice);
        if (link.isEmpty()) {
            HostCommands.Result add = cmd.run(TIMEOUT, "ip", "link", "add", bridgeDevice, "type", "bridge",
                    "stp_state", "0", "forward_delay", "0");
            if (add.ok()) {
                cmd.runChecked(TIMEOUT, "ip", "addr", "add", wanted, "dev", bridgeDevice);
                closeIpv6();
                cmd.runChecked(TIMEOUT, "ip", "link", "set", "dev", bridgeDevice, "up");
                String done = "created bridge " + bridgeDevice + " with " + wanted + " (up, STP off, forward_delay 0)";
                log.info("{}", done);
                return done;
            }
            if (!add.stderr().contains("File exists")) {
                throw new HostCommandException(cmd.wrap(List.of("ip", "link", "add", bridgeDevice, "type", "bridge",
                        "stp_state", "0", "forward_delay", "0")), add.exitCode(), add.stderr());
            }
            // Someone else created it meanwhile: adopt it like any existing one.
            link = link(bridgeDevice);
            if (link.isEmpty()) {
                throw new IllegalStateException("bridge " + bridgeDevice + " appeared and vanished while being created");
            }
        }
        JsonNode info = link.get().path("linkinfo");
        String kind = info.path("info_kind").asText("");
        if (!kind.equals("bridge")) {
            throw new IllegalStateException("network device " + bridgeDevice + " exists but is "
                    + (kind.isEmpty() ? "not a bridge (a physical or plain device)" : "a " + kind + " device, not a bridge")
                    + "; vmdesk attaches guests to a Linux bridge of that name. Delete or rename the device ("
                    + "`ip link del " + bridgeDevice + "`) or configure another bridge device name");
        }
        List<String> present = ipv4Addresses(bridgeDevice);
        List<String> others = present.stream().filter(a -> !a.equals(wanted)).toList();
        boolean has = present.contains(wanted);
        List<String> changes = new ArrayList<>();
        if (!others.isEmpty()) {
            if (!fix) {
                throw new BridgeMismatchException(bridgeDevice, present, wanted, addressFix(bridgeDevice, present, wanted));
            }
            for (String a : others) {
                cmd.runChecked(TIMEOUT, "ip", "addr", "del", a, "dev", bridgeDevice);
            }
            changes.add("removed " + String.join(", ", others));
        }
        if (!has) {
            cmd.runChecked(TIMEOUT, "ip", "addr", "add", wanted, "dev", bridgeDevice);
            changes.add("added " + wanted);
        }
        JsonNode data = info.path("info_data");
        if (data.path("stp_state").asInt(0) != 0) {
            changes.add("turned STP off");
        }
        if (data.path("forward_delay").asInt(0) != 0) {
            changes.add("set forward_delay 0 (was " + data.path("forward_delay").asInt() / 100.0 + " s)");
        }
        // Two steps: the kernel applies forward_delay before stp_state, and refuses 0 while STP is still on.
        cmd.runChecked(TIMEOUT, "ip", "link", "set", "dev", bridgeDevice, "type", "bridge", "stp_state", "0");
        cmd.runChecked(TIMEOUT, "ip", "link", "set", "dev", bridgeDevice, "type", "bridge", "forward_delay", "0");
        closeIpv6();
        boolean wasUp = link.get().path("flags").toString().contains("\"UP\"");
        cmd.runChecked(TIMEOUT, "ip", "link", "set", "dev", bridgeDevice, "up");
        if (!wasUp) {
            changes.add("brought it up");
        }
        String done;
        if (!others.isEmpty()) {
            done = "fixed bridge " + bridgeDevice + ": " + String.join("; ", changes) + " (now exactly " + wanted
                    + ", up, STP off, forward_delay 0)";
        } else {
            done = "adopted existing bridge " + bridgeDevice + " with " + wanted
                    + (changes.isEmpty() ? "" : " (" + String.join("; ", changes) + ")");
        }
        log.info("{}", done);
        return done;
    }

    /**
     * The commands that leave a bridge with exactly {@code wanted} (a.b.c.d/n) when it has {@code present}: delete
     * every other address, add the wanted one if missing. Empty when nothing needs to change.
     */
    public static String addressFix(String device, List<String> present, String wanted) {
        List<String> steps = new ArrayList<>();
        present.stream().filter(a -> !a.equals(wanted)).forEach(a -> steps.add("ip addr del " + a + " dev " + device));
        if (!present.contains(wanted)) {
            steps.add("ip addr add " + wanted + " dev " + device);
        }
        return String.join(" && ", steps);
    }

    /** Names of links in the host namespace starting with prefix. */
    public List<String> interfaces(String prefix) {
        JsonNode links = json(cmd.runChecked(TIMEOUT, "ip", "-j", "link", "show"));
        List<String> names = new ArrayList<>();
        for (JsonNode l : links) {
            String name = l.path("ifname").asText("");
            if (!name.isEmpty() && name.startsWith(prefix)) {
                names.add(name);
            }
        }
        return names;
    }

    /** Deletes a link in the host namespace (a veth's peer goes with it); a link already absent is fine. */
    public void deleteInterface(String name) {
        deleteLink(cmd, name);
    }

    /**
     * {@link #deleteInterface} for callers that have no bridge configuration at hand, such as a guest driver removing
     * an interface from its ledger row alone.
     */
    public static void deleteLink(HostCommands cmd, String name) {
        checkDevice(name);
        HostCommands.Result r = cmd.run(TIMEOUT, "ip", "link", "del", "dev", name);
        if (!r.ok() && !absent(r.stderr())) {
            throw new HostCommandException(cmd.wrap(List.of("ip", "link", "del", "dev", name)), r.exitCode(), r.stderr());
        }
    }

    /**
     * The neighbour (ARP) state of an address on the bridge: REACHABLE, STALE, DELAY, PROBE, INCOMPLETE, FAILED,
     * PERMANENT…; empty if there is no entry.
     */
    public Optional<String> neighbourState(Ipv4Address a) {
        JsonNode entries = json(cmd.runChecked(TIMEOUT, "ip", "-j", "neigh", "show", "to", a.toString(), "dev",
                bridgeDevice));
        for (JsonNode e : entries) {
            if (!e.path("dst").asText("").equals(a.toString())) {
                continue;
            }
            JsonNode state = e.path("state");
            if (state.isArray() && !state.isEmpty()) {
                return Optional.of(state.get(0).asText());
            }
            if (state.isTextual()) {
                return Optional.of(state.asText());
            }
            return Optional.of("NONE");
        }
        return Optional.empty();
    }

    /**
     * The neighbour state after a fresh ARP resolution: forgets the entry (a REACHABLE entry outlives the guest's
     * address by up to ~45 s), makes the kernel ask again with one connection attempt, then reads the state. Used
     * once, when readiness gives up, so that "the guest stopped answering ARP" is an observation, not a guess.
     */
    public Optional<String> probeNeighbour(Ipv4Address a) {
        cmd.run(TIMEOUT, "ip", "neigh", "flush", "to", a.toString(), "dev", bridgeDevice);
        try (java.net.Socket socket = new java.net.Socket()) {
            // the kernel sends up to 3 ARP requests a second apart before it gives up on the address
            socket.connect(new java.net.InetSocketAddress(a.toString(), 9), 3500);
        } catch (java.io.IOException expected) {
            // refused, unreachable or timed out: the neighbour state says which
        }
        return neighbourState(a);
    }

    public String bridgeDevice() {
        return bridgeDevice;
    }

    private Optional<JsonNode> link(String device) {
        HostCommands.Result r = cmd.run(TIMEOUT, "ip", "-j", "-d", "link", "show", "dev", device);
        if (!r.ok()) {
            if (absent(r.stderr())) {
                return Optional.empty();
            }
            throw new HostCommandException(cmd.wrap(List.of("ip", "-j", "-d", "link", "show", "dev", device)),
                    r.exitCode(), r.stderr());
        }
        JsonNode links = json(r);
        return links.isArray() && !links.isEmpty() ? Optional.of(links.get(0)) : Optional.empty();
    }

    /** IPv4 addresses of a device as {@code a.b.c.d/n}. */
    private List<String> ipv4Addresses(String device) {
        JsonNode links = json(cmd.runChecked(TIMEOUT, "ip", "-j", "-4", "addr", "show", "dev", device));
        List<String> out = new ArrayList<>();
        for (JsonNode l : links) {
            for (JsonNode a : l.path("addr_info")) {
                if (a.path("family").asText("inet").equals("inet") && a.has("local")) {
                    out.add(a.path("local").asText() + "/" + a.path("prefixlen").asInt());
                }
            }
        }
        return out;
    }

    static boolean absent(String stderr) {
        return stderr.contains("does not exist") || stderr.contains("Cannot find device");
    }

    private static JsonNode json(HostCommands.Result r) {
        String text = r.stdout().isBlank() ? "[]" : r.stdout();
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new IllegalStateException("could not parse the JSON output of ip: " + e.getMessage() + ": "
                    + text.lines().limit(3).collect(Collectors.joining(" ")), e);
        }
    }

    private static String checkDevice(String name) {
        if (name == null || !DEVICE.matcher(name).matches()) {
            throw new IllegalArgumentException("'" + name + "' is not a valid network device name (1-15 of [A-Za-z0-9_.:-])");
        }
        return name;
    }
}
