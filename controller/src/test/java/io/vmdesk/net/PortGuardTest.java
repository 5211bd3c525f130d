package io.vmdesk.net;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmdesk.host.HostCommands;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A guest that is root on its own NIC tries to claim another guest's address, or another MAC: with the port's guard,
 * the host never hears it; its own address still works. Real bridge, veth, nftables and arping in test namespaces.
 */
class PortGuardTest {
    private static final Duration T = Duration.ofSeconds(20);
    private final String hostNs = "vmdesk-t-guard-" + UUID.randomUUID().toString().substring(0, 8);
    private final String guestNs = hostNs + "-g";
    private final HostCommands root = new HostCommands();
    private HostCommands host;
    private HostCommands guest;

    @BeforeEach
    void wire() {
        root.runChecked(T, "ip", "netns", "add", hostNs);
        root.runChecked(T, "ip", "netns", "add", guestNs);
        host = new HostCommands(hostNs);
        guest = new HostCommands(guestNs);
        host.runChecked(T, "ip", "link", "set", "lo", "up");
        host.runChecked(T, "ip", "link", "add", "br0", "type", "bridge");
        host.runChecked(T, "ip", "addr", "add", "192.168.100.1/24", "dev", "br0");
        host.runChecked(T, "ip", "link", "set", "br0", "up");
        host.runChecked(T, "ip", "link", "add", "vmdguard0001", "type", "veth", "peer", "name", "eth0", "netns", guestNs);
        host.runChecked(T, "ip", "link", "set", "vmdguard0001", "master", "br0");
        host.runChecked(T, "ip", "link", "set", "vmdguard0001", "up");
        guest.runChecked(T, "ip", "link", "set", "eth0", "address", "02:fc:c0:a8:64:03");
        guest.runChecked(T, "ip", "addr", "add", "192.168.100.3/24", "dev", "eth0");
        guest.runChecked(T, "ip", "link", "set", "eth0", "up");
    }

    @AfterEach
    void unwire() {
        root.run(T, "ip", "netns", "del", guestNs);
        root.run(T, "ip", "netns", "del", hostNs);
    }

    private boolean hostHearsArpFor(String address) {
        host.run(T, "ip", "neigh", "flush", "dev", "br0");
        return host.run(T, "arping", "-c", "2", "-w", "3", "-I", "br0", address).stdout().contains("reply from");
    }

    @Test
    void aGuestKeepsItsOwnAddressButCannotClaimAnotherOrAnotherMac() {
        // the attack works without the guard: the guest claims .4 as well, and the host believes it
        guest.runChecked(T, "ip", "addr", "add", "192.168.100.4/24", "dev", "eth0");
        assertThat(hostHearsArpFor("192.168.100.4")).as("without the guard").isTrue();

        PortGuard guard = new PortGuard(host);
        guard.install("vmdguard0001", "02:fc:c0:a8:64:03", Ipv4Address.parse("192.168.100.3"));
        assertThat(hostHearsArpFor("192.168.100.3")).as("its own address").isTrue();
        assertThat(hostHearsArpFor("192.168.100.4")).as("another guest's address").isFalse();

        // another MAC: nothing from it gets through, its own address included
        guest.runChecked(T, "ip", "link", "set", "eth0", "address", "02:fc:c0:a8:64:09");
        assertThat(hostHearsArpFor("192.168.100.3")).as("from another MAC").isFalse();

        guard.remove("vmdguard0001");
        assertThat(host.run(T, "nft", "list", "tables").stdout()).doesNotContain("vmdesk_vmdguard0001");
        guard.remove("vmdguard0001"); // idempotent
    }
}
