package io.vmdesk.vm;

import io.vmdesk.guest.Ledger;
import io.vmdesk.host.HostCommands;
import io.vmdesk.net.HostNetwork;
import java.time.Duration;

/**
 * The host side of a VM guest's NIC: a TAP on the bridge, shared by the QEMU and Firecracker drivers.
 *
 * <p>It is created before the VMM starts (Firecracker would otherwise create a fresh TAP that is down and on no
 * bridge when the name is wrong), recorded in the ledger first, and wired like the sandbox's veth: an isolated
 * bridge port, so guests reach the host side but never each other.
 */
final class TapDevice {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final HostCommands cmd;
    private final io.vmdesk.net.PortGuard guard;

    TapDevice(HostCommands cmd) {
        this.cmd = cmd;
        this.guard = new io.vmdesk.net.PortGuard(cmd);
    }

    /** The TAP of a guest with {@code mac} and {@code address}: only what those may send gets onto the bridge. */
    void create(String name, String bridge, String sessionId, Ledger ledger, String mac,
            io.vmdesk.net.Ipv4Address address) {
        // A leftover of the same name (crash between create and release) would make `ip tuntap add` fail.
        HostNetwork.deleteLink(cmd, name);
        ledger.record("interface", name, "TAP of session " + sessionId + " on bridge " + bridge);
        cmd.runChecked(TIMEOUT, "ip", "tuntap", "add", "dev", name, "mode", "tap");
        var attach = cmd.run(TIMEOUT, "ip", "link", "set", "dev", name, "master", bridge);
        if (!attach.ok()) {
            throw new IllegalStateException("could not put " + name + " on bridge " + bridge + ": "
                    + attach.stderr().strip() + (attach.stderr().contains("Cannot find device")
                    ? " — the bridge does not exist on the host side" : ""));
        }
        cmd.runChecked(TIMEOUT, "ip", "link", "set", "dev", name, "type", "bridge_slave", "isolated", "on");
        // before it is up: a VM guest is root on its NIC and could otherwise claim another guest's address
        guard.install(name, mac, address);
        cmd.runChecked(TIMEOUT, "ip", "link", "set", "dev", name, "up");
    }

    void remove(String name) {
        guard.remove(name);
        HostNetwork.deleteLink(cmd, name);
    }
}
