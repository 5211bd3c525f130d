package io.vmdesk.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmdesk.host.HostCommands;
import io.vmdesk.net.Namespaces;
import io.vmdesk.proxy.RawWebSocketClient;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * How a live view ends, as the browser side actually sees it: always a close frame with a code and a reason, never a
 * dropped socket (which browsers report as 1006); and a still desktop survives an intermediary that cuts idle
 * connections, because the proxy pings, while a browser that stops answering the pings is closed.
 */
@Timeout(300)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LiveViewEndingsTest {
    static ControllerProcess controller;

    @BeforeAll
    static void start() throws Exception {
        controller = ControllerProcess.start(Map.of("PROXY_PING_INTERVAL", "2s", "SESSION_MAX_LIFETIME", "60s",
                "SESSION_IDLE_TIMEOUT", "15s", "LIVE_VIEW_BUFFER", "64KiB", "LIVE_VIEW_STALL_TIMEOUT", "3s"));
        assertThat(controller.isAlive()).as(controller.log()).isTrue();
    }

    @AfterAll
    static void stop() throws Exception {
        if (controller != null) {
            controller.close();
        }
    }

    private static String readySession(String user) throws Exception {
        String id = controller.createSession("gemini", user).get("sessionId").asText();
        JsonNode session = controller.awaitSettled(id, Duration.ofSeconds(120));
        assertThat(session.get("status").asText()).as(session.toString()).isEqualTo("READY");
        return id;
    }

    /** A fresh live-view WebSocket URL, reached through {@code base} (the controller, or an intermediary). */
    private static String websocket(String base, String id) throws Exception {
        return controller.liveViewSocket(id).replace(controller.baseUrl().replaceFirst("^http", "ws"),
                base.replaceFirst("^http", "ws"));
    }

    @Test
    @Order(0)
    void noCompressionIsNegotiatedAndMessagesOfAMebibytePassBothWays() throws Exception {
        String id = readySession("protocol");
        try (Socket raw = new Socket(InetAddress.getLoopbackAddress(), controller.controller.relayPort())) {
            java.net.URI socket = java.net.URI.create(websocket(controller.baseUrl(), id));
            String path = socket.getRawPath() + "?" + socket.getRawQuery();
            raw.getOutputStream().write(("GET " + path + " HTTP/1.1\r\n"
                    + "Host: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                    + "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            raw.setSoTimeout(10_000);
            StringBuilder head = new StringBuilder();
            InputStream in = raw.getInputStream();
            while (!head.toString().endsWith("\r\n\r\n")) {
                head.append((char) in.read());
            }
            assertThat(head.toString()).startsWith("HTTP/1.1 101").doesNotContainIgnoringCase("Sec-WebSocket-Extensions");
        }
        RfbViewer viewer = RfbViewer.connect(websocket(controller.baseUrl(), id)).handshake();
        viewer.sendClipboard(1024 * 1024);                                    // browser → guest: 1 MiB
        viewer.requestFullScreenAndAwait(1280 * 800 * 4, Duration.ofSeconds(30)); // guest → browser: 4 MB of pixels
        assertThat(viewer.closed).isNotDone();
        viewer.abort();
        controller.delete("/api/auth/session/" + id);
    }

    @Test
    @Order(1)
    void aStillDesktopStaysConnectedThroughAnIntermediaryThatCutsIdleConnections() throws Exception {
        String id = readySession("still");
        try (IdleDroppingProxy intermediary = new IdleDroppingProxy(controller.controller.relayPort(),
                Duration.ofSeconds(5))) {
            // the intermediary really cuts a connection that stays silent
            try (Socket silent = new Socket(InetAddress.getLoopbackAddress(), intermediary.port())) {
                silent.setSoTimeout(10_000);
                InputStream in = silent.getInputStream();
                long t0 = System.nanoTime();
                assertThat(in.read()).isEqualTo(-1);
                assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThan(Duration.ofSeconds(4));
            }
            String base = "http://127.0.0.1:" + intermediary.port();
            RfbViewer viewer = RfbViewer.connect(websocket(base, id)).handshake();
            Thread.sleep(12_000); // nothing to draw, nothing typed: only the proxy's pings cross the intermediary
            assertThat(viewer.closed).isNotDone();
            viewer.requestUpdateAndAwaitData(Duration.ofSeconds(10));
            viewer.abort();
        }
        controller.delete("/api/auth/session/" + id);
    }

    @Test
    @Order(2)
    void aBrowserThatVanishesReleasesTheGuestConnectionWithinASecond() throws Exception {
        String id = readySession("vanish");
        HostCommands guest = new HostCommands(guestNamespace(id));
        RfbViewer viewer = RfbViewer.connect(websocket(controller.baseUrl(), id)).handshake();
        assertThat(vncConnections(guest)).isEqualTo(1);
        long t0 = System.nanoTime();
        viewer.abort(); // TCP closed without a close frame
        while (vncConnections(guest) > 0 && System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5)) {
            Thread.sleep(20);
        }
        Duration released = Duration.ofNanos(System.nanoTime() - t0);
        assertThat(vncConnections(guest)).isZero();
        assertThat(released).as("guest-side socket closed after %s", released).isLessThan(Duration.ofSeconds(1));
        controller.delete("/api/auth/session/" + id);
    }

    @Test
    @Order(2)
    void aBrowserThatKeepsItsConnectionButStopsAnsweringPingsIsClosedWith1001AndReleasesTheGuest() throws Exception {
        String id = readySession("unresponsive");
        HostCommands guest = new HostCommands(guestNamespace(id));
        java.net.URI socket = java.net.URI.create(websocket(controller.baseUrl(), id));
        try (RawWebSocketClient browser = RawWebSocketClient.connect(controller.controller.relayPort(),
                socket.getRawPath() + "?" + socket.getRawQuery())) {
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> vncConnections(guest) == 1);
            // it reads (the RFB banner, the pings) but answers nothing: pings every 2s, two unanswered, then the close
            String closed = browser.readFor(Duration.ofSeconds(30), false);
            assertThat(closed).startsWith("1001 browser-unresponsive");
            assertThat(browser.pings()).isGreaterThanOrEqualTo(2);
        }
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> vncConnections(guest) == 0);
        assertThat(lastDisconnect(id)).startsWith("1001 browser-unresponsive: no pong for 4s");
        controller.delete("/api/auth/session/" + id);
    }

    @Test
    @Order(5)
    void aVncServerThatDiesMidStreamGives1014AndTheSessionSaysWhy() throws Exception {
        String id = readySession("crash");
        RfbViewer viewer = RfbViewer.connect(websocket(controller.baseUrl(), id)).handshake();
        String ns = guestNamespace(id);
        for (long pid : new Namespaces(new HostCommands()).pids(ns)) {
            if (Files.readString(Path.of("/proc", String.valueOf(pid), "comm")).strip().equals("x11vnc")) {
                new ProcessBuilder("kill", "-9", String.valueOf(pid)).start().waitFor();
            }
        }
        assertThat(viewer.closed.get(15, TimeUnit.SECONDS)).startsWith("1014 guest-unreachable");
        JsonNode session = awaitFinal(id);
        assertThat(session.get("status").asText()).isEqualTo("FAILED");
        assertThat(session.get("endedReason").asText()).startsWith("guest-lost: x11vnc exited");
        assertThat(session.get("lastDisconnect").asText()).startsWith("1014");
        // and a viewer arriving now is told the same, not dropped
        RfbViewer late = RfbViewer.connect(websocket(controller.baseUrl(), id));
        assertThat(late.closed.get(15, TimeUnit.SECONDS)).startsWith("1014 guest-unreachable: guest-lost");
    }

    @Test
    @Order(6)
    void aViewerIsToldWhenTheSessionLifetimeIsOver() throws Exception {
        String id = readySession("lifetime");
        RfbViewer viewer = RfbViewer.connect(websocket(controller.baseUrl(), id)).handshake();
        assertThat(viewer.closed.get(90, TimeUnit.SECONDS)).isEqualTo("4408 lifetime-over");
        assertThat(awaitFinal(id).get("endedReason").asText()).startsWith("lifetime-over");
    }

    @Test
    @Order(7)
    void viewersOfAControllerThatShutsDownGet1001() throws Exception {
        String id = readySession("shutdown");
        RfbViewer viewer = RfbViewer.connect(websocket(controller.baseUrl(), id)).handshake();
        controller.stop(Duration.ofSeconds(60));
        assertThat(viewer.closed.get(10, TimeUnit.SECONDS)).isEqualTo("1001 controller-shutdown");
        assertThat(controller.guestNamespaces()).isEmpty();
    }

    @Test
    @Order(3)
    void aBrowserThatStopsReadingIsClosedWith1013AndOtherSessionsKeepFlowing() throws Exception {
        String stalledId = controller.createSession("gemini", "stalled").get("sessionId").asText();
        String flowingId = readySession("flowing");
        assertThat(controller.awaitSettled(stalledId, Duration.ofSeconds(120)).get("status").asText()).isEqualTo("READY");
        RfbViewer stalled = RfbViewer.connect(websocket(controller.baseUrl(), stalledId)).handshake();
        RfbViewer flowing = RfbViewer.connect(websocket(controller.baseUrl(), flowingId)).handshake();
        stalled.pause();
        // The browser reads again as soon as the proxy has given up on it: the close frame then waits behind what was
        // already on its way. Much later, the proxy's idle timeout (2 x ping + 5 s) would abort the connection.
        Thread watcher = Thread.ofVirtual().start(() -> {
            try {
                while (!lastDisconnect(stalledId).startsWith("1013")) {
                    Thread.sleep(100);
                }
                stalled.resume();
            } catch (Exception e) {
                stalled.resume();
            }
        });
        long t0 = System.nanoTime();
        // keep asking for full screens (4 MB each) and take none of them, until every buffer on the way is full and
        // the proxy, holding its 64 KiB, gives up after LIVE_VIEW_STALL_TIMEOUT=3s. It asks twice a second, on a
        // thread of its own: a browser that still sends is not one that stopped answering pings (1001), whatever the
        // pace of the loop below on a loaded machine.
        Thread asking = Thread.ofVirtual().start(() -> {
            try {
                while (!Thread.currentThread().isInterrupted() && !stalled.closed.isDone()) {
                    stalled.requestFullScreen();
                    Thread.sleep(500);
                }
            } catch (Exception stopped) {
                // interrupted, or the socket is closed: done asking
            }
        });
        while (!lastDisconnect(stalledId).startsWith("1013") && System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(40)) {
            // the other session is not held up by it: a full screen arrives as usual
            flowing.requestFullScreenAndAwait(1280 * 800 * 4, Duration.ofSeconds(30));
        }
        asking.interrupt();
        asking.join(15_000);
        assertThat(lastDisconnect(stalledId)).startsWith("1013 browser-stalled: browser took nothing for 3s");
        assertThat(flowing.closed).isNotDone();
        // a browser that reads again finds the close frame behind what was already on its way, not a bare 1006
        watcher.join(Duration.ofSeconds(10));
        assertThat(stalled.closed.get(20, TimeUnit.SECONDS)).as(controller.log()).startsWith("1013 browser-stalled");
        flowing.requestFullScreenAndAwait(1280 * 800 * 4, Duration.ofSeconds(10));
        flowing.abort();
        controller.delete("/api/auth/session/" + stalledId);
        controller.delete("/api/auth/session/" + flowingId);
    }

    @Test
    @Order(4)
    void aViewerOfASessionEndedForIdlenessIsTold4409() throws Exception {
        String id = readySession("idle"); // and nobody watches it
        JsonNode ended = awaitFinal(id, Duration.ofSeconds(60));
        assertThat(ended.get("endedReason").asText()).startsWith("idle-limit");
        RfbViewer late = RfbViewer.connect(websocket(controller.baseUrl(), id));
        assertThat(late.closed.get(15, TimeUnit.SECONDS)).startsWith("4409 idle-limit");
    }

    private static String lastDisconnect(String id) throws Exception {
        JsonNode last = ControllerProcess.json(controller.get("/api/auth/session/" + id)).get("lastDisconnect");
        return last == null || last.isNull() ? "" : last.asText();
    }

    private static JsonNode awaitFinal(String id) throws Exception {
        return awaitFinal(id, Duration.ofSeconds(20));
    }

    private static JsonNode awaitFinal(String id, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode session = ControllerProcess.json(controller.get("/api/auth/session/" + id));
            if (!session.get("status").asText().matches("STARTING|READY|ENDING")) {
                return session;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("session " + id + " did not end within " + timeout);
    }

    private static String guestNamespace(String id) {
        return controller.guestNamespaces().stream().filter(ns -> ns.endsWith(id.replace("-", "").substring(0, 12)))
                .findFirst().orElseThrow();
    }

    private static int vncConnections(HostCommands guest) {
        return (int) guest.run(Duration.ofSeconds(5), "ss", "-Htn", "state", "established", "( sport = :5900 )")
                .stdout().lines().filter(l -> !l.isBlank()).count();
    }
}
