package io.vmdesk.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmdesk.host.HostCommands;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * LIVE_VIEW_UPSTREAM=websockify, for guest images that serve websockify on :6080 instead of raw VNC: Debian's real
 * websockify runs in the guest's namespace in front of the guest's VNC server, and the browser side sees the same
 * guarantees as with raw VNC — close codes (websockify's own mapped onto ours), megabyte messages both ways.
 */
@Timeout(240)
class WebsockifyUpstreamTest {

    @Test
    void theProxyRelaysThroughWebsockifyAndMapsItsEndings() throws Exception {
        try (ControllerProcess controller = ControllerProcess.start(Map.of("LIVE_VIEW_UPSTREAM", "websockify"))) {
            String id = controller.createSession("gemini", "websockify").get("sessionId").asText();
            JsonNode session = controller.awaitSettled(id, Duration.ofSeconds(120));
            assertThat(session.get("status").asText()).as(session.toString()).isEqualTo("READY");
            String ws = controller.liveViewSocket(id); // with its live-view token, valid for LIVE_VIEW_TOKEN_TTL
            String vnc = session.get("browserIP").asText() + ":5900";
            HostCommands guest = new HostCommands(controller.guestNamespaces().stream()
                    .filter(ns -> ns.endsWith(id.replace("-", "").substring(0, 12))).findFirst().orElseThrow());

            // nothing on :6080 yet: refused at connect
            assertThat(RfbViewer.connect(ws).closed.get(15, TimeUnit.SECONDS))
                    .startsWith("1014 guest-unreachable: websockify :6080 connect failed");

            // websockify up, its VNC server not: websockify's own 1011 becomes 1014, with its words in the reason
            Process broken = websockify(guest, "127.0.0.1:5999");
            try {
                assertThat(RfbViewer.connect(ws).closed.get(15, TimeUnit.SECONDS))
                        .isEqualTo("1014 guest-unreachable: websockify closed 1011 Failed to connect to downstream server");
            } finally {
                kill(broken);
            }

            Process websockify = websockify(guest, vnc);
            try {
                RfbViewer viewer = RfbViewer.connect(ws).handshake();
                viewer.sendClipboard(1024 * 1024);                                     // browser → guest: 1 MiB
                viewer.requestFullScreenAndAwait(1280 * 800 * 4, Duration.ofSeconds(30)); // guest → browser: 4 MB
                assertThat(viewer.closed).isNotDone();

                // websockify dies mid-stream (no close frame): the browser gets 1014 at once, not a dropped socket
                long t0 = System.nanoTime();
                kill(websockify);
                assertThat(viewer.closed.get(5, TimeUnit.SECONDS)).startsWith("1014 guest-unreachable: websockify");
                assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(1));
                assertThat(ControllerProcess.json(controller.get("/api/auth/session/" + id)).get("lastDisconnect")
                        .asText()).startsWith("1014 guest-unreachable: websockify");
            } finally {
                kill(websockify);
            }
            controller.delete("/api/auth/session/" + id);
        }
    }

    /** Debian's websockify on :6080 in the guest's namespace, in front of {@code target}; returns once it listens. */
    private static Process websockify(HostCommands guest, String target) throws Exception {
        Process p = new ProcessBuilder(guest.wrap(List.of("websockify", "6080", target))).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        for (int i = 0; i < 100; i++) {
            if (!guest.run(Duration.ofSeconds(5), "ss", "-Htln", "( sport = :6080 )").stdout().isBlank()) {
                return p;
            }
            Thread.sleep(100);
        }
        kill(p);
        throw new AssertionError("websockify did not listen on :6080");
    }

    /** SIGKILL to websockify and the child it forked for each connection. */
    private static void kill(Process p) throws InterruptedException {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        p.waitFor(5, TimeUnit.SECONDS);
    }
}
