package io.vmdesk.doctor;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmdesk.config.Config;
import io.vmdesk.guest.GuestHandle;
import io.vmdesk.guest.GuestSpec;
import io.vmdesk.guest.Ledger;
import io.vmdesk.guest.NetnsGuestDriver;
import io.vmdesk.host.HostCommands;
import io.vmdesk.host.TestNamespace;
import io.vmdesk.net.HostNetwork;
import io.vmdesk.net.Ipv4Address;
import io.vmdesk.net.Naming;
import io.vmdesk.store.LedgerEntry;
import io.vmdesk.store.SessionRow;
import io.vmdesk.store.Store;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A host for the doctor to examine, built for real inside a throw-away namespace: the test namespace plays the
 * controller's, with a bridge made by {@link HostNetwork}; guests are wired by the real {@link NetnsGuestDriver}
 * (namespace, veth on the bridge, address, MAC) and recorded in a real SQLite store exactly as the controller records
 * them. Faults are then injected with ip/nft commands in that namespace. Closing removes everything.
 */
final class DoctorLab implements AutoCloseable {
    static final Duration T = Duration.ofSeconds(10);

    final TestNamespace ns;
    final Path dataDir;
    final HostCommands cmd;
    final Store store;
    final NetnsGuestDriver driver;
    Config config;
    private final List<String> sessions = new ArrayList<>();

    record Guest(String id, Ipv4Address address, String namespace, String hostInterface, GuestHandle handle) {
    }

    private DoctorLab(TestNamespace ns, Path dataDir, Config config) {
        this.ns = ns;
        this.dataDir = dataDir;
        this.config = config;
        this.cmd = ns.commands();
        this.store = Store.open("jdbc:sqlite:" + dataDir.resolve("vmdesk.db"));
        this.driver = new NetnsGuestDriver(cmd);
    }

    /** A namespace with a healthy bridge as `vmdesk serve` makes it, and a configuration with DATA_DIR in temp. */
    static DoctorLab create(Path temp, Map<String, String> env) throws Exception {
        Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rwx--x--x"));
        TestNamespace ns = TestNamespace.create();
        try {
            DoctorLab lab = new DoctorLab(ns, temp, config(temp, env));
            lab.bridge().ensureBridge(false);
            return lab;
        } catch (Exception | Error e) {
            ns.close();
            throw e;
        }
    }

    static Config config(Path dataDir, Map<String, String> env) throws Exception {
        Map<String, String> all = new HashMap<>(env);
        all.put("DATA_DIR", dataDir.toString());
        return Config.load(all, null);
    }

    HostNetwork bridge() {
        return new HostNetwork(cmd, config.bridgeDevice(), config.bridgeIp(), config.internalNetwork());
    }

    /** Runs a command in the lab's namespace; it must succeed. */
    String sh(String... argv) {
        return cmd.runChecked(T, argv).stdout();
    }

    /** A session as the controller records it, with its network wired (no guest processes). */
    Guest wire(boolean ready) throws Exception {
        String id = UUID.randomUUID().toString();
        Ipv4Address address = store.leases().acquire(id, config.poolStart(), config.poolEnd()).orElseThrow();
        Instant now = Instant.now();
        store.sessions().insert(new SessionRow(id, "u", "claude_code", ready ? "READY" : "STARTING",
                address.toString(), Naming.macFor(address), now, now.plusSeconds(600), ready ? now : null, null, null,
                null, null));
        sessions.add(id);
        GuestSpec spec = spec(id, address);
        ns.track(spec.namespace());
        driver.wireNetwork(spec, ledger(id));
        return new Guest(id, address, spec.namespace(), spec.hostInterface(), null);
    }

    /** A whole guest (Xvfb, openbox, x11vnc, Chromium) that answers RFB, READY. */
    Guest start() throws Exception {
        Guest wired = wire(true);
        GuestSpec spec = spec(wired.id(), wired.address());
        driver.prepare(spec, ledger(wired.id()));
        GuestHandle handle = driver.start(spec, ledger(wired.id()), Duration.ofSeconds(60));
        return new Guest(wired.id(), wired.address(), wired.namespace(), wired.hostInterface(), handle);
    }

    GuestSpec spec(String id, Ipv4Address address) {
        return new GuestSpec(id, address, config.internalNetwork(), config.gateway(), Naming.macFor(address),
                Naming.interfaceName(id), Naming.namespaceName(Naming.instanceTag(config.dataDir()), id),
                config.dataDir().resolve("sessions").resolve(id), config.bridgeDevice(), "chromium");
    }

    Ledger ledger(String id) {
        return new Ledger() {
            @Override
            public long record(String kind, String name, String detail) {
                return store.ledger().record(id, kind, name, detail);
            }

            @Override
            public void updateDetail(long entryId, String detail) {
                store.ledger().updateDetail(entryId, detail);
            }

            @Override
            public void released(long entryId) {
                store.ledger().released(entryId);
            }
        };
    }

    Doctor doctor() {
        return new Doctor(cmd, config, List.of(), store);
    }

    Report examine() {
        Report report = doctor().examineHost();
        System.out.print(report.toText(false));
        return report;
    }

    /** The checks with that id that are not ok. */
    static List<Check> problems(Report report, String id) {
        return report.problems().stream().filter(c -> c.id().equals(id)).toList();
    }

    /** Exactly one non-ok check with that id, with evidence and a fix. */
    static Check problem(Report report, String id) {
        List<Check> found = problems(report, id);
        assertThat(found).as("problems %s in\n%s", id, report.toText(false)).hasSize(1);
        Check c = found.get(0);
        assertThat(c.evidence()).isNotBlank();
        assertThat(c.fix()).isNotBlank();
        return c;
    }

    @Override
    public void close() {
        try {
            for (String id : sessions) {
                for (LedgerEntry e : store.ledger().open(id).reversed()) {
                    try {
                        driver.remove(e.kind(), e.name(), e.detail());
                    } catch (RuntimeException ignored) {
                        // the namespace's deletion below takes the rest
                    }
                }
            }
            store.close();
        } finally {
            ns.close();
        }
    }
}
