package io.vmdesk.doctor;

import static io.vmdesk.doctor.DoctorLab.problem;
import static io.vmdesk.doctor.DoctorLab.problems;
import static org.assertj.core.api.Assertions.assertThat;

import io.vmdesk.host.HostCommands;
import io.vmdesk.net.Naming;
import io.vmdesk.store.SessionRow;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Guest-side faults: the guest's interface, its layer-2 identity, and what it answers. */
class GuestFaultsTest {
    @TempDir
    Path temp;

    @Test
    void guestInterfacesDownUnbridgedWithoutCarrierInTheWrongNamespaceOrWithTooLongANameAreNamed() throws Exception {
        try (DoctorLab lab = DoctorLab.create(temp, Map.of())) {
            DoctorLab.Guest down = lab.wire(true);
            DoctorLab.Guest unbridged = lab.wire(true);
            DoctorLab.Guest noCarrier = lab.wire(true);
            DoctorLab.Guest moved = lab.wire(true);
            lab.sh("ip", "link", "set", down.hostInterface(), "down");
            lab.sh("ip", "link", "set", unbridged.hostInterface(), "nomaster");
            lab.sh("ip", "-n", noCarrier.namespace(), "link", "set", "eth0", "down");
            lab.sh("ip", "link", "set", moved.hostInterface(), "netns", moved.namespace());
            String longName = "vmd0123456789abcd";
            String id = UUID.randomUUID().toString();
            Instant now = Instant.now();
            lab.store.sessions().insert(new SessionRow(id, "u", "p", "STARTING", "192.168.100.99",
                    "02:fc:c0:a8:64:63", now, now.plusSeconds(60), null, null, null, null, null));
            lab.store.ledger().record(id, "interface", longName, "test: a name over 15 bytes");

            Report report = lab.examine();
            assertThat(problem(report, "guest-interface.up").target()).contains(down.hostInterface());
            assertThat(problem(report, "guest-interface.bridge").evidence()).contains("not a port of br0");
            Check carrier = problem(report, "guest-interface.carrier");
            assertThat(carrier.evidence()).contains("NO-CARRIER").contains("veth");
            assertThat(carrier.fix()).contains("ip -n " + noCarrier.namespace() + " link set dev eth0 up");
            assertThat(problem(report, "guest-interface.namespace").evidence()).contains("in " + moved.namespace());
            assertThat(problem(report, "guest-interface.name").evidence()).contains("17 bytes").contains("'vmd0123456789ab'");
            // the host side explains why these guests are silent: guest.arp does not blame them a second time
            assertThat(problems(report, "guest.arp")).allSatisfy(arp -> {
                assertThat(arp.status()).isEqualTo(Status.WARN);
                assertThat(arp.evidence()).contains("explained by the host-side finding guest-interface.")
                        .doesNotContain("stopped answering");
            });
            assertThat(problems(report, "guest.arp").stream().filter(c -> c.target().contains(down.id())).findFirst()
                    .orElseThrow().evidence()).contains("guest-interface.up");
        }
    }

    @Test
    void aGuestNamespaceDoctorCannotEnterIsAWarningNotAMissingEth0() throws Exception {
        try (DoctorLab lab = DoctorLab.create(temp, Map.of())) {
            DoctorLab.Guest guest = lab.wire(true);
            lab.sh("ip", "-n", guest.namespace(), "addr", "flush", "dev", "eth0");
            // As doctor sees it from outside the controller's mount namespace: the guest's namespace lives on, but
            // not under the name the ledger recorded (moved to another name in /run/netns).
            String elsewhere = lab.ns.track(lab.ns.guestPrefix() + "moved");
            HostCommands plain = new HostCommands();
            plain.runChecked(DoctorLab.T, "touch", "/run/netns/" + elsewhere);
            plain.runChecked(DoctorLab.T, "mount", "--bind", "/run/netns/" + guest.namespace(), "/run/netns/" + elsewhere);
            plain.runChecked(DoctorLab.T, "umount", "/run/netns/" + guest.namespace());
            plain.runChecked(DoctorLab.T, "rm", "/run/netns/" + guest.namespace());

            Report report = lab.examine();
            Check arp = problem(report, "guest.arp");
            assertThat(arp.evidence()).contains("stopped answering ARP").contains("could not inspect")
                    .doesNotContain("has no eth0");
            Check inspect = problem(report, "guest.inspect");
            assertThat(inspect.status()).isEqualTo(Status.WARN);
            assertThat(inspect.target()).contains(guest.id());
            assertThat(inspect.evidence()).contains("could not inspect the guest's namespace " + guest.namespace())
                    .contains("Cannot open network namespace");
        }
    }

    @Test
    void anAddressAnsweredByTwoMacsDuplicateAndMulticastMacsAreNamed() throws Exception {
        try (DoctorLab lab = DoctorLab.create(temp, Map.of())) {
            DoctorLab.Guest a = lab.wire(true);
            DoctorLab.Guest b = lab.wire(true);
            DoctorLab.Guest c = lab.wire(true);
            // another machine on the bridge claims a's address
            String intruder = lab.ns.track(lab.ns.guestPrefix() + "intruder");
            lab.sh("ip", "netns", "add", intruder);
            lab.sh("ip", "link", "add", "vethx", "type", "veth", "peer", "name", "eth0", "netns", intruder);
            lab.sh("ip", "link", "set", "vethx", "master", "br0", "up");
            lab.sh("ip", "-n", intruder, "addr", "add", a.address() + "/24", "dev", "eth0");
            lab.sh("ip", "-n", intruder, "link", "set", "eth0", "address", "02:00:00:00:0b:ad", "up");
            // c takes b's MAC
            lab.sh("ip", "-n", c.namespace(), "link", "set", "eth0", "address", Naming.macFor(b.address()));
            // a guest of a driver without namespaces, recorded with a multicast MAC
            String id = UUID.randomUUID().toString();
            Instant now = Instant.now();
            lab.store.sessions().insert(new SessionRow(id, "u", "p", "STARTING", "192.168.100.98",
                    "03:fc:c0:a8:64:62", now, now.plusSeconds(60), null, null, null, null, null));

            Report report = lab.examine();
            Check dup = problem(report, "l2.duplicate-address");
            assertThat(dup.target()).contains(a.id());
            assertThat(dup.evidence()).contains("2 MACs").contains("02:00:00:00:0b:ad").contains(Naming.macFor(a.address()));
            assertThat(problem(report, "l2.mac-duplicate").evidence()).contains(b.id()).contains(c.id());
            assertThat(problem(report, "l2.mac").evidence()).contains("03:fc:c0:a8:64:62").contains("multicast");
        }
    }

    @Test
    void noArpTcpRefusedNoRfbBannerAndALogShowingTheAddressRemovedAreNamed() throws Exception {
        try (DoctorLab lab = DoctorLab.create(temp, Map.of())) {
            DoctorLab.Guest silent = lab.wire(false);
            DoctorLab.Guest refusing = lab.wire(true);
            DoctorLab.Guest wrongServer = lab.wire(true);
            lab.sh("ip", "-n", silent.namespace(), "addr", "flush", "dev", "eth0");
            Process server = new ProcessBuilder(lab.cmd.wrap(List.of("ip", "netns", "exec", wrongServer.namespace(),
                    "python3", "-c", "import socket\ns=socket.socket();s.setsockopt(socket.SOL_SOCKET,"
                            + "socket.SO_REUSEADDR,1);s.bind(('0.0.0.0',5900));s.listen();print('up',flush=True)\n"
                            + "while True:\n c,_=s.accept();c.sendall(b'SSH-2.0-x\\r\\n');c.close()")))
                    .redirectErrorStream(true).start();
            try {
                assertThat(new String(server.getInputStream().readNBytes(3))).isEqualTo("up\n");
                Path logs = lab.config.dataDir().resolve("sessions").resolve(refusing.id()).resolve("logs");
                Files.createDirectories(logs);
                Files.writeString(logs.resolve("console.log"), "[    0.34] IP-Config: Complete:\n"
                        + "[   12.10] Deleted 2: eth0    inet " + refusing.address() + "/24 scope global eth0\n");

                Report report = lab.examine();
                Check arp = problem(report, "guest.arp");
                assertThat(arp.target()).contains(silent.id());
                assertThat(arp.evidence()).contains("does not answer ARP").contains("eth0 has no IPv4 address");
                assertThat(problem(report, "guest.vnc").evidence()).contains("ARP is fine").contains("refused");
                assertThat(problem(report, "guest.rfb").evidence()).contains("SSH-2.0-x");
                Check log = problem(report, "guest.log");
                assertThat(log.target()).contains(refusing.id());
                assertThat(log.evidence()).contains("console.log:2").contains("Deleted 2: eth0");
            } finally {
                server.destroyForcibly().waitFor();
            }
        }
    }

    @Test
    void leftoversAndSessionsWhoseResourcesVanishedAreNamedAndFixRemovesTheLeftovers() throws Exception {
        try (DoctorLab lab = DoctorLab.create(temp, Map.of())) {
            lab.sh("ip", "link", "add", "vmd0000000000a", "type", "bridge");
            String prefix = Naming.namespacePrefix(Naming.instanceTag(lab.config.dataDir()));
            String strayNs = lab.ns.track(prefix + "deadbeef0000");
            lab.sh("ip", "netns", "add", strayNs);
            String ended = UUID.randomUUID().toString();
            Instant now = Instant.now();
            lab.store.sessions().insert(new SessionRow(ended, "u", "p", "STARTING", null, null, now,
                    now.plusSeconds(60), null, null, null, null, null));
            var leased = lab.store.leases().acquire(ended, lab.config.poolStart(), lab.config.poolEnd()).orElseThrow();
            lab.store.sessions().finish(ended, "ENDED", "deleted", null, now);
            DoctorLab.Guest vanished = lab.wire(true);
            lab.sh("ip", "netns", "del", vanished.namespace());

            Report report = lab.examine();
            // named like a vmdesk interface, but nothing ties it to this instance: reported, never removed
            Check foreign = problem(report, "leftover.foreign-interface");
            assertThat(foreign.target()).isEqualTo("vmd0000000000a");
            assertThat(foreign.evidence()).contains("is not this instance's (instance tag "
                    + Naming.instanceTag(lab.config.dataDir()) + ")");
            assertThat(foreign.fix()).contains("ip link del vmd0000000000a");
            assertThat(problems(report, "leftover.interface")).isEmpty();
            assertThat(problem(report, "leftover.namespace").target()).isEqualTo(strayNs);
            assertThat(problem(report, "leftover.lease").target()).isEqualTo(leased.toString());
            assertThat(problem(report, "leftover.vanished").evidence()).contains(vanished.id())
                    .contains("namespace " + vanished.namespace());

            List<String> changes = new DoctorFixer(lab.cmd, lab.config, lab.store).apply(report);
            assertThat(String.join("\n", changes)).contains("left interface vmd0000000000a alone")
                    .doesNotContain("deleted leftover interface")
                    .contains("deleted leftover network namespace " + strayNs).contains("released address " + leased);
            Report after = lab.examine();
            assertThat(problems(after, "leftover.interface")).isEmpty();
            assertThat(problem(after, "leftover.foreign-interface").target()).isEqualTo("vmd0000000000a");
            assertThat(problems(after, "leftover.namespace")).isEmpty();
            assertThat(problems(after, "leftover.lease")).isEmpty();
        }
    }
}
