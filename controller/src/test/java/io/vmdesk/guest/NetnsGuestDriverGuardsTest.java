package io.vmdesk.guest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vmdesk.host.HostCommands;
import io.vmdesk.host.Processes;
import io.vmdesk.net.Ipv4Address;
import io.vmdesk.net.Ipv4Network;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The driver's safety rules, without any networking. */
class NetnsGuestDriverGuardsTest {
    private final NetnsGuestDriver driver = new NetnsGuestDriver(new HostCommands());

    @TempDir
    Path temp;

    @Test
    void neverKillsAProcessThatReusedTheRecordedPid() throws Exception {
        Process sleep = new ProcessBuilder("sleep", "60").start();
        try {
            long start = Processes.startMillis(sleep.toHandle()).orElseThrow();
            // Same pid, different start time: an unrelated process that got the pid after ours exited.
            driver.remove("process", "xvfb", "pid=" + sleep.pid() + " start=" + (start - 3_600_000));
            assertThat(sleep.isAlive()).isTrue();
            driver.remove("process", "xvfb", "pid=" + sleep.pid() + " start=" + start);
            assertThat(sleep.waitFor(5, TimeUnit.SECONDS)).isTrue();
            driver.remove("process", "xvfb", "pid=" + sleep.pid() + " start=" + start); // gone: fine
        } finally {
            sleep.destroyForcibly();
        }
    }

    @Test
    void killsDescendantsToo() throws Exception {
        Process shell = new ProcessBuilder("sh", "-c", "sleep 60 & sleep 60 & wait").start();
        try {
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (shell.descendants().count() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            var children = shell.descendants().toList();
            assertThat(children).hasSize(2);
            driver.remove("process", "chromium", Processes.identity(shell.toHandle()));
            assertThat(shell.isAlive()).isFalse();
            assertThat(children).noneMatch(ProcessHandle::isAlive);
        } finally {
            shell.descendants().forEach(ProcessHandle::destroyForcibly);
            shell.destroyForcibly();
        }
    }

    @Test
    void aProcessRowWithoutPidIsANoOp() {
        driver.remove("process", "x11vnc", "not started yet (namespace vmdesk-abc123-000000000000)");
        driver.remove("process", "x11vnc", "");
    }

    @Test
    void deletesDirectoriesOnlyUnderASessionsDirectory() throws Exception {
        Path outside = Files.createDirectories(temp.resolve("precious").resolve("data"));
        Files.writeString(outside.resolve("keep.txt"), "keep");
        assertThatThrownBy(() -> driver.remove("directory", outside.toString(), ""))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("sessions");
        assertThat(outside.resolve("keep.txt")).exists();
        Path sessions = Files.createDirectories(temp.resolve("sessions"));
        assertThatThrownBy(() -> driver.remove("directory", sessions.toString(), ""))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> driver.remove("directory", sessions.resolve("x/../..").toString(), ""))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(sessions).exists();

        Path guest = Files.createDirectories(sessions.resolve("abc").resolve("logs"));
        Files.writeString(guest.resolve("x.log"), "log");
        Files.createSymbolicLink(guest.resolve("link-to-precious"), outside);
        driver.remove("directory", sessions.resolve("abc").toString(), "");
        assertThat(sessions.resolve("abc")).doesNotExist();
        assertThat(outside.resolve("keep.txt")).as("symbolic links are not followed").exists();
        driver.remove("directory", sessions.resolve("abc").toString(), ""); // idempotent
    }

    @Test
    void prepareRefusesADirectoryOutsideSessionsAndWritesTheStartPage() throws Exception {
        MemoryLedger ledger = new MemoryLedger();
        Ipv4Network net = Ipv4Network.parse("192.168.100.0/24");
        String id = "3f2a9c1e-7b4d-4e21-9a0b-5c6d7e8f9a01";
        GuestSpec bad = new GuestSpec(id, Ipv4Address.parse("192.168.100.2"), net, Ipv4Address.parse("192.168.100.1"),
                "02:fc:c0:a8:64:02", "vmd3f2a9c1e7b4", "vmdesk-abc123-3f2a9c1e7b4d", temp.resolve("elsewhere"), "br0",
                "chromium");
        assertThatThrownBy(() -> driver.prepare(bad, ledger)).isInstanceOf(GuestException.class)
                .satisfies(e -> assertThat(((GuestException) e).step()).isEqualTo("prepare"));
        assertThat(ledger.entries()).isEmpty();

        GuestSpec good = new GuestSpec(id, bad.address(), net, bad.gateway(), bad.mac(), bad.hostInterface(),
                bad.namespace(), temp.resolve("sessions").resolve(id), "br0", "chromium");
        // guests run unprivileged: a directory they cannot walk down to is named, with the fix
        assertThatThrownBy(() -> driver.prepare(good, ledger)).isInstanceOf(GuestException.class)
                .hasMessageContaining("not searchable").hasMessageContaining("chmod o+x " + temp);
        assertThat(ledger.entries()).isEmpty();
        java.nio.file.Files.setPosixFilePermissions(temp,
                java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
        driver.prepare(good, ledger);
        assertThat(ledger.entries()).extracting(MemoryLedger.Entry::kind).containsExactly("directory");
        assertThat(good.guestDir().resolve("logs")).isDirectory();
        assertThat(good.guestDir().resolve("chromium")).isDirectory();
        String page = Files.readString(good.guestDir().resolve("start.html"));
        assertThat(page).contains("<title>vmdesk session 3f2a9c1e</title>").contains("#0a7e8c")
                .contains(">vmdesk<").contains(id);
        assertThat(ledger.teardown(driver)).isEmpty();
        assertThat(good.guestDir()).doesNotExist();
    }

    @Test
    void validatesTheSpecBeforeTouchingTheHost() {
        MemoryLedger ledger = new MemoryLedger();
        Ipv4Network net = Ipv4Network.parse("192.168.100.0/24");
        GuestSpec outside = new GuestSpec("3f2a9c1e-7b4d-4e21-9a0b-5c6d7e8f9a01", Ipv4Address.parse("10.0.0.2"), net,
                Ipv4Address.parse("192.168.100.1"), "02:fc:0a:00:00:02", "vmd3f2a9c1e7b4", "vmdesk-abc123-3f2a9c1e7b4d",
                temp.resolve("sessions/x"), "br0", "chromium");
        assertThatThrownBy(() -> driver.wireNetwork(outside, ledger)).isInstanceOf(GuestException.class)
                .hasMessageContaining("10.0.0.2 is outside the network 192.168.100.0/24")
                .satisfies(e -> assertThat(((GuestException) e).step()).isEqualTo("validate"));
        assertThat(ledger.entries()).isEmpty();
    }

    @Test
    void removesChromiumsSingletonDirectoryFoundThroughTheProfile() throws Exception {
        Path tmp = Files.createDirectories(temp.resolve("tmp"));
        Path singleton = Files.createDirectories(tmp.resolve("org.chromium.Chromium.AbC123"));
        Files.createFile(singleton.resolve("SingletonSocket"));
        Files.createSymbolicLink(singleton.resolve("SingletonCookie"), Path.of("12345"));
        Path guest = Files.createDirectories(temp.resolve("sessions").resolve("abc").resolve("chromium"));
        Files.createSymbolicLink(guest.resolve("SingletonSocket"), singleton.resolve("SingletonSocket"));
        Path other = Files.createDirectories(tmp.resolve("org.chromium.Chromium.ZzZ999"));
        driver.remove("directory", guest.getParent().toString(), "");
        assertThat(guest.getParent()).doesNotExist();
        assertThat(singleton).doesNotExist();
        assertThat(other).exists();
    }

    @Test
    void unknownKindsAreRejected() {
        assertThatThrownBy(() -> driver.remove("tap", "vmdx", "")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tap");
    }
}
