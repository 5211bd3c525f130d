package io.vmdesk.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class HostCommandsTest {
    private static final Duration T = Duration.ofSeconds(5);

    @Test
    void runReturnsOutputAndExitCodeWithoutThrowing() {
        HostCommands.Result r = new HostCommands().run(T, "sh", "-c", "echo out; echo err >&2; exit 3");
        assertThat(r.exitCode()).isEqualTo(3);
        assertThat(r.stdout()).isEqualTo("out\n");
        assertThat(r.stderr()).isEqualTo("err\n");
    }

    @Test
    void runCheckedNamesCommandExitCodeAndStderr() {
        assertThatThrownBy(() -> new HostCommands().runChecked(T, "sh", "-c", "echo 'no such thing' >&2; exit 2"))
                .isInstanceOf(HostCommandException.class)
                .hasMessageContaining("sh -c")
                .hasMessageContaining("exit code 2")
                .hasMessageContaining("no such thing")
                .satisfies(e -> {
                    HostCommandException h = (HostCommandException) e;
                    assertThat(h.exitCode()).isEqualTo(2);
                    assertThat(h.stderr()).contains("no such thing");
                    assertThat(h.command()).startsWith("sh", "-c");
                });
    }

    @Test
    void timeoutKillsAndThrows() {
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> new HostCommands().run(Duration.ofMillis(300), "sleep", "30"))
                .isInstanceOf(HostCommandException.class)
                .hasMessageContaining("sleep 30")
                .hasMessageContaining("did not finish within 300 ms");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void missingProgramIsAHostCommandException() {
        assertThatThrownBy(() -> new HostCommands().run(T, "/nonexistent/vmdesk-no-such-program"))
                .isInstanceOf(HostCommandException.class)
                .hasMessageContaining("/nonexistent/vmdesk-no-such-program")
                .hasMessageContaining("could not be started");
    }

    @Test
    void wrapPrefixesIpNetnsExecButLeavesTheNamespaceRegistryAlone() {
        HostCommands wrapped = new HostCommands("vmdesk-t-x");
        assertThat(wrapped.wrap(List.of("ip", "link", "show")))
                .containsExactly("ip", "netns", "exec", "vmdesk-t-x", "ip", "link", "show");
        assertThat(wrapped.wrap(List.of("kill", "-TERM", "1234")))
                .containsExactly("ip", "netns", "exec", "vmdesk-t-x", "kill", "-TERM", "1234");
        // ip netns add/del/pids/exec act on /run/netns, which is shared; wrapping would break `ip netns add`.
        assertThat(wrapped.wrap(List.of("ip", "netns", "exec", "g", "Xvfb")))
                .containsExactly("ip", "netns", "exec", "g", "Xvfb");
        assertThat(new HostCommands().wrap(List.of("ip", "link"))).containsExactly("ip", "link");
    }

    @Test
    void processIdentityRoundTripsAndGuardsAgainstPidReuse() throws Exception {
        Process sleep = new ProcessBuilder("sleep", "30").start();
        try {
            String detail = Processes.identity(sleep.toHandle());
            assertThat(detail).matches("pid=\\d+ start=\\d+");
            long pid = Processes.pidOf(detail).orElseThrow();
            long start = Processes.startOf(detail).orElseThrow();
            assertThat(pid).isEqualTo(sleep.pid());
            assertThat(Processes.find(pid, start)).isPresent();
            assertThat(Processes.find(pid, start - 60_000)).isEmpty();
            assertThat(Processes.terminate(List.of(sleep.toHandle()), Duration.ofSeconds(2))).isEmpty();
            assertThat(sleep.waitFor(2, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            assertThat(Processes.find(pid, start)).isEmpty();
        } finally {
            sleep.destroyForcibly();
        }
    }
}
