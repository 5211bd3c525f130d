package io.vmdesk.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One controller per DATA_DIR: a second is refused before it touches anything, and a dead one leaves no stale lock. */
class DataDirLockTest {
    @TempDir
    Path dataDir;

    @Test
    void aSecondControllerInTheSameProcessIsRefused() {
        try (io.vmdesk.host.OwnerLock first = DataDirLock.acquire(dataDir)) {
            assertThatThrownBy(() -> DataDirLock.acquire(dataDir)).isInstanceOf(io.vmdesk.host.OwnerLock.HeldException.class)
                    .hasMessageContaining("another vmdesk controller (pid " + ProcessHandle.current().pid() + ")")
                    .hasMessageContaining("DATA_DIR " + dataDir);
        }
        DataDirLock.acquire(dataDir).close();
    }

    @Test
    void anotherProcessHoldingItIsNamedAndItsDeathReleasesTheLock() throws Exception {
        // Another JVM takes the lock the way the controller does (a fcntl lock through FileChannel) and holds it.
        Path holder = dataDir.resolve("Holder.java");
        Files.writeString(holder, """
                import java.nio.channels.FileChannel;
                import java.nio.file.*;
                public class Holder {
                    public static void main(String[] a) throws Exception {
                        var c = FileChannel.open(Path.of(a[0]), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                        var l = c.tryLock();
                        c.write(java.nio.ByteBuffer.wrap((ProcessHandle.current().pid() + "\\n").getBytes()), 0);
                        System.out.println(l != null ? "locked" : "not locked");
                        Thread.sleep(120_000);
                    }
                }
                """);
        Process other = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                holder.toString(), dataDir.resolve(DataDirLock.FILE).toString()).redirectErrorStream(true).start();
        try {
            String line = new BufferedReader(new InputStreamReader(other.getInputStream())).readLine();
            assertThat(line).isEqualTo("locked");
            assertThatThrownBy(() -> DataDirLock.acquire(dataDir)).isInstanceOf(io.vmdesk.host.OwnerLock.HeldException.class)
                    .hasMessageContaining("(pid " + other.pid() + ")")
                    .hasMessageContaining("stop it first");
        } finally {
            other.destroyForcibly();
            assertThat(other.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        // killed, not closed: the kernel released its lock
        try (io.vmdesk.host.OwnerLock mine = DataDirLock.acquire(dataDir)) {
            assertThat(Files.readString(dataDir.resolve(DataDirLock.FILE)).strip())
                    .isEqualTo(Long.toString(ProcessHandle.current().pid()));
        }
    }
}
