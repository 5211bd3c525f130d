package io.vmdesk.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmdesk.host.HostCommands;
import io.vmdesk.net.Namespaces;
import io.vmdesk.net.Naming;
import io.vmdesk.net.SlotNetwork;
import io.vmdesk.store.Store;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The netns sandbox in NETWORK_TOPOLOGY=slot, inside a namespace the test creates: the desktop runs in its own
 * namespace as 169.254.0.21, hung off its slot by a veth pair; the controller reaches it at its pool address through
 * the slot's NAT. READY after the banner read through that address, the proxy relays RFB, the agent reaches the
 * controller from behind the NAT, and DELETE leaves no namespace, interface, route, process, file or lease.
 */
@Timeout(300)
class SlotTopologyNetnsTest {
    private ControllerProcess controller;

    @AfterEach
    void stop() throws Exception {
        if (controller != null) {
            controller.close();
        }
    }

    @Test
    void aSandboxInItsSlotIsReadyThroughItsHostSideAddressRelaysRfbAndDeleteLeavesNothing() throws Exception {
        controller = ControllerProcess.start(Map.of("NETWORK_TOPOLOGY", "slot"));
        assertThat(controller.isAlive()).as(controller.log()).isTrue();
        JsonNode created = controller.createSession("claude_code", "slot-user");
        String id = created.get("sessionId").asText();
        assertThat(created.get("browserIP").asText()).as("the host-side address is the pool's").isEqualTo("192.168.100.2");

        JsonNode session = controller.awaitSettled(id, Duration.ofSeconds(120));
        assertThat(session.get("status").asText()).as("%s%n%s", session.toPrettyString(), controller.log())
                .isEqualTo("READY");
        assertThat(session.toString()).as("READY rests on the banner read through 192.168.100.2").contains("RFB 003.00");

        String tag = Naming.instanceTag(controller.dataDir);
        String guestNs = Naming.namespaceName(tag, id);
        String slotNs = SlotNetwork.slotNamespace(guestNs);
        String hostInterface = Naming.interfaceName(id);
        assertThat(controller.guestNamespaces()).containsExactlyInAnyOrder(guestNs, slotNs);
        assertThat(controller.links("vmd")).containsExactly(hostInterface);
        assertThat(controller.inNamespace.run(Duration.ofSeconds(10), "ip", "route", "get", "192.168.100.2").stdout())
                .contains("dev " + hostInterface);
        HostCommands host = new HostCommands();
        assertThat(host.run(Duration.ofSeconds(10), "ip", "-n", guestNs, "-o", "addr", "show", "dev", "eth0").stdout())
                .as("identical inner addressing").contains("169.254.0.21/30");
        assertThat(host.run(Duration.ofSeconds(10), "ip", "-n", guestNs, "link", "show", "dev", "eth0").stdout())
                .as("pinned MAC").contains(SlotNetwork.GUEST_MAC);
        assertThat(host.run(Duration.ofSeconds(10), "ip", "-n", slotNs, "-o", "addr", "show").stdout())
                .contains("192.168.100.2/32").contains("169.254.0.22/30");
        List<Long> guestPids = new Namespaces(host).pids(guestNs);
        assertThat(guestPids).as("Xvfb, openbox, x11vnc, chromium… in the guest's namespace").hasSizeGreaterThanOrEqualTo(4);

        // doctor knows the topology: the slot's route and unbridged veth are how it should be, not faults (asked
        // before a viewer connects: a busy x11vnc may not send its banner within the probe's 2 s on a loaded machine)
        JsonNode report = ControllerProcess.json(controller.get("/api/diagnostics"));
        List<String> failed = new java.util.ArrayList<>();
        report.get("checks").forEach(c -> {
            if (c.get("status").asText().equals("fail")) {
                failed.add(c.toString());
            }
        });
        assertThat(failed).as("doctor's failures with a healthy slot guest").isEmpty();
        assertThat(report.toString()).contains("routes to its slot");

        // the proxy relays the RFB handshake from the guest behind the slot's NAT
        RfbViewer viewer = RfbViewer.connect(controller.liveViewSocket(id)).handshake();
        assertThat(viewer.banner()).startsWith("RFB 003.00");
        viewer.requestUpdateAndAwaitData(Duration.ofSeconds(10));
        // the agent reached the controller from behind the NAT (its source address is the pool's: agent API allowed)
        Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).until(() ->
                ControllerProcess.json(controller.get("/api/auth/session/" + id)).get("steps")
                        .findValuesAsText("name").stream().anyMatch(n -> n.startsWith("agent.")));

        JsonNode deleted = ControllerProcess.json(controller.delete("/api/auth/session/" + id));
        assertThat(deleted.get("status").asText()).isEqualTo("ENDED");
        assertThat(controller.links("vmd")).isEmpty();
        assertThat(controller.guestNamespaces()).isEmpty();
        assertThat(controller.guestProcesses()).isEmpty();
        assertThat(ControllerProcess.alive(guestPids)).isEmpty();
        assertThat(controller.inNamespace.run(Duration.ofSeconds(10), "ip", "route", "show", "192.168.100.2/32")
                .stdout()).as("no route left for the pool address").isBlank();
        assertThat(controller.dataDir.resolve("sessions").resolve(id)).doesNotExist();
        try (Store store = Store.open("jdbc:sqlite:" + controller.dataDir.resolve("vmdesk.db"))) {
            assertThat(store.leases().all()).isEmpty();
            assertThat(store.ledger().open(id)).isEmpty();
        }
    }

    /**
     * kill -9 with two slot guests live; one loses its VNC server meanwhile. The restart revives the whole one (its
     * slot kept, reached again through its pool address) and removes everything of the broken one: both its
     * namespaces, its veth pair, its route.
     */
    @Test
    void aRestartAfterKillNineRevivesAWholeSlotGuestAndRemovesABrokenOnesSlot() throws Exception {
        controller = ControllerProcess.start(Map.of("NETWORK_TOPOLOGY", "slot"));
        String whole = controller.createSession("copilot", "crash-user").get("sessionId").asText();
        String broken = controller.createSession("copilot", "other-user").get("sessionId").asText();
        for (String id : List.of(whole, broken)) {
            assertThat(controller.awaitSettled(id, Duration.ofSeconds(120)).get("status").asText())
                    .as(controller.log()).isEqualTo("READY");
        }
        String tag = Naming.instanceTag(controller.dataDir);
        String wholeNs = Naming.namespaceName(tag, whole);
        String brokenNs = Naming.namespaceName(tag, broken);
        controller.kill9();
        assertThat(controller.guestNamespaces()).as("the crash left both guests and their slots behind").hasSize(4);
        HostCommands host = new HostCommands();
        for (long pid : new Namespaces(host).pids(brokenNs)) {
            if (java.nio.file.Files.readString(java.nio.file.Path.of("/proc", String.valueOf(pid), "comm")).strip()
                    .equals("x11vnc")) {
                new ProcessBuilder("kill", "-9", String.valueOf(pid)).start().waitFor();
            }
        }

        controller.launch();
        assertThat(controller.isAlive()).as(controller.log()).isTrue();
        assertThat(ControllerProcess.json(controller.get("/api/auth/session/" + whole)).get("status").asText())
                .isEqualTo("READY");
        RfbViewer viewer = RfbViewer.connect(controller.liveViewSocket(whole)).handshake();
        viewer.requestUpdateAndAwaitData(Duration.ofSeconds(10));
        viewer.abort();
        assertThat(ControllerProcess.json(controller.get("/api/auth/session/" + broken)).get("endedReason").asText())
                .startsWith("controller-restarted");
        assertThat(controller.guestNamespaces()).containsExactlyInAnyOrder(wholeNs, SlotNetwork.slotNamespace(wholeNs));
        assertThat(controller.links("vmd")).containsExactly(Naming.interfaceName(whole));
        String routes = controller.inNamespace.run(Duration.ofSeconds(10), "ip", "route", "show").stdout();
        assertThat(routes).contains("192.168.100.2 dev " + Naming.interfaceName(whole))
                .doesNotContain(Naming.interfaceName(broken));

        controller.delete("/api/auth/session/" + whole);
        assertThat(controller.guestNamespaces()).isEmpty();
        assertThat(controller.links("vmd")).isEmpty();
        assertThat(controller.guestProcesses()).isEmpty();
        try (Store store = Store.open("jdbc:sqlite:" + controller.dataDir.resolve("vmdesk.db"))) {
            assertThat(store.leases().all()).isEmpty();
        }
    }
}
