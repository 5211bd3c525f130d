package io.vmdesk.net;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmdesk.host.HostCommands;
import io.vmdesk.host.TestNamespace;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class NamespacesTest {
    private TestNamespace test;
    private Namespaces namespaces;

    @BeforeEach
    void setUp() {
        test = TestNamespace.create();
        namespaces = new Namespaces(test.commands());
    }

    @AfterEach
    void tearDown() {
        if (test != null) {
            test.close();
        }
    }

    @Test
    void deleteKillsEverythingInsideThenRemovesTheNamespace() throws Exception {
        String ns = test.guestPrefix() + "000000000001";
        HostCommands cmd = test.commands();
        cmd.runChecked(Duration.ofSeconds(10), "ip", "netns", "add", ns);
        assertThat(namespaces.list(test.guestPrefix())).containsExactly(ns);

        Process plain = new ProcessBuilder(cmd.wrap(List.of("ip", "netns", "exec", ns, "sleep", "300"))).start();
        // one that ignores SIGTERM, so the SIGKILL escalation is exercised
        Process stubborn = new ProcessBuilder(cmd.wrap(List.of("ip", "netns", "exec", ns, "sh", "-c",
                "trap '' TERM; sleep 300 & wait; sleep 300"))).start();
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (namespaces.pids(ns).size() < 3 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(namespaces.pids(ns)).contains(plain.pid(), stubborn.pid());

        long t0 = System.nanoTime();
        namespaces.delete(ns);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(8));
        assertThat(plain.isAlive()).isFalse();
        assertThat(stubborn.isAlive()).isFalse();
        assertThat(namespaces.list(test.guestPrefix())).isEmpty();
        assertThat(namespaces.pids(ns)).isEmpty();

        namespaces.delete(ns); // idempotent
    }
}
