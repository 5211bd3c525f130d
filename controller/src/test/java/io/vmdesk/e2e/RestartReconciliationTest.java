package io.vmdesk.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * kill -9 with a live session, restart: a READY session whose guest survived whole is live again (READY, its live
 * view works); one whose guest did not is ended with a reason, and nothing it held survives.
 */
@Timeout(300)
class RestartReconciliationTest {

    @Test
    void aRestartAfterKillNineRevivesAWholeGuestAndEndsABrokenOneRemovingEverythingItHeld() throws Exception {
        try (ControllerProcess controller = ControllerProcess.start(Map.of())) {
            String whole = controller.createSession("copilot", "crash-user").get("sessionId").asText();
            String broken = controller.createSession("copilot", "other-user").get("sessionId").asText();
            for (String id : List.of(whole, broken)) {
                assertThat(controller.awaitSettled(id, Duration.ofSeconds(120)).get("status").asText())
                        .isEqualTo("READY");
            }
            List<Long> guestPids = controller.guestPids();
            assertThat(guestPids).hasSizeGreaterThanOrEqualTo(8);
            controller.kill9();
            assertThat(controller.guestNamespaces()).as("the crash left the guests behind").hasSize(2);
            assertThat(controller.links("vmd")).hasSize(2);
            // while the controller is down, one guest loses its VNC server
            String brokenNs = namespaceOf(controller, broken);
            for (long pid : new io.vmdesk.net.Namespaces(new io.vmdesk.host.HostCommands()).pids(brokenNs)) {
                if (Files.readString(Path.of("/proc", String.valueOf(pid), "comm")).strip().equals("x11vnc")) {
                    new ProcessBuilder("kill", "-9", String.valueOf(pid)).start().waitFor();
                }
            }

            // and another vmdesk instance (another DATA_DIR) has a live guest on the same host side: not ours to remove
            String foreignNs = "vmdesk-zzforeign-0123456789ab";
            String foreignLink = "vmd0123456789a";
            io.vmdesk.host.HostCommands host = new io.vmdesk.host.HostCommands();
            host.runChecked(Duration.ofSeconds(10), "ip", "netns", "add", foreignNs);
            try {
                controller.inNamespace.runChecked(Duration.ofSeconds(10), "ip", "link", "add", foreignLink, "type",
                        "veth", "peer", "name", "eth0", "netns", foreignNs);
                assertThat(controller.links("vmd")).hasSize(3);

                controller.launch();
                assertThat(controller.isAlive()).as(controller.log()).isTrue();
                assertThat(controller.links("vmd")).as("another instance's guest survives").contains(foreignLink);
                assertThat(controller.log()).contains("interface " + foreignLink + " is not in this controller's ledger");
            } finally {
                host.run(Duration.ofSeconds(10), "ip", "netns", "del", foreignNs);
            }
            assertThat(controller.links("vmd")).doesNotContain(foreignLink);
            JsonNode revived = ControllerProcess.json(controller.get("/api/auth/session/" + whole));
            assertThat(revived.get("status").asText()).isEqualTo("READY");
            assertThat(revived.get("steps").findValuesAsText("name")).contains("controller.revived");
            RfbViewer viewer = RfbViewer.connect(controller.liveViewSocket(whole)).handshake();
            viewer.requestUpdateAndAwaitData(Duration.ofSeconds(10));
            viewer.abort();

            JsonNode ended = ControllerProcess.json(controller.get("/api/auth/session/" + broken));
            assertThat(ended.get("status").asText()).isEqualTo("ENDED");
            assertThat(ended.get("endedReason").asText()).startsWith("controller-restarted");
            assertThat(controller.guestNamespaces()).containsExactly(namespaceOf(controller, whole));
            assertThat(controller.links("vmd")).hasSize(1);
            assertThat(controller.dataDir.resolve("sessions").resolve(broken)).doesNotExist();

            // the revived session is torn down like any other
            controller.delete("/api/auth/session/" + whole);
            assertThat(controller.guestNamespaces()).isEmpty();
            assertThat(controller.links("vmd")).isEmpty();
            assertThat(controller.guestProcesses()).isEmpty();
            assertThat(ControllerProcess.alive(guestPids)).isEmpty();
            assertThat(controller.dataDir.resolve("sessions").resolve(whole)).doesNotExist();

            // and the controller works again: the first address is leased anew
            String next = controller.createSession("copilot", "crash-user").get("sessionId").asText();
            JsonNode ready = controller.awaitSettled(next, Duration.ofSeconds(120));
            assertThat(ready.get("status").asText()).isEqualTo("READY");
            assertThat(ready.get("browserIP").asText()).isEqualTo("192.168.100.2");
        }
    }

    static String namespaceOf(ControllerProcess controller, String id) {
        return controller.guestNamespaces().stream().filter(ns -> ns.endsWith(id.replace("-", "").substring(0, 12)))
                .findFirst().orElseThrow();
    }
}
