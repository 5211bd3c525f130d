package io.vmdesk.net;

import io.vmdesk.host.HostCommands;
import java.time.Duration;
import java.util.List;

/**
 * What a guest with root on its own NIC (any VM guest) may send into the bridge: frames from its own MAC, ARP and IPv4
 * for its own address, no IPv6. Without it one guest could answer ARP for another's address and take over that
 * session's live view (the host would connect the viewer to the impostor's VNC server). A netdev table per host-side
 * port, on its ingress hook (what the guest sends), named after the port; it goes with {@link #remove}.
 */
public final class PortGuard {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final HostCommands cmd;

    public PortGuard(HostCommands cmd) {
        this.cmd = cmd;
    }

    static String table(String port) {
        return "vmdesk_" + port;
    }

    /** Lets in from {@code port} only what {@code mac}/{@code address} may send. */
    public void install(String port, String mac, Ipv4Address address) {
        remove(port); // a leftover of the same name
        String table = table(port);
        run("add", "table", "netdev", table);
        run("add", "chain", "netdev", table, "guard", "{ type filter hook ingress device \"" + port
                + "\" priority 0; policy accept; }");
        rule(table, "ether", "saddr", "!=", mac, "drop");
        // 0.0.0.0: an address probe (RFC 5227) is the guest asking, not claiming
        rule(table, "meta", "protocol", "arp", "arp", "saddr", "ether", "!=", mac, "drop");
        rule(table, "meta", "protocol", "arp", "arp", "saddr", "ip", "!=", "{", address.toString() + ",", "0.0.0.0",
                "}", "drop");
        rule(table, "meta", "protocol", "ip", "ip", "saddr", "!=", address.toString(), "drop");
        rule(table, "meta", "protocol", "ip6", "drop");
    }

    /** Removes the guard of {@code port}; nothing when there is none. */
    public void remove(String port) {
        HostCommands.Result r = cmd.run(TIMEOUT, "nft", "delete", "table", "netdev", table(port));
        if (!r.ok() && !r.stderr().contains("No such file")) {
            throw new IllegalStateException("could not remove the guard of " + port + ": " + r.stderr().strip());
        }
    }

    private void rule(String table, String... expr) {
        List<String> all = new java.util.ArrayList<>(List.of("add", "rule", "netdev", table, "guard"));
        all.addAll(List.of(expr));
        run(all.toArray(String[]::new));
    }

    private void run(String... args) {
        List<String> argv = new java.util.ArrayList<>(List.of("nft"));
        argv.addAll(List.of(args));
        cmd.runChecked(TIMEOUT, argv.toArray(String[]::new));
    }
}
