package io.vmdesk.doctor;

import static io.vmdesk.doctor.DoctorLab.problem;
import static io.vmdesk.doctor.DoctorLab.problems;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Host-side faults, each built for real in a test namespace (links, addresses, routes, nftables rules) and named by
 * the doctor with the values it saw and a fix.
 */
class HostFaultsTest {
    @TempDir
    Path temp;

    @Test
    void bridgeMissingDownMisaddressedOrWithStpIsNamedAndFixFixesIt() throws Exception {
        try (DoctorLab lab = DoctorLab.create(temp, Map.of())) {
            lab.sh("ip", "link", "del", "br0");
            assertThat(problem(lab.examine(), "bridge.exists").evidence()).contains("no device br0");

            lab.bridge().ensureBridge(false);
            lab.sh("ip", "link", "set", "br0", "down");
            lab.sh("ip", "addr", "del", "192.168.100.1/24", "dev", "br0");
            lab.sh("ip", "addr", "add", "192.168.0.1/16", "dev", "br0");
            lab.sh("ip", "link", "set", "br0", "type", "bridge", "forward_delay", "1500");
            lab.sh("ip", "link", "set", "br0", "type", "bridge", "stp_state", "1");
            lab.sh("ip", "link", "set", "br0", "up");
            DoctorLab.Guest guest = lab.wire(false);
            Report report = lab.examine();
            Check address = problem(report, "bridge.address");
            assertThat(address.evidence()).contains("192.168.0.1/16").contains("192.168.100.1/24");
            assertThat(address.fix()).contains("ip addr del 192.168.0.1/16 dev br0 && ip addr add 192.168.100.1/24 dev br0");
            assertThat(problem(report, "bridge.stp").evidence()).contains("stp_state 1").contains("15.0 s");
            assertThat(problem(report, "bridge.port-state").evidence()).contains(guest.hostInterface())
                    .containsAnyOf("listening", "learning", "blocking");

            List<String> changes = new DoctorFixer(lab.cmd, lab.config, lab.store).apply(report);
            assertThat(String.join("\n", changes)).contains("fixed bridge br0").contains("turned STP off");
            Report after = lab.examine();
            assertThat(after.problems()).filteredOn(c -> c.id().startsWith("bridge.")).isEmpty();

            lab.sh("ip", "link", "set", "br0", "down");
            assertThat(problem(lab.examine(), "bridge.up").fix()).isEqualTo("ip link set dev br0 up");
        }
    }

    @Test
    void aFilterThatDropsBridgedOrReturningTrafficAndForwardingOffUnderNatAreNamed() throws Exception {
        try (DoctorLab lab = DoctorLab.create(temp, Map.of())) {
            lab.sh("nft", "add", "table", "inet", "filter");
            lab.sh("nft", "add chain inet filter forward { type filter hook forward priority 0 ; policy drop ; }");
            lab.sh("nft", "add chain inet filter input { type filter hook input priority 0 ; policy drop ; }");
            lab.sh("nft", "add", "table", "ip", "nat");
            lab.sh("nft", "add chain ip nat postrouting { type nat hook postrouting priority 100 ; }");
            lab.sh("nft", "add rule ip nat postrouting ip saddr 192.168.100.0/24 masquerade");
            lab.sh("sysctl", "-w", "net.ipv4.ip_forward=0");
            Report report = lab.examine();
            Check forward = problem(report, "netfilter.bridge-forward");
            assertThat(forward.evidence()).contains("bridge-nf-call-iptables=1").contains("policy drop");
            assertThat(forward.fix()).contains("iifname \"br0\" oifname \"br0\" accept");
            assertThat(problem(report, "netfilter.input").fix()).contains("ct state established,related accept");
            Check forwarding = problem(report, "netfilter.forwarding");
            assertThat(forwarding.evidence()).contains("ip_forward=0").contains("masquerades 192.168.100.0/24");
            assertThat(forwarding.fix()).contains("sysctl -w net.ipv4.ip_forward=1");
        }
    }

    @Test
    void aRuleDroppingTheHostsTrafficToItsGuestsIsNamedWithTheCommandThatDeletesIt() throws Exception {
        try (DoctorLab lab = DoctorLab.create(temp, Map.of())) {
            assertThat(lab.examine().checks()).noneMatch(c -> c.id().equals("netfilter.drop-rule"));
            lab.sh("nft", "add", "table", "inet", "vtest");
            lab.sh("nft", "add chain inet vtest out { type filter hook output priority 0 ; policy accept ; }");
            lab.sh("nft", "add rule inet vtest out ip daddr 192.168.100.0/24 tcp dport 5900 drop");
            Check drop = problem(lab.examine(), "netfilter.drop-rule");
            assertThat(drop.evidence()).contains("table inet vtest chain out").contains("what the host sends to its guests");
            assertThat(drop.fix()).startsWith("nft delete rule inet vtest out handle ");
            // the fix, as given, removes it
            lab.sh("sh", "-c", drop.fix().replace(" (if vmdesk's guests should not be cut off)", ""));
            assertThat(lab.examine().checks()).noneMatch(c -> c.id().equals("netfilter.drop-rule"));
        }
    }

    @Test
    void aBridgeFamilyDropChainIsJudgedByWhatItReallyDropsAndItsFixWorks() throws Exception {
        try (DoctorLab lab = DoctorLab.create(temp, Map.of())) {
            DoctorLab.Guest guest = lab.wire(true);
            lab.sh("nft", "add", "table", "bridge", "vf");
            lab.sh("nft", "add chain bridge vf forward { type filter hook forward priority 0 ; policy drop ; }");
            // only the guests' isolated ports on br0: the forward hook never sees host <-> guest frames
            Report report = lab.examine();
            assertThat(problems(report, "netfilter.bridge-forward")).isEmpty();
            assertThat(report.checks()).filteredOn(c -> c.id().equals("netfilter.bridge-forward"))
                    .anySatisfy(c -> assertThat(c.evidence()).contains("table bridge vf chain forward")
                            .contains("no port besides the guests' isolated ones"));
            assertThat(problems(report, "guest.arp")).isEmpty();

            // an uplink port on br0: now guests and the uplink cannot reach each other
            String uplink = lab.ns.track(lab.ns.guestPrefix() + "uplink");
            lab.sh("ip", "netns", "add", uplink);
            lab.sh("ip", "link", "add", "uplink0", "type", "veth", "peer", "name", "eth0", "netns", uplink);
            lab.sh("ip", "link", "set", "uplink0", "master", "br0", "up");
            lab.sh("ip", "-n", uplink, "addr", "add", "192.168.100.250/24", "dev", "eth0");
            lab.sh("ip", "-n", uplink, "link", "set", "eth0", "up");
            assertThat(arping(lab, uplink, guest)).as("uplink -> guest through the drop chain").isFalse();
            Check forward = problem(lab.examine(), "netfilter.bridge-forward");
            assertThat(forward.status()).isEqualTo(Status.WARN);
            assertThat(forward.evidence()).contains("uplink0").doesNotContain("bridge-nf-call-iptables");
            assertThat(forward.fix()).contains("nft insert rule bridge vf forward 'iifname \"vmd*\" accept'")
                    .doesNotContain("\"br0\"");
            lab.sh("bash", "-c", forward.fix());
            assertThat(arping(lab, uplink, guest)).as("uplink -> guest after the fix").isTrue();
            assertThat(problems(lab.examine(), "netfilter.bridge-forward")).isEmpty();

            // a bridge-family input chain that drops: the host no longer hears its guests (ARP included)
            lab.sh("nft", "add chain bridge vf input { type filter hook input priority 0 ; policy drop ; }");
            Report dropped = lab.examine();
            Check host = problem(dropped, "netfilter.bridge-host");
            assertThat(host.status()).isEqualTo(Status.FAIL);
            assertThat(host.evidence()).contains("table bridge vf chain input").contains("a guest sends to the host");
            Check arp = problem(dropped, "guest.arp");
            assertThat(arp.status()).as("the host side explains it: no second blame").isEqualTo(Status.WARN);
            assertThat(arp.evidence()).contains("netfilter.bridge-host").doesNotContain("stopped answering");
            lab.sh("bash", "-c", host.fix());
            Report fixed = lab.examine();
            assertThat(problems(fixed, "netfilter.bridge-host")).isEmpty();
            assertThat(problems(fixed, "guest.arp")).isEmpty();
        }
    }

    private static boolean arping(DoctorLab lab, String fromNamespace, DoctorLab.Guest guest) {
        return lab.cmd.run(DoctorLab.T, "ip", "netns", "exec", fromNamespace, "arping", "-c", "2", "-w", "3", "-I",
                "eth0", guest.address().toString()).ok();
    }

    @Test
    void aGuestRoutedViaAnotherDeviceWithStrictRpFilterAndAnOverlappingNetworkAreNamed() throws Exception {
        try (DoctorLab lab = DoctorLab.create(temp, Map.of())) {
            DoctorLab.Guest guest = lab.wire(true);
            lab.sh("ip", "link", "add", "dummy0", "type", "bridge"); // the dummy module is not always loaded
            lab.sh("ip", "link", "set", "dummy0", "up");
            lab.sh("ip", "addr", "add", "192.168.100.200/29", "dev", "dummy0");
            lab.sh("ip", "route", "add", "192.168.100.0/28", "dev", "dummy0");
            lab.sh("sysctl", "-w", "net.ipv4.conf.all.rp_filter=1");
            Report report = lab.examine();
            Check route = problem(report, "routing.guest-route");
            assertThat(route.target()).contains(guest.id());
            assertThat(route.evidence()).contains("through dummy0").contains("192.168.100.0/28 dev dummy0");
            assertThat(problem(report, "routing.rp-filter").evidence()).contains("strict").contains("dummy0");
            Check overlap = problem(report, "config.network-overlap");
            assertThat(overlap.evidence()).contains("interface dummy0 has 192.168.100.200/29")
                    .contains("route 192.168.100.0/28 dev dummy0");
            assertThat(overlap.fix()).contains("ip route del 192.168.100.0/28 dev dummy0");
        }
    }

    @Test
    void incompleteNeighboursForGuestsAndThresholdsTooSmallForMaxSessionsAreNamed() throws Exception {
        try (DoctorLab lab = DoctorLab.create(temp, Map.of("INTERNAL_NETWORK", "10.77.0.0/20", "BRIDGE_IP",
                "10.77.0.1", "MAX_SESSIONS", "4000"))) {
            DoctorLab.Guest guest = lab.wire(false);
            lab.sh("ip", "-n", guest.namespace(), "addr", "flush", "dev", "eth0");
            // the host tries to reach the guest: its ARP requests go unanswered
            lab.cmd.run(DoctorLab.T, "timeout", "2", "bash", "-c", "echo > /dev/tcp/" + guest.address() + "/5900");
            Report report = lab.examine();
            assertThat(problem(report, "neighbour.entry").evidence()).contains(guest.address() + " dev br0")
                    .containsAnyOf("INCOMPLETE", "FAILED");
            Check gc = problem(report, "neighbour.gc-thresh");
            assertThat(gc.status()).isEqualTo(Status.FAIL);
            assertThat(gc.evidence()).contains("MAX_SESSIONS=4000").contains("gc_thresh3=");
            assertThat(gc.fix()).contains("net.ipv4.neigh.default.gc_thresh3=8128");
            // the evidence says where the values were read: the lab namespace when this kernel has them per
            // namespace, else (global) this process's own namespace, and why
            assertThat(gc.evidence()).contains("(read in ").contains(lab.ns.name());
            if (!lab.cmd.run(DoctorLab.T, "cat", "/proc/sys/net/ipv4/neigh/default/gc_thresh3").ok()) {
                String own = Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString();
                assertThat(gc.evidence()).contains("read in this process's network namespace " + own)
                        .contains("because the examined network namespace " + lab.ns.name() + " has none");
                assertThat(gc.fix()).contains("not inside " + lab.ns.name());
            } else {
                assertThat(gc.evidence()).contains("read in the examined network namespace " + lab.ns.name());
            }
        }
    }
}
