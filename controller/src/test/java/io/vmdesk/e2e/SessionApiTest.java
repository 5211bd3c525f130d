package io.vmdesk.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmdesk.host.HostCommands;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/** The API against the real controller with MAX_SESSIONS=3: bad input, concurrency, admission, live-view sockets. */
@Timeout(300)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SessionApiTest {
    static ControllerProcess controller;

    @BeforeAll
    static void start() throws Exception {
        controller = ControllerProcess.start(Map.of("MAX_SESSIONS", "3", "VIEWER_WAIT_TIMEOUT", "2s"));
        assertThat(controller.isAlive()).as(controller.log()).isTrue();
    }

    @AfterAll
    static void stop() throws Exception {
        if (controller != null) {
            controller.close();
        }
    }

    private static void assertJsonError(HttpResponse<String> response, int status, String error) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
        JsonNode body = ControllerProcess.json(response);
        assertThat(body.get("error").asText()).isEqualTo(error);
        assertThat(body.get("detail").asText()).isNotBlank();
    }

    @Test
    @Order(1)
    void badInputGetsAFourHundredJsonErrorAndTheControllerKeepsServing() throws Exception {
        assertJsonError(controller.post("/api/auth/session", "{\"provider\": claude_code"), 400, "invalid-json");
        assertJsonError(controller.post("/api/auth/session", "[1,2]"), 400, "invalid-json");
        assertJsonError(controller.post("/api/auth/session", ""), 400, "invalid-json");
        assertJsonError(controller.post("/api/auth/session", "{\"provider\":\"myspace\",\"userId\":\"u\"}"), 400,
                "unknown-provider");
        assertJsonError(controller.post("/api/auth/session", "{\"userId\":\"u\"}"), 400, "missing-field");
        assertJsonError(controller.post("/api/auth/session", "{\"provider\":\"oidc\",\"userId\":\"u\"}"), 400,
                "provider-not-configured");
        assertJsonError(controller.post("/api/auth/session", "{\"provider\":\"codex\"}"), 400, "missing-field");
        assertJsonError(controller.post("/api/auth/session", "{\"provider\":\"codex\",\"userId\":42}"), 400,
                "invalid-field");
        String tenMegabytes = "{\"provider\":\"" + "x".repeat(10 * 1024 * 1024) + "\"}";
        // on a client of its own: the server drops a connection whose oversized body it did not read
        HttpResponse<String> big = controller.checked(java.net.http.HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(controller.baseUrl() + "/api/auth/session")).header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + controller.controller.apiKey())
                .POST(HttpRequest.BodyPublishers.ofString(tenMegabytes)).build(), HttpResponse.BodyHandlers.ofString()));
        assertThat(big.statusCode()).isEqualTo(413);
        assertThat(ControllerProcess.json(big).get("error").asText()).isEqualTo("request-too-large");
        assertJsonError(controller.get("/api/auth/session/not-a-session"), 400, "invalid-session-id");
        assertJsonError(controller.get("/api/auth/session/00000000-0000-0000-0000-000000000000"), 404,
                "session-not-found");
        assertJsonError(controller.delete("/api/auth/session/00000000-0000-0000-0000-000000000000"), 404,
                "session-not-found");
        assertJsonError(controller.get("/api/auth/sessions?status=SLEEPING"), 400, "invalid-status");
        assertJsonError(controller.get("/api/no-such-thing"), 404, "not-found");
        HttpResponse<String> form = controller.send(HttpRequest.newBuilder(URI.create(controller.baseUrl()
                + "/api/auth/session")).header("Content-Type", "text/plain")
                .header("Authorization", "Bearer " + controller.controller.apiKey()).POST(HttpRequest.BodyPublishers.ofString(
                "{\"provider\":\"codex\",\"userId\":\"u\"}")).build());
        assertJsonError(form, 415, "unsupported-media-type");

        // the platform's API needs a key with the right scope
        HttpResponse<String> anonymous = controller.send(HttpRequest.newBuilder(URI.create(controller.baseUrl()
                + "/api/auth/sessions")).build());
        assertJsonError(anonymous, 401, "missing-api-key");
        String readOnly;
        try (io.vmdesk.store.Store store = io.vmdesk.store.Store.open("jdbc:sqlite:"
                + controller.dataDir.resolve("vmdesk.db"))) {
            readOnly = new io.vmdesk.auth.ApiKeys(store, java.time.Clock.systemUTC()).create("reader",
                    java.util.Set.of(io.vmdesk.auth.Scope.SESSIONS_READ));
        }
        HttpResponse<String> refused = controller.send(HttpRequest.newBuilder(URI.create(controller.baseUrl()
                + "/api/auth/session")).header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + readOnly)
                .POST(HttpRequest.BodyPublishers.ofString("{\"provider\":\"codex\",\"userId\":\"u\"}")).build());
        assertJsonError(refused, 403, "forbidden");

        assertThat(controller.get("/api/health").statusCode()).isEqualTo(200);
        assertThat(controller.isAlive()).isTrue();
        assertThat(ControllerProcess.json(controller.get("/api/auth/sessions")).get("count").asInt()).isZero();
    }

    @Test
    @Order(2)
    void aLiveViewOfAnUnknownSessionClosesWith4404() throws Exception {
        RfbViewer probe = RfbViewer.connect(controller.baseUrl().replace("http", "ws")
                + "/api/auth/session/00000000-0000-0000-0000-000000000000/novnc/websockify");
        assertThat(probe.closed.get(10, TimeUnit.SECONDS)).startsWith("4404 session-not-found");
    }

    @Test
    @Order(3)
    void threeConcurrentSessionsAreDistinctAndReachableAndAFourthIsRefused() throws Exception {
        List<JsonNode> created = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(3)) {
            List<Future<JsonNode>> futures = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                String user = "user-" + i;
                futures.add(pool.submit(() -> controller.createSession("codex", user)));
            }
            for (Future<JsonNode> f : futures) {
                created.add(f.get());
            }
        }
        HttpResponse<String> fourth = controller.post("/api/auth/session", "{\"provider\":\"gemini\",\"userId\":\"u4\"}");
        assertJsonError(fourth, 429, "too-many-sessions");
        assertThat(fourth.headers().firstValue("Retry-After")).isPresent();

        var addresses = new HashSet<String>();
        var macs = new HashSet<String>();
        for (JsonNode c : created) {
            String id = c.get("sessionId").asText();
            JsonNode session = controller.awaitSettled(id, Duration.ofSeconds(150));
            assertThat(session.get("status").asText()).as(session.toString()).isEqualTo("READY");
            addresses.add(session.get("browserIP").asText());
            macs.add(session.get("mac").asText());
            // reachable through the controller's proxy: the guest's RFB banner arrives over the WebSocket
            String ws = ControllerProcess.socketOf(c.get("novncURL").asText());
            RfbViewer offered = RfbViewer.connect(ws, "binary");
            assertThat(offered.banner()).startsWith("RFB 003.00");
            assertThat(offered.subprotocol()).isEqualTo("binary");
            offered.abort();
            RfbViewer both = RfbViewer.connect(ws, "binary", "base64"); // what noVNC before 1.2 offered
            assertThat(both.banner()).startsWith("RFB 003.00");
            assertThat(both.subprotocol()).isEqualTo("binary");
            both.abort();
            RfbViewer plain = RfbViewer.connect(ws);
            assertThat(plain.banner()).startsWith("RFB 003.00");
            assertThat(plain.subprotocol()).isEmpty();
            plain.abort();
        }
        assertThat(addresses).hasSize(3);
        assertThat(macs).hasSize(3);

        // guests reach neither each other nor the platform API; their agent channel stays open to them
        String first = created.get(0).get("sessionId").asText();
        String guestNs = controller.guestNamespaces().stream()
                .filter(ns -> ns.endsWith(first.replace("-", "").substring(0, 12))).findFirst().orElseThrow();
        HostCommands inGuest = new HostCommands(guestNs);
        String other = ControllerProcess.json(controller.get("/api/auth/session/" + created.get(1).get("sessionId")
                .asText())).get("browserIP").asText();
        assertThat(inGuest.run(Duration.ofSeconds(10), "timeout", "3", "bash", "-c",
                "exec 3<>/dev/tcp/" + other + "/5900 && head -c 12 <&3").stdout()).doesNotContain("RFB");
        assertThat(inGuest.run(Duration.ofSeconds(10), "timeout", "5", "bash", "-c",
                "exec 3<>/dev/tcp/192.168.100.1/4000; printf 'GET /api/auth/sessions HTTP/1.0\\r\\n\\r\\n' >&3;"
                        + " head -c 12 <&3").stdout()).startsWith("HTTP/1.1 403");

        // a viewer watching a session that is deleted gets a close frame with the reason
        String id = created.get(0).get("sessionId").asText();
        RfbViewer watcher = RfbViewer.connect(ControllerProcess.socketOf(created.get(0).get("novncURL").asText()));
        watcher.banner();
        controller.delete("/api/auth/session/" + id);
        assertThat(watcher.closed.get(20, TimeUnit.SECONDS)).startsWith("1000 session-ended");
        JsonNode ended = ControllerProcess.json(controller.get("/api/auth/session/" + id));
        assertThat(ended.get("lastDisconnect").asText()).contains("session-ended");

        for (JsonNode c : created) {
            controller.delete("/api/auth/session/" + c.get("sessionId").asText());
        }
        assertThat(controller.links("vmd")).isEmpty();
        assertThat(controller.guestNamespaces()).isEmpty();
        assertThat(controller.guestProcesses()).isEmpty();
    }

    @Test
    @Order(4)
    void theLiveViewPageRedirectsToNoVncWithAnExplicitPath() throws Exception {
        JsonNode created = controller.createSession("gemini", "page-user");
        String id = created.get("sessionId").asText();
        try {
            String link = created.get("novncURL").asText().substring(controller.baseUrl().length());
            HttpResponse<String> page = controller.get(link);
            assertThat(page.statusCode()).isEqualTo(302);
            String cookie = page.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
            assertThat(page.headers().firstValue("Location").orElseThrow())
                    .contains("/api/auth/session/" + id + "/novnc/vnc.html?")
                    .contains("path=api/auth/session/" + id + "/novnc/websockify").contains("autoconnect=true")
                    .contains("resize=scale");
            HttpResponse<String> html = controller.send(HttpRequest.newBuilder(URI.create(controller.baseUrl()
                    + page.headers().firstValue("Location").orElseThrow())).header("Cookie", cookie).build());
            assertThat(html.statusCode()).isEqualTo(200);
            assertThat(html.body()).contains("noVNC");
            HttpResponse<String> js = controller.get("/api/auth/session/" + id + "/novnc/app/ui.js");
            // the page's banner reads the session's status without an API key, with the live-view cookie
            HttpResponse<String> status = controller.send(HttpRequest.newBuilder(URI.create(controller.baseUrl()
                    + "/api/auth/session/" + id + "/novnc/status")).header("Cookie", cookie).build());
            assertThat(status.statusCode()).isEqualTo(200);
            assertThat(ControllerProcess.json(status).get("status").asText()).isIn("STARTING", "READY");
            assertThat(js.headers().firstValue("Content-Type").orElse("")).startsWith("text/javascript");
        } finally {
            controller.delete("/api/auth/session/" + id);
        }
    }

    @Test
    @Order(5)
    void creatingViewingAndDeletingASessionMovesTheRightMetrics() throws Exception {
        Map<String, Double> before = metrics();
        JsonNode created = controller.createSession("codex", "metrics-user");
        String id = created.get("sessionId").asText();
        assertThat(controller.awaitSettled(id, Duration.ofSeconds(120)).get("status").asText()).isEqualTo("READY");
        Map<String, Double> ready = metrics();
        assertThat(ready.get("vmdesk_sessions{status=\"READY\"}")).isEqualTo(1.0);
        assertThat(ready.get("vmdesk_pool_leased")).isEqualTo(1.0);
        assertThat(delta(before, ready, "vmdesk_session_ready_seconds_count")).isEqualTo(1.0);
        assertThat(delta(before, ready, "vmdesk_session_step_seconds_count{outcome=\"ok\",step=\"guest.start\"}"))
                .isEqualTo(1.0);

        RfbViewer viewer = RfbViewer.connect(ControllerProcess.socketOf(created.get("novncURL").asText()))
                .handshake();
        viewer.requestUpdateAndAwaitData(Duration.ofSeconds(10));
        assertThat(metrics().get("vmdesk_proxy_connections")).isEqualTo(1.0);
        controller.delete("/api/auth/session/" + id);
        viewer.closed.get(10, TimeUnit.SECONDS);

        Map<String, Double> after = metrics();
        assertThat(delta(before, after, "vmdesk_proxy_connections_opened_total")).isEqualTo(1.0);
        assertThat(delta(before, after, "vmdesk_proxy_closes_total{code=\"1000\"}")).isEqualTo(1.0);
        assertThat(delta(before, after, "vmdesk_proxy_bytes_total{direction=\"to_browser\"}")).isGreaterThan(12.0);
        assertThat(delta(before, after, "vmdesk_proxy_bytes_total{direction=\"to_guest\"}")).isGreaterThan(12.0);
        assertThat(delta(before, after, "vmdesk_sessions_ended_total{reason=\"deleted\",status=\"ENDED\"}"))
                .isEqualTo(1.0);
        assertThat(after.get("vmdesk_sessions{status=\"READY\"}")).isZero();
        assertThat(after.get("vmdesk_pool_leased")).isZero();
        assertThat(after.get("vmdesk_proxy_connections")).isZero();
        assertThat(after).containsKey("jvm_memory_used_bytes{area=\"heap\",id=\"G1 Eden Space\"}");
    }

    /** The Prometheus text format, as a scraper reads it: "name{labels} value" per sample. */
    private static Map<String, Double> metrics() throws Exception {
        HttpResponse<String> response = controller.get("/metrics");
        assertThat(response.statusCode()).isEqualTo(200);
        Map<String, Double> samples = new java.util.HashMap<>();
        for (String line : response.body().lines().toList()) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int space = line.lastIndexOf(' ');
            samples.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
        }
        return samples;
    }

    private static double delta(Map<String, Double> before, Map<String, Double> after, String series) {
        assertThat(after).as("series %s", series).containsKey(series);
        return after.get(series) - before.getOrDefault(series, 0.0);
    }
}
