package io.vmdesk.net;

import io.vmdesk.guest.GuestSpec;
import io.vmdesk.guest.Ledger;
import io.vmdesk.host.HostCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The slot topology ({@code NETWORK_TOPOLOGY=slot}): every guest gets a network namespace of its own, its "slot",
 * in which the guest side looks the same for every guest — the guest is 169.254.0.21/30 with MAC
 * 02:fc:a9:fe:00:15, its gateway 169.254.0.22 with MAC 02:fc:a9:fe:00:16 (the TAP of a VM, or the slot end of a
 * sandbox's veth pair). A veth pair joins the slot to the host: the host end is the session's interface
 * ({@code vmd…}), the slot end ({@value #UPLINK}) holds the session's pool address, and the host routes that address
 * (/32) to the host end. Inside the slot, nftables DNATs what arrives for the pool address to the guest and SNATs
 * what the guest sends out to the pool address. So readiness, the live-view proxy and the agent API see the pool
 * address exactly as with the bridge, and guests are the same image whatever their address (firecracker-e2b.md).
 *
 * <p>Everything lives in the slot namespace except the host end of the veth pair and its route, which go with the
 * interface: the ledger records the namespace and the interface, and removing both removes everything.
 */
public final class SlotNetwork {
    public static final Ipv4Network INNER = Ipv4Network.parse("169.254.0.20/30");
    public static final Ipv4Address GUEST = Ipv4Address.parse("169.254.0.21");
    public static final Ipv4Address INNER_GATEWAY = Ipv4Address.parse("169.254.0.22");
    public static final String GUEST_MAC = Naming.macFor(GUEST);
    public static final String INNER_GATEWAY_MAC = Naming.macFor(INNER_GATEWAY);
    /** The slot end of the veth pair to the host. */
    public static final String UPLINK = "uplink";
    /** The guest's side in the slot: the VM's TAP, or the slot end of the sandbox's veth pair. */
    public static final String INNER_DEVICE = "tap0";
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final HostCommands cmd;
    private final Namespaces namespaces;

    public SlotNetwork(HostCommands cmd) {
        this.cmd = cmd;
        this.namespaces = new Namespaces(cmd);
    }

    /** The slot namespace of a guest whose own namespace (sandbox) is {@code guestNamespace}. */
    public static String slotNamespace(String guestNamespace) {
        return guestNamespace + "-slot";
    }

    /**
     * The spec as the guest sees it inside its slot: the inner address, gateway, network and pinned MAC, and the
     * inner device as its "host interface".
     */
    public static GuestSpec inside(GuestSpec spec) {
        return new GuestSpec(spec.sessionId(), GUEST, INNER, INNER_GATEWAY, GUEST_MAC, INNER_DEVICE, spec.namespace(),
                spec.guestDir(), spec.bridgeDevice(), spec.chromiumBin(), spec.agent());
    }

    /**
     * Creates the slot {@code slotNs} for {@code spec}: the namespace, the veth pair to the host with the pool
     * address routed through it, forwarding and NAT. Each resource is in the ledger before it exists.
     */
    public void create(GuestSpec spec, String slotNs, Ledger ledger) {
        String host = spec.hostInterface();
        String address = spec.address().toString();
        String hostSide = spec.gateway().toString(); // BRIDGE_IP: the source of the host's traffic to the guest
        if (namespaces.list("").contains(slotNs)) {
            namespaces.delete(slotNs); // left over from a crash
        }
        ledger.record("netns", slotNs, "slot namespace of session " + spec.sessionId());
        cmd.runChecked(TIMEOUT, "ip", "netns", "add", slotNs);
        inSlot(slotNs, "ip", "link", "set", "dev", "lo", "up");
        HostNetwork.deleteLink(cmd, host);
        ledger.record("interface", host, "veth to " + UPLINK + " in slot " + slotNs + ", routes " + address);
        cmd.runChecked(TIMEOUT, "ip", "link", "add", host, "type", "veth", "peer", "name", UPLINK, "netns", slotNs);
        cmd.runChecked(TIMEOUT, "ip", "link", "set", "dev", host, "up");
        // The pool address is more specific than INTERNAL_NETWORK's route on the bridge: this /32 wins.
        cmd.runChecked(TIMEOUT, "ip", "route", "replace", address + "/32", "dev", host, "src", hostSide);
        inSlot(slotNs, "ip", "addr", "add", address + "/32", "dev", UPLINK);
        inSlot(slotNs, "ip", "link", "set", "dev", UPLINK, "up");
        inSlot(slotNs, "ip", "route", "add", "default", "via", hostSide, "dev", UPLINK, "onlink");
        inSlot(slotNs, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1");
        inSlot(slotNs, "nft", "add", "table", "ip", "vmdesk");
        inSlot(slotNs, "nft", "add", "chain", "ip", "vmdesk", "prerouting",
                "{ type nat hook prerouting priority dstnat; policy accept; }");
        inSlot(slotNs, "nft", "add", "rule", "ip", "vmdesk", "prerouting", "iifname", UPLINK, "ip", "daddr", address,
                "dnat", "to", GUEST.toString());
        inSlot(slotNs, "nft", "add", "chain", "ip", "vmdesk", "postrouting",
                "{ type nat hook postrouting priority srcnat; policy accept; }");
        inSlot(slotNs, "nft", "add", "rule", "ip", "vmdesk", "postrouting", "oifname", UPLINK, "ip", "saddr",
                INNER.toString(), "snat", "to", address);
        // Guests do not reach each other: the bridge topology has isolated bridge ports; here each slot drops what its
        // guest sends to another pool address. The host side (the agent endpoint; the controller refuses guests
        // everything else) and what lies beyond the host stay as the operator's routing and firewall have them.
        inSlot(slotNs, "nft", "add", "chain", "ip", "vmdesk", "forward",
                "{ type filter hook forward priority filter; policy accept; }");
        inSlot(slotNs, "nft", "add", "rule", "ip", "vmdesk", "forward", "iifname", INNER_DEVICE, "ip", "daddr",
                spec.network().toString(), "ip", "daddr", "!=", hostSide, "drop");
        // and sends nothing under another source address (a VM guest is root on its NIC): only the inner address is
        // NATed to its pool address
        inSlot(slotNs, "nft", "add", "rule", "ip", "vmdesk", "forward", "iifname", INNER_DEVICE, "ip", "saddr", "!=",
                GUEST.toString(), "drop");
    }

    /** The guest's side for a VM: a TAP in the slot with the inner gateway's address and MAC. */
    public void createTap(String slotNs) {
        inSlot(slotNs, "ip", "tuntap", "add", "dev", INNER_DEVICE, "mode", "tap");
        inner(slotNs, INNER_DEVICE);
    }

    /**
     * The guest's side for a sandbox: a veth pair from the slot ({@value #INNER_DEVICE}) to eth0 in the guest's own
     * namespace {@code guestNs}, addressed like a VM's NIC.
     */
    public void createVethTo(String slotNs, String guestNs) {
        inSlot(slotNs, "ip", "link", "add", INNER_DEVICE, "type", "veth", "peer", "name", "eth0", "netns", guestNs);
        inner(slotNs, INNER_DEVICE);
        inSlot(guestNs, "ip", "link", "set", "dev", "eth0", "address", GUEST_MAC);
        inSlot(guestNs, "ip", "addr", "add", GUEST + "/" + INNER.prefix(), "dev", "eth0");
        inSlot(guestNs, "ip", "link", "set", "dev", "eth0", "up");
        inSlot(guestNs, "ip", "route", "add", "default", "via", INNER_GATEWAY.toString(), "dev", "eth0");
    }

    private void inner(String slotNs, String device) {
        inSlot(slotNs, "ip", "link", "set", "dev", device, "address", INNER_GATEWAY_MAC);
        inSlot(slotNs, "ip", "addr", "add", INNER_GATEWAY + "/" + INNER.prefix(), "dev", device);
        inSlot(slotNs, "ip", "link", "set", "dev", device, "up");
    }

    private void inSlot(String ns, String... argv) {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        full.addAll(List.of(argv));
        cmd.runChecked(TIMEOUT, full.toArray(String[]::new));
    }
}
