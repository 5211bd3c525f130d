package io.vmdesk.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmdesk.cli.LiveViewBrowser;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Who may watch: the live view needs its session's short-lived token, exchanged by the page for a cookie that keeps
 * reloads and reconnects working after the token expired. Refusals are 1008 on the WebSocket, naming why.
 */
@Timeout(240)
class LiveViewTokenTest {
    private static final Duration TTL = Duration.ofSeconds(10);
    static ControllerProcess controller;
    static String id;
    static String other;

    @BeforeAll
    static void start() throws Exception {
        controller = ControllerProcess.start(Map.of("LIVE_VIEW_TOKEN_TTL", TTL.toSeconds() + "s"));
        assertThat(controller.isAlive()).as(controller.log()).isTrue();
        other = controller.createSession("gemini", "someone-else").get("sessionId").asText();
        id = controller.createSession("gemini", "watcher").get("sessionId").asText();
        JsonNode session = controller.awaitSettled(id, Duration.ofSeconds(120));
        assertThat(session.get("status").asText()).as(session.toString()).isEqualTo("READY");
    }

    @AfterAll
    static void stop() throws Exception {
        if (controller != null) {
            controller.close();
        }
    }

    private static String bareSocket(String session) {
        return controller.baseUrl().replaceFirst("^http", "ws") + "/api/auth/session/" + session + "/novnc/websockify";
    }

    private static String tokenOf(String url) {
        return url.substring(url.indexOf("token=") + "token=".length());
    }

    private static String refusal(RfbViewer viewer) throws Exception {
        return viewer.closed.get(15, TimeUnit.SECONDS);
    }

    private static HttpResponse<String> page(String pathAndQuery, String cookie) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(controller.baseUrl() + pathAndQuery));
        if (cookie != null) {
            request.header("Cookie", cookie);
        }
        return controller.send(request.build());
    }

    @Test
    void withoutAWrongOrAnotherSessionsTokenTheLiveViewIsRefusedAndWithAValidOneItWorks() throws Exception {
        String valid = tokenOf(controller.liveViewSocket(id));
        String othersToken = tokenOf(controller.liveViewSocket(other));
        String tampered = valid.substring(0, valid.length() - 1) + (valid.endsWith("A") ? "B" : "A");

        assertThat(refusal(RfbViewer.connect(bareSocket(id)))).startsWith("1008 bad-token: missing");
        assertThat(refusal(RfbViewer.connect(bareSocket(id) + "?token=" + tampered))).startsWith("1008 bad-token: invalid");
        assertThat(refusal(RfbViewer.connect(bareSocket(id) + "?token=nonsense"))).startsWith("1008 bad-token: invalid");
        assertThat(refusal(RfbViewer.connect(bareSocket(id) + "?token=" + othersToken)))
                .startsWith("1008 bad-token: other-session");

        String novnc = "/api/auth/session/" + id + "/novnc";
        assertThat(page(novnc, null).statusCode()).isEqualTo(401);
        assertThat(ControllerProcess.json(page(novnc, null)).get("error").asText()).isEqualTo("live-view-token-missing");
        assertThat(ControllerProcess.json(page(novnc + "?token=" + othersToken, null)).get("error").asText())
                .isEqualTo("live-view-token-other-session");
        assertThat(page(novnc + "/status", null).statusCode()).isEqualTo(401);
        assertThat(page(novnc + "/vnc.html?path=x", null).statusCode()).isEqualTo(401);

        RfbViewer viewer = RfbViewer.connect(bareSocket(id) + "?token=" + valid).handshake();
        viewer.requestUpdateAndAwaitData(Duration.ofSeconds(10));
        viewer.abort();
    }

    @Test
    void afterTheTokenExpiredItIsRefusedButTheCookieKeepsReloadsAndReconnectsWorking() throws Exception {
        String link = ControllerProcess.json(controller.get("/api/auth/session/" + id)).get("novncURL").asText();
        long issued = System.nanoTime();
        HttpResponse<String> exchange = page(link.substring(controller.baseUrl().length()), null);
        assertThat(exchange.statusCode()).isEqualTo(302);
        assertThat(exchange.headers().firstValue("Location").orElseThrow()).doesNotContain("token=");
        String setCookie = exchange.headers().firstValue("Set-Cookie").orElseThrow();
        assertThat(setCookie).startsWith("vmdesk_live_view=").contains("; Path=/api/auth/session/" + id + "/novnc;")
                .contains("; HttpOnly").contains("; SameSite=Lax");
        String cookie = setCookie.split(";")[0];
        String othersCookie = page(ControllerProcess.json(controller.get("/api/auth/session/" + other))
                .get("novncURL").asText().substring(controller.baseUrl().length()), null)
                .headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
        try (LiveViewBrowser user = LiveViewBrowser.open("chromium", ControllerProcess.json(controller.get(
                "/api/auth/session/" + id)).get("novncURL").asText())) {
            Thread.sleep(Math.max(0, TTL.toMillis() + 1500 - (System.nanoTime() - issued) / 1_000_000));

            assertThat(refusal(RfbViewer.connect(ControllerProcess.socketOf(link)))).startsWith("1008 bad-token: expired");
            assertThat(ControllerProcess.json(page(link.substring(controller.baseUrl().length()), null))
                    .get("error").asText()).isEqualTo("live-view-token-expired");
            // a reconnect (as noVNC's) and a reload carry the cookie, which outlives the link
            RfbViewer reconnect = RfbViewer.connectWithCookie(bareSocket(id), cookie).handshake();
            reconnect.requestUpdateAndAwaitData(Duration.ofSeconds(10));
            reconnect.abort();
            assertThat(page("/api/auth/session/" + id + "/novnc/vnc.html?path=x", cookie).statusCode()).isEqualTo(200);
            assertThat(page("/api/auth/session/" + id + "/novnc/status", cookie).statusCode()).isEqualTo(200);
            assertThat(refusal(RfbViewer.connectWithCookie(bareSocket(id), othersCookie)))
                    .startsWith("1008 bad-token: other-session");
            user.reload();
            assertThat(user.connected()).isTrue();
        }
    }
}
