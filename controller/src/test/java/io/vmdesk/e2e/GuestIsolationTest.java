package io.vmdesk.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmdesk.host.HostCommands;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Timeout;

/**
 * What one guest can reach and read of another, seen from inside it, as its own user: not the other guest's VNC
 * port, not the controller's API (only its agent endpoint), and none of the other session's files (home, browser
 * profile, its Chromium's directory in /tmp). Guests' processes are never root.
 */
@Timeout(300)
class GuestIsolationTest {
    private static final Duration T = Duration.ofSeconds(20);

    @ParameterizedTest
    @ValueSource(strings = {"bridge", "slot"})
    void aGuestCannotReachOrReadAnotherSessionOrTheApiButReachesItsAgentEndpoint(String topology) throws Exception {
        // A host that forwards (as one that gives its guests a way out does): isolation must not rest on its absence.
        try (ControllerProcess controller = ControllerProcess.start(Map.of("NETWORK_TOPOLOGY", topology),
                ns -> ns.runChecked(T, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1"))) {
            String a = controller.createSession("codex", "isolation-a").get("sessionId").asText();
            String b = controller.createSession("codex", "isolation-b").get("sessionId").asText();
            JsonNode sa = controller.awaitSettled(a, Duration.ofSeconds(120));
            JsonNode sb = controller.awaitSettled(b, Duration.ofSeconds(120));
            assertThat(sa.get("status").asText()).as(sa.toString()).isEqualTo("READY");
            assertThat(sb.get("status").asText()).as(sb.toString()).isEqualTo("READY");
            String nsA = controller.guestNamespaces().stream()
                    .filter(ns -> ns.endsWith(a.replace("-", "").substring(0, 12))).findFirst().orElseThrow();
            Path dirA = controller.dataDir.resolve("sessions").resolve(a);
            Path dirB = controller.dataDir.resolve("sessions").resolve(b);
            int uidA = (int) Files.getAttribute(dirA, "unix:uid");
            int uidB = (int) Files.getAttribute(dirB, "unix:uid");
            assertThat(uidA).isNotZero().isNotEqualTo(uidB);

            // every process in the guests' namespaces runs as its session's own, unprivileged user
            for (long pid : controller.guestPids()) {
                String status = Files.readString(Path.of("/proc", Long.toString(pid), "status"));
                String uidLine = status.lines().filter(l -> l.startsWith("Uid:")).findFirst().orElseThrow();
                assertThat(uidLine.split("\\s+")[1]).as("pid %d: %s", pid, uidLine).isIn(
                        Integer.toString(uidA), Integer.toString(uidB));
            }

            String ipB = sb.get("browserIP").asText();
            // the other guest's VNC port: the bridge does not forward between guests (isolated ports), a slot drops
            // what its guest sends to another pool address
            assertThat(asGuest(nsA, uidA, "exec 3<>/dev/tcp/" + ipB + "/5900 && echo connected"))
                    .doesNotContain("connected");
            // the controller from the guest: the agent endpoint answers (401: no agent token), the API does not serve it
            assertThat(httpStatus(nsA, uidA, "POST", "/api/agent/sessions/" + a + "/events")).isEqualTo("401");
            assertThat(httpStatus(nsA, uidA, "GET", "/api/auth/sessions")).isEqualTo("403");
            assertThat(httpStatus(nsA, uidA, "GET", "/api/auth/session/" + b)).isEqualTo("403");

            // and not over IPv6: the bridge has none (a link-local address there let guests past the IPv4 rule)
            if (topology.equals("bridge")) {
                assertThat(controller.inNamespace.run(T, "ip", "-6", "addr", "show", "dev", "br0").stdout())
                        .doesNotContain("inet6");
            }

            // the other session's files: its directory (home, browser profile) and its Chromium's /tmp directory
            List<String> readB = new ArrayList<>(List.of(dirB.toString(), dirB.resolve("home").toString(),
                    dirB.resolve("chromium").toString()));
            Path singleton = dirB.resolve("chromium").resolve("SingletonSocket");
            if (Files.isSymbolicLink(singleton)) {
                readB.add(Files.readSymbolicLink(singleton).getParent().toString());
            }
            for (String path : readB) {
                assertThat(asGuest(nsA, uidA, "ls " + path + " && echo readable")).as(path)
                        .doesNotContain("readable").contains("Permission denied");
            }
            // while its own are its own
            assertThat(asGuest(nsA, uidA, "ls " + dirA.resolve("chromium") + " >/dev/null && echo readable"))
                    .contains("readable");
        }
    }

    /** Runs a bash snippet in the guest's namespace as the guest's user (as its processes run); stdout and stderr. */
    private static String asGuest(String ns, int uid, String script) {
        HostCommands.Result r = new HostCommands().run(T, "ip", "netns", "exec", ns, "setpriv", "--reuid=" + uid,
                "--regid=" + uid, "--clear-groups", "timeout", "10", "bash", "-c", script);
        return r.stdout() + r.stderr();
    }

    /** The status code the controller (at the bridge address, port 4000) gives a guest's request. */
    private static String httpStatus(String ns, int uid, String method, String path) {
        String out = asGuest(ns, uid, "exec 3<>/dev/tcp/192.168.100.1/4000 && printf '" + method + " " + path
                + " HTTP/1.0\\r\\nHost: x\\r\\nContent-Length: 0\\r\\n\\r\\n' >&3 && head -1 <&3");
        String[] parts = out.strip().split("\\s+");
        return parts.length > 1 && parts[0].startsWith("HTTP/") ? parts[1] : out;
    }
}
