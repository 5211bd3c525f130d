package io.vmdesk.guest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import io.vmdesk.host.HostCommands;
import io.vmdesk.host.Processes;
import io.vmdesk.host.TestNamespace;
import io.vmdesk.net.HostNetwork;
import io.vmdesk.net.Ipv4Address;
import io.vmdesk.net.Ipv4Network;
import io.vmdesk.net.Namespaces;
import io.vmdesk.net.Naming;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whole guests, for real: the host side lives in a throw-away namespace "vmdesk-t-…" (never the machine's own), the
 * guests in namespaces named by {@link Naming} with a random instance tag. Everything is deleted afterwards, also
 * when a test fails.
 */
class NetnsGuestDriverTest {
    private static final Duration T = Duration.ofSeconds(10);
    private static final Ipv4Network NET = Ipv4Network.parse("192.168.100.0/24");
    private static final Ipv4Address GW = Ipv4Address.parse("192.168.100.1");

    @TempDir
    Path temp;

    private TestNamespace test;
    private HostCommands cmd;
    private NetnsGuestDriver driver;
    private HostNetwork network;
    private Namespaces namespaces;
    private final List<MemoryLedger> ledgers = new ArrayList<>();

    @BeforeEach
    void setUp() throws java.io.IOException {
        // guests run as unprivileged users, who must be able to traverse to their directory (as DATA_DIR is 0711)
        java.nio.file.Files.setPosixFilePermissions(temp,
                java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
        test = TestNamespace.create();
        System.out.println("test namespace " + test.name() + ", guest namespaces " + test.guestPrefix() + "*");
        cmd = test.commands();
        driver = new NetnsGuestDriver(cmd);
        network = new HostNetwork(cmd, "br0", GW, NET);
        namespaces = new Namespaces(cmd);
        assertThat(network.ensureBridge(false)).startsWith("created bridge br0");
    }

    @AfterEach
    void tearDown() {
        try {
            for (MemoryLedger ledger : ledgers) {
                ledger.teardown(driver);
            }
        } finally {
            if (test != null) {
                test.close();
            }
        }
    }

    @Test
    void aFullGuestAnswersRfbShowsTheStartPageAndLeavesNothingBehind() throws Exception {
        GuestSpec spec = spec(2, "chromium");
        MemoryLedger ledger = ledger();

        long t0 = System.nanoTime();
        driver.wireNetwork(spec, ledger);
        long tWired = System.nanoTime();
        driver.prepare(spec, ledger);
        GuestHandle guest = driver.start(spec, ledger);
        long tStarted = System.nanoTime();
        String banner = awaitBanner(spec.address());
        long tBanner = System.nanoTime();
        System.out.printf("TIMING single guest: wireNetwork %d ms, prepare+start %d ms, first RFB banner after %d ms"
                + " (from wireNetwork)%n", ms(tWired - t0), ms(tStarted - tWired), ms(tBanner - t0));

        assertThat(banner).startsWith("RFB 003.00");
        assertThat(guest.failure()).isEmpty();
        assertThat(network.neighbourState(spec.address())).isPresent();
        assertThat(inGuest(spec, "cat", "/sys/class/net/eth0/address").strip()).isEqualTo(spec.mac());
        assertThat(inGuest(spec, "ip", "-4", "-o", "addr", "show", "dev", "eth0")).contains("192.168.100.2/24");
        assertThat(inGuest(spec, "ip", "route", "show", "default")).contains("default via 192.168.100.1");
        assertThat(ledger.entries()).extracting(MemoryLedger.Entry::kind)
                .containsExactly("netns", "interface", "directory", "process", "process", "process", "process");
        assertThat(ledger.entries()).filteredOn(e -> e.kind().equals("process")).extracting(MemoryLedger.Entry::name)
                .containsExactly("xvfb", "openbox", "x11vnc", "chromium");
        assertThat(ledger.entries()).filteredOn(e -> e.kind().equals("process")).allSatisfy(
                e -> assertThat(e.detail()).matches("pid=\\d+ start=\\d+( display=\\d+)?"));
        int display = display(ledger);

        // Chromium shows the start page from file://: its title, and the teal background on the screen.
        assertStartPageVisible(spec, display);
        assertThat(guest.logTail(5)).contains("x11vnc.log").contains("chromium.log");
        Path singletonDir = Files.readSymbolicLink(spec.guestDir().resolve("chromium/SingletonSocket")).getParent();
        assertThat(singletonDir.getFileName().toString()).startsWith("org.chromium.Chromium.");

        List<ProcessHandle> inside = handles(namespaces.pids(spec.namespace()));
        assertThat(inside).hasSizeGreaterThanOrEqualTo(4);
        assertThat(ledger.teardown(driver)).isEmpty();
        assertNothingLeft(spec, inside);
        assertThat(singletonDir).as("Chromium's singleton directory in $TMPDIR").doesNotExist();

        // Idempotent: removing everything again (crash recovery replaying the rows) is fine.
        for (MemoryLedger.Entry e : ledger.entries().reversed()) {
            driver.remove(e.kind(), e.name(), e.detail());
        }
    }

    @Test
    void twoGuestsStartConcurrentlyWithDistinctMacsAndDisplays() throws Exception {
        GuestSpec a = spec(2, "chromium");
        GuestSpec b = spec(3, "chromium");
        MemoryLedger la = ledger();
        MemoryLedger lb = ledger();
        long t0 = System.nanoTime();
        try (ExecutorService pool = Executors.newFixedThreadPool(2)) {
            Future<GuestHandle> fa = pool.submit(() -> bringUp(a, la));
            Future<GuestHandle> fb = pool.submit(() -> bringUp(b, lb));
            GuestHandle ga = fa.get();
            GuestHandle gb = fb.get();
            Future<String> banner1 = pool.submit(() -> awaitBanner(a.address()));
            Future<String> banner2 = pool.submit(() -> awaitBanner(b.address()));
            assertThat(banner1.get()).startsWith("RFB 003.00");
            assertThat(banner2.get()).startsWith("RFB 003.00");
            System.out.printf("TIMING two concurrent guests: both RFB banners after %d ms%n", ms(System.nanoTime() - t0));
            assertThat(ga.failure()).isEmpty();
            assertThat(gb.failure()).isEmpty();
        }
        String macA = inGuest(a, "cat", "/sys/class/net/eth0/address").strip();
        String macB = inGuest(b, "cat", "/sys/class/net/eth0/address").strip();
        assertThat(macA).isEqualTo("02:fc:c0:a8:64:02");
        assertThat(macB).isEqualTo("02:fc:c0:a8:64:03");
        // Each guest's display is private to its namespace, yet each X server shows only its own session's browser,
        // and neither is reachable as a file in /tmp/.X11-unix. Their numbers differ all the same: Xvfb's keymap
        // goes to /tmp/server-NUMBER.xkm, where two starting at once on one number collided.
        assertThat(display(la)).isNotEqualTo(display(lb));
        assertThat(display(la)).isEqualTo(NetnsGuestDriver.displayNumber(a));
        assertStartPageVisible(a, display(la));
        assertStartPageVisible(b, display(lb));
        assertThat(windowTitled(a, display(la), b)).as("a's display does not show b's browser").isFalse();
        assertThat(windowTitled(b, display(lb), a)).as("b's display does not show a's browser").isFalse();
        assertThat(network.neighbourState(a.address())).isPresent();
        assertThat(network.neighbourState(b.address())).isPresent();
        assertThat(network.interfaces(Naming.INTERFACE_PREFIX)).contains(a.hostInterface(), b.hostInterface());

        List<ProcessHandle> insideA = handles(namespaces.pids(a.namespace()));
        List<ProcessHandle> insideB = handles(namespaces.pids(b.namespace()));
        assertThat(la.teardown(driver)).isEmpty();
        // b is untouched by a's teardown
        assertThat(awaitBanner(b.address())).startsWith("RFB 003.00");
        assertThat(lb.teardown(driver)).isEmpty();
        assertNothingLeft(a, insideA);
        assertNothingLeft(b, insideB);
    }

    @Test
    void aGuestProcessDyingDuringStartFailsFastNamingTheStepAndLog() throws Exception {
        Path fake = temp.resolve("fake-chromium");
        Files.writeString(fake, "#!/bin/sh\necho 'boom: this browser refuses to start' >&2\nexit 3\n");
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwxr-xr-x"));
        GuestSpec spec = spec(4, fake.toString());
        MemoryLedger ledger = ledger();
        driver.wireNetwork(spec, ledger);
        driver.prepare(spec, ledger);
        assertThatThrownBy(() -> driver.start(spec, ledger))
                .isInstanceOf(GuestException.class)
                .hasMessageContaining("chromium exited with code 3")
                .hasMessageContaining("boom: this browser refuses to start")
                .satisfies(e -> assertThat(((GuestException) e).step()).isEqualTo("start chromium"));
        List<ProcessHandle> inside = handles(namespaces.pids(spec.namespace()));
        assertThat(display(ledger)).isNotNegative();
        assertThat(ledger.teardown(driver)).isEmpty();
        assertNothingLeft(spec, inside);
    }

    @Test
    void aMissingBrowserIsNamedBeforeAnythingStarts() throws Exception {
        GuestSpec spec = spec(5, "/nonexistent/chromium");
        MemoryLedger ledger = ledger();
        driver.wireNetwork(spec, ledger);
        driver.prepare(spec, ledger);
        assertThatThrownBy(() -> driver.start(spec, ledger))
                .isInstanceOf(GuestException.class)
                .hasMessageContaining("/nonexistent/chromium does not exist")
                .satisfies(e -> assertThat(((GuestException) e).step()).isEqualTo("start chromium"));
        assertThat(ledger.entries()).noneMatch(e -> e.kind().equals("process"));
        assertThat(ledger.teardown(driver)).isEmpty();
    }

    @Test
    void removingTheNamespaceAloneKillsEverythingInIt() throws Exception {
        // Crash recovery with nothing but the netns row: as if the controller died before recording any pid.
        GuestSpec spec = spec(6, "chromium");
        MemoryLedger ledger = ledger();
        bringUp(spec, ledger);
        assertThat(awaitBanner(spec.address())).startsWith("RFB 003.00");
        List<ProcessHandle> inside = handles(namespaces.pids(spec.namespace()));

        NetnsGuestDriver fresh = new NetnsGuestDriver(test.commands());
        fresh.remove("netns", spec.namespace(), "");
        assertThat(inside).noneMatch(ProcessHandle::isAlive);
        // The kernel dismantles a deleted namespace (and the veths in it) in a work queue: on a busy host, a moment later.
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(15)).untilAsserted(() ->
                assertThat(network.interfaces(Naming.INTERFACE_PREFIX)).as("the veth went with its peer")
                        .doesNotContain(spec.hostInterface()));
        assertThat(ledger.teardown(fresh)).isEmpty();
        assertNothingLeft(spec, inside);
    }

    @Test
    void wiringReplacesLeftoversOfTheSameName() throws Exception {
        GuestSpec spec = spec(7, "chromium");
        cmd.runChecked(T, "ip", "netns", "add", spec.namespace());
        cmd.runChecked(T, "ip", "link", "add", spec.hostInterface(), "type", "veth", "peer", "name", "leftover0");
        Files.createDirectories(spec.guestDir().resolve("junk"));
        MemoryLedger ledger = ledger();
        driver.wireNetwork(spec, ledger);
        driver.prepare(spec, ledger);
        assertThat(spec.guestDir().resolve("junk")).doesNotExist();
        assertThat(network.interfaces("leftover")).isEmpty();
        assertThat(inGuest(spec, "cat", "/sys/class/net/eth0/address").strip()).isEqualTo(spec.mac());
        assertThat(ledger.teardown(driver)).isEmpty();
        assertNothingLeft(spec, List.of());
    }

    @Test
    void aMissingBridgeIsNamed() throws Exception {
        GuestSpec spec = new GuestSpec(spec(8, "chromium").sessionId(), NET.network().plus(8), NET, GW,
                Naming.macFor(NET.network().plus(8)), "vmdffffffffff8", test.guestPrefix() + "ffffffffff08",
                temp.resolve("sessions").resolve("x"), "nobridge0", "chromium");
        MemoryLedger ledger = ledger();
        assertThatThrownBy(() -> driver.wireNetwork(spec, ledger))
                .isInstanceOf(GuestException.class)
                .hasMessageContaining("bridge nobridge0 does not exist")
                .satisfies(e -> assertThat(((GuestException) e).step()).isEqualTo("bridge port"));
        assertThat(ledger.teardown(driver)).isEmpty();
        assertThat(namespaces.list(test.guestPrefix())).isEmpty();
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private GuestHandle bringUp(GuestSpec spec, MemoryLedger ledger) throws GuestException {
        driver.wireNetwork(spec, ledger);
        driver.prepare(spec, ledger);
        return driver.start(spec, ledger);
    }

    private MemoryLedger ledger() {
        MemoryLedger ledger = new MemoryLedger();
        ledgers.add(ledger);
        return ledger;
    }

    private GuestSpec spec(int host, String chromium) {
        String id = UUID.randomUUID().toString();
        Ipv4Address address = NET.network().plus(host);
        return new GuestSpec(id, address, NET, GW, Naming.macFor(address), Naming.interfaceName(id),
                Naming.namespaceName(test.tag(), id), temp.resolve("sessions").resolve(id), "br0", chromium);
    }

    private String inGuest(GuestSpec spec, String... argv) {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", spec.namespace()));
        full.addAll(List.of(argv));
        return cmd.runChecked(T, full.toArray(String[]::new)).stdout();
    }

    /** Connects from the (test) host side, as the controller does, and reads the 12-byte RFB banner. */
    private String awaitBanner(Ipv4Address address) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            HostCommands.Result r = cmd.run(T, "timeout", "5", "bash", "-c",
                    "exec 3<>/dev/tcp/" + address + "/5900; head -c 12 <&3");
            if (r.stdout().startsWith("RFB ")) {
                return r.stdout();
            }
            last = r.stdout() + r.stderr();
            Thread.sleep(100);
        }
        return fail("no RFB banner from " + address + ":5900 within 20 s; last attempt: " + last);
    }

    private void assertStartPageVisible(GuestSpec spec, int display) throws InterruptedException {
        String title = "vmdesk session " + spec.sessionId().substring(0, 8);
        long deadline = System.nanoTime() + Duration.ofSeconds(40).toNanos();
        String pixel = "";
        boolean titled = false;
        while (System.nanoTime() < deadline) {
            titled = windowTitled(spec, display, spec);
            pixel = cmd.run(T, "ip", "netns", "exec", spec.namespace(), "sh", "-c", "import -display :" + display
                    + " -window root png:- | convert png:- -format '%[hex:p{40,700}]' info:").stdout().strip();
            if (titled && pixel.equalsIgnoreCase("0A7E8C")) {
                return;
            }
            Thread.sleep(250);
        }
        fail("start page not visible on :" + display + ": window titled '" + title + "' found=" + titled
                + ", pixel (40,700)=" + pixel);
    }

    /** Whether the X server on :display inside {@code where}'s namespace has a window titled for {@code whose}. */
    private boolean windowTitled(GuestSpec where, int display, GuestSpec whose) {
        return cmd.run(T, "ip", "netns", "exec", where.namespace(), "env", "DISPLAY=:" + display, "xdotool", "search",
                "--name", "vmdesk session " + whose.sessionId().substring(0, 8)).ok();
    }

    private static int display(MemoryLedger ledger) {
        Matcher m = Pattern.compile("display=(\\d+)").matcher(ledger.find("process", "xvfb").detail());
        assertThat(m.find()).as("xvfb ledger detail names its display").isTrue();
        return Integer.parseInt(m.group(1));
    }

    private static List<ProcessHandle> handles(List<Long> pids) {
        return pids.stream().map(ProcessHandle::of).flatMap(Optional::stream).toList();
    }

    private void assertNothingLeft(GuestSpec spec, List<ProcessHandle> processes) {
        assertThat(namespaces.list("")).doesNotContain(spec.namespace());
        assertThat(network.interfaces(Naming.INTERFACE_PREFIX)).doesNotContain(spec.hostInterface());
        assertThat(processes).as("no guest process survives").noneMatch(ProcessHandle::isAlive);
        assertThat(spec.guestDir()).doesNotExist();
    }

    private static long ms(long nanos) {
        return nanos / 1_000_000;
    }
}
