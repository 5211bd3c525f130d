package io.vmdesk.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmdesk.cli.LiveViewBrowser;
import io.vmdesk.store.Store;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The main job end to end: the real controller creates a session, proves it reachable, a real Chromium shows its
 * desktop through noVNC and the controller's proxy, and DELETE leaves nothing behind.
 */
@Timeout(300)
class LiveViewEndToEndTest {
    /** The start page's background (#0a7e8c), distinctive enough not to appear by chance. */
    private static final int[] TEAL = {0x0a, 0x7e, 0x8c};
    static ControllerProcess controller;

    @BeforeAll
    static void start() throws Exception {
        controller = ControllerProcess.start(Map.of());
        assertThat(controller.isAlive()).as(controller.log()).isTrue();
    }

    @AfterAll
    static void stop() throws Exception {
        if (controller != null) {
            controller.close();
        }
    }

    @Test
    void aUserSeesTheGuestDesktopInNoVncAndDeleteLeavesNothingBehind() throws Exception {
        JsonNode created = controller.createSession("claude_code", "user-1");
        String id = created.get("sessionId").asText();
        assertThat(created.get("success").asBoolean()).isTrue();
        assertThat(created.get("status").asText()).isEqualTo("STARTING");
        assertThat(created.get("novncURL").asText())
                .startsWith(controller.baseUrl() + "/api/auth/session/" + id + "/novnc?token=");
        assertThat(created.get("browserIP").asText()).isEqualTo("192.168.100.2");

        JsonNode session = controller.awaitSettled(id, Duration.ofSeconds(120));
        assertThat(session.get("status").asText()).as(session.toString()).isEqualTo("READY");
        assertThat(session.get("steps").findValuesAsText("name"))
                .containsSubsequence("net.lease", "net.wire", "guest.prepare", "guest.start", "guest.ready");
        assertThat(session.get("mac").asText()).isEqualTo("02:fc:c0:a8:64:02");

        Path png = Path.of("target", "test-artifacts", "live-view.png");
        LiveViewBrowser user = LiveViewBrowser.open("chromium", session.get("novncURL").asText());
        Thread.sleep(3000);
        user.screenshot(png);
        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(shareOf(image, TEAL)).as("share of the start page's teal in %s", png).isGreaterThan(0.2);

        String hostInterface = "vmd" + id.replace("-", "").substring(0, 11);
        assertThat(controller.links("vmd")).contains(hostInterface);
        assertThat(controller.guestNamespaces()).hasSize(1);
        assertThat(controller.guestProcesses()).isNotEmpty();
        List<Long> guestPids = controller.guestPids();
        assertThat(guestPids).as("Xvfb, openbox, x11vnc, chromium…").hasSizeGreaterThanOrEqualTo(4);
        // the desktop runs as the session's own unprivileged user, which alone may read its directory
        Path guestDir = controller.dataDir.resolve("sessions").resolve(id);
        int owner = (Integer) Files.getAttribute(guestDir, "unix:uid");
        assertThat(owner).isGreaterThanOrEqualTo(1_000_000);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(guestDir))).isEqualTo("rwx------");
        for (long pid : guestPids) {
            String status = Files.readString(Path.of("/proc", String.valueOf(pid), "status"));
            assertThat(status).as("process %d", pid).containsPattern("(?m)^Uid:\\s+" + owner + "\\s+" + owner)
                    .containsPattern("(?m)^CapEff:\\s+0+$");
        }

        JsonNode deleted = ControllerProcess.json(controller.delete("/api/auth/session/" + id));
        assertThat(deleted.get("status").asText()).isEqualTo("ENDED");
        assertThat(deleted.get("endedReason").asText()).startsWith("deleted");
        // the user's page says why, not a bare "Disconnected"
        try (user) {
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(15))
                    .until(() -> user.banner().startsWith("Session ended"));
            assertThat(user.banner()).isEqualTo("Session ended (ENDED): deleted");
            user.screenshot(Path.of("target", "test-artifacts", "live-view-ended.png"));
        }
        assertThat(ControllerProcess.json(controller.get("/api/auth/session/" + id)).get("lastDisconnect").asText())
                .isEqualTo("1000 session-ended: deleted");
        assertThat(controller.delete("/api/auth/session/" + id).statusCode()).as("DELETE is idempotent").isEqualTo(200);

        assertThat(controller.links("vmd")).isEmpty();
        assertThat(controller.guestNamespaces()).isEmpty();
        assertThat(controller.guestProcesses()).isEmpty();
        assertThat(ControllerProcess.alive(guestPids)).isEmpty();
        assertThat(controller.dataDir.resolve("sessions").resolve(id)).doesNotExist();
        try (Store store = Store.open("jdbc:sqlite:" + controller.dataDir.resolve("vmdesk.db"))) {
            assertThat(store.leases().all()).isEmpty();
            assertThat(store.ledger().open(id)).isEmpty();
        }
    }

    /** Fraction of pixels within a small distance of the colour. */
    static double shareOf(BufferedImage image, int[] rgb) {
        long hits = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int p = image.getRGB(x, y);
                int r = (p >> 16) & 0xff, g = (p >> 8) & 0xff, b = p & 0xff;
                if (Math.abs(r - rgb[0]) < 16 && Math.abs(g - rgb[1]) < 16 && Math.abs(b - rgb[2]) < 16) {
                    hits++;
                }
            }
        }
        return (double) hits / ((long) image.getWidth() * image.getHeight());
    }
}
