package io.vmdesk.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmdesk.store.Store;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Real QEMU microVMs (the test guest: Debian's kernel, an initramfs serving RFB) through the session API, in a
 * namespace the test creates: READY only after the guest's banner, the live-view proxy relays its RFB handshake,
 * DELETE leaves nothing; and the predecessor's fault (the guest drops its address) ends FAILED with the ARP reason.
 */
@Timeout(300)
class QemuGuestEndToEndTest {
    private ControllerProcess controller;

    @AfterEach
    void stop() throws Exception {
        if (controller != null) {
            controller.close();
        }
    }

    private ControllerProcess start(String readyTimeout, String kernelArgs) throws Exception {
        return start(readyTimeout, kernelArgs, "bridge");
    }

    private ControllerProcess start(String readyTimeout, String kernelArgs, String topology) throws Exception {
        ControllerProcess.assumeRoot();
        TestGuestImage guest = TestGuestImage.build();
        Map<String, String> env = new java.util.HashMap<>(Map.of("GUEST_DRIVER", "qemu",
                "KERNEL_IMAGE", guest.kernel.toString(), "INITRD", guest.initrd.toString(),
                "SESSION_READY_TIMEOUT", readyTimeout, "VM_MEMORY_MIB", "192", "NETWORK_TOPOLOGY", topology));
        if (kernelArgs != null) {
            env.put("VM_KERNEL_ARGS", kernelArgs);
        }
        controller = ControllerProcess.start(env);
        assertThat(controller.isAlive()).as(controller.log()).isTrue();
        return controller;
    }

    @Test
    void aQemuGuestIsReadyOnlyWithItsBannerRelaysRfbAndDeleteLeavesNothing() throws Exception {
        bootRelayDelete("bridge");
    }

    /**
     * NETWORK_TOPOLOGY=slot: the VM sits in its slot namespace as 169.254.0.21 behind NAT; the controller reaches it
     * at its pool address, routed to the slot. The same promises hold: READY on the banner read through the
     * host-side address, the proxy relays RFB, DELETE leaves nothing.
     */
    @Test
    void inSlotTopologyTheGuestIsReachedAtItsHostSideAddressAndDeleteLeavesNothing() throws Exception {
        bootRelayDelete("slot");
    }

    private void bootRelayDelete(String topology) throws Exception {
        boolean slot = topology.equals("slot");
        start(System.getProperty("vmdesk.test.qemuReady", "150s"), null, topology);
        Instant posted = Instant.now();
        JsonNode created = controller.createSession("claude_code", "vm-user");
        String id = created.get("sessionId").asText();
        assertThat(created.get("status").asText()).isEqualTo("STARTING");

        JsonNode session = controller.awaitSettled(id, Duration.ofSeconds(180));
        if (!session.get("status").asText().equals("READY")) {
            session = controller.awaitFinal(id, Duration.ofSeconds(20));
        }
        assertThat(session.get("status").asText()).as("%s%n%s", session.toPrettyString(), controller.log())
                .isEqualTo("READY");
        System.out.printf("qemu guest POST→READY %d ms%n", Duration.between(posted, Instant.now()).toMillis());
        List<String> names = session.get("steps").findValuesAsText("name");
        assertThat(names).containsSubsequence("net.wire", "guest.prepare", "guest.start", "guest.ready");
        JsonNode ready = stream(session.get("steps")).filter(s -> s.get("name").asText().equals("guest.ready"))
                .findFirst().orElseThrow();
        assertThat(ready.toString()).as("READY rests on the banner read from the host side").contains("RFB 003.008");

        Path vmDir = controller.dataDir.resolve("vms").resolve(id);
        String tap = "vmd" + id.replace("-", "").substring(0, 11);
        assertThat(controller.links("vmd")).containsExactly(tap);
        List<Long> qemu = qemuPids(vmDir);
        assertThat(qemu).as("one QEMU for the guest").hasSize(1);
        if (slot) {
            // the guest has the slot's inner address; the host reaches it at its pool address through the veth
            assertThat(Files.readString(vmDir.resolve("console.log"))).contains("eth0 up with 169.254.0.21");
            assertThat(session.toString()).as("the pool address is leased as ever").contains("192.168.100.2");
            String slotNs = io.vmdesk.net.Naming.namespaceName(io.vmdesk.net.Naming.instanceTag(controller.dataDir), id);
            assertThat(controller.guestNamespaces()).containsExactly(slotNs);
            assertThat(controller.inNamespace.run(Duration.ofSeconds(10), "ip", "route", "get", "192.168.100.2")
                    .stdout()).contains("dev " + tap);
            io.vmdesk.host.HostCommands host = new io.vmdesk.host.HostCommands();
            assertThat(host.run(Duration.ofSeconds(10), "ip", "netns", "exec", slotNs, "ip", "-o", "addr", "show")
                    .stdout()).contains("uplink").contains("192.168.100.2/32").contains("tap0")
                    .contains("169.254.0.22/30");
            assertThat(host.run(Duration.ofSeconds(10), "ip", "netns", "exec", slotNs, "nft", "list", "ruleset")
                    .stdout()).contains("dnat to 169.254.0.21").contains("snat to 192.168.100.2");
            assertThat(new io.vmdesk.net.Namespaces(host).pids(slotNs)).as("QEMU runs in the slot").containsAll(qemu);
        } else {
            assertThat(Files.readString(vmDir.resolve("console.log"))).contains("eth0 up with 192.168.100.2");
            // the TAP's guard: only the guest's own MAC and address get onto the bridge (PortGuardTest shows it works)
            assertThat(controller.inNamespace.run(Duration.ofSeconds(10), "nft", "list", "table", "netdev",
                    "vmdesk_" + tap).stdout()).contains("ether saddr != 02:fc:c0:a8:64:02 drop")
                    .contains("ip saddr != 192.168.100.2 drop");
        }

        RfbViewer viewer = RfbViewer.connect(controller.liveViewSocket(id)).handshake();
        assertThat(viewer.banner()).isEqualTo("RFB 003.008\n");
        viewer.requestUpdateAndAwaitData(Duration.ofSeconds(10));

        JsonNode deleted = ControllerProcess.json(controller.delete("/api/auth/session/" + id));
        assertThat(deleted.get("status").asText()).isEqualTo("ENDED");
        assertThat(controller.links("vmd")).isEmpty();
        assertThat(controller.guestNamespaces()).isEmpty();
        assertThat(controller.inNamespace.run(Duration.ofSeconds(10), "nft", "list", "tables").stdout())
                .as("no guard table left").doesNotContain("vmdesk_");
        assertThat(ControllerProcess.alive(qemu)).isEmpty();
        assertThat(qemuPids(vmDir)).isEmpty();
        assertThat(vmDir).doesNotExist();
        assertThat(controller.inNamespace.run(Duration.ofSeconds(10), "ip", "route", "show", "192.168.100.2/32")
                .stdout()).as("no route left for the pool address").isBlank();
        try (Store store = Store.open("jdbc:sqlite:" + controller.dataDir.resolve("vmdesk.db"))) {
            assertThat(store.leases().all()).isEmpty();
            assertThat(store.ledger().open(id)).isEmpty();
        }
    }

    @Test
    void aGuestThatDropsItsAddressFailsWithTheArpReasonWithinTheBound() throws Exception {
        Duration bound = Duration.ofSeconds(150);
        start(bound.toSeconds() + "s", "vmdesk.test.drop_ip_after=5");
        Instant posted = Instant.now();
        String id = controller.createSession("claude_code", "vm-user").get("sessionId").asText();
        JsonNode session = controller.awaitSettled(id, bound.plusSeconds(30));
        Duration took = Duration.between(posted, Instant.now());
        session = controller.awaitFinal(id, Duration.ofSeconds(20));

        assertThat(session.get("status").asText()).as("%s%n%s", session.toPrettyString(), controller.log())
                .isEqualTo("FAILED");
        JsonNode ready = stream(session.get("steps")).filter(s -> s.get("name").asText().equals("guest.ready"))
                .findFirst().orElseThrow();
        Instant failedAt = Instant.parse(ready.get("startedAt").asText()).plusMillis(ready.get("millis").asLong());
        assertThat(Duration.between(Instant.parse(session.get("createdAt").asText()), failedAt))
                .as("from POST to the failed readiness step").isLessThanOrEqualTo(bound.plusSeconds(2));
        assertThat(took).as("from POST until the API said so").isLessThan(bound.plusSeconds(20));
        assertThat(session.get("endedReason").asText())
                .contains("guest.ready failed: guest stopped answering ARP")
                .contains("192.168.100.2 no longer answers ARP on the bridge");
        // the diagnosis carries the guest's console, where the culprit shows
        assertThat(session.toString()).contains("removed eth0's address");
        // a viewer is told why, with a close code, never a dropped socket (1006)
        RfbViewer viewer = RfbViewer.connect(controller.liveViewSocket(id));
        assertThat(viewer.closed.get(10, java.util.concurrent.TimeUnit.SECONDS)).doesNotContain("1006");
        assertThat(controller.links("vmd")).isEmpty();
        assertThat(qemuPids(controller.dataDir.resolve("vms").resolve(id))).isEmpty();
    }

    private static Stream<JsonNode> stream(JsonNode array) {
        List<JsonNode> all = new ArrayList<>();
        array.forEach(all::add);
        return all.stream();
    }

    /** QEMU processes whose command line names this guest's directory. */
    private static List<Long> qemuPids(Path vmDir) throws IOException {
        List<Long> found = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    String cmdline = Files.readString(p.resolve("cmdline")).replace('\0', ' ');
                    if (cmdline.contains("qemu-system") && cmdline.contains(vmDir.toString())) {
                        found.add(Long.parseLong(p.getFileName().toString()));
                    }
                } catch (IOException gone) {
                    // ended while we looked
                }
            }
        }
        return found;
    }
}
