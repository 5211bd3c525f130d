package io.vmdesk.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmdesk.config.Config;
import io.vmdesk.host.HostCommands;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Doctor knows when the controller of its DATA_DIR runs in another network namespace, and says where to look. */
class DoctorWhereTest {
    @TempDir
    Path dataDir;

    @Test
    void aControllerInAnotherNamespaceIsNamedOneInThisNamespaceIsNot() throws Exception {
        Config config = Config.load(Map.of("DATA_DIR", dataDir.toString()), null);
        assertThat(DoctorCommand.controllerElsewhere(config)).as("no lock file").isEmpty();

        Files.writeString(dataDir.resolve("controller.lock"), ProcessHandle.current().pid() + "\n");
        assertThat(DoctorCommand.controllerElsewhere(config)).as("this process's namespace").isEmpty();

        String ns = "vmdesk-t-where-" + UUID.randomUUID().toString().substring(0, 8);
        HostCommands host = new HostCommands();
        host.runChecked(Duration.ofSeconds(10), "ip", "netns", "add", ns);
        Process other = null;
        try {
            other = new ProcessBuilder("ip", "netns", "exec", ns, "sleep", "60").start();
            Process started = other;
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !Files.readSymbolicLink(
                    Path.of("/proc", Long.toString(started.pid()), "ns", "net"))
                    .equals(Files.readSymbolicLink(Path.of("/proc/self/ns/net"))));
            Files.writeString(dataDir.resolve("controller.lock"), other.pid() + "\n");
            assertThat(DoctorCommand.controllerElsewhere(config)).hasValueSatisfying(text -> assertThat(text)
                    .contains("(pid " + started.pid() + ") runs in another network namespace")
                    .contains("nsenter --net=/proc/" + started.pid() + "/ns/net"));
        } finally {
            if (other != null) {
                other.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            host.run(Duration.ofSeconds(10), "ip", "netns", "del", ns);
        }
        assertThat(DoctorCommand.controllerElsewhere(config)).as("that controller is gone").isEmpty();
    }

    @Test
    void runAsAnotherUserTheReportSaysFirstThatChecksMaySeeLess() {
        io.vmdesk.doctor.Report report = new io.vmdesk.doctor.Report(java.util.List.of(io.vmdesk.doctor.Check.ok(
                "netfilter.bridge-forward", "netfilter", "nft not available or no ruleset")));
        assertThat(DoctorCommand.withPrivileges(report, "root")).isEqualTo(report);
        io.vmdesk.doctor.Report asNobody = DoctorCommand.withPrivileges(report, "nobody");
        assertThat(asNobody.checks().get(0).id()).isEqualTo("doctor.privileges");
        assertThat(asNobody.checks().get(0).evidence()).contains("runs as nobody, not root");
        assertThat(asNobody.checks().get(0).fix()).contains("sudo vmdesk doctor");
        assertThat(asNobody.checks()).hasSize(2);
    }
}
