package io.vmdesk.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Requests the controller used to accept or answer badly, against the real controller (every response held against
 * /api/openapi.json): unknown fields and control characters are refused with 400, the dashboard's event stream asks
 * for its Accept header, and keep-alive on an ended session answers the operator's browser with a page, not JSON.
 */
@Timeout(300)
class InputRefusalsTest {
    static ControllerProcess controller;

    @BeforeAll
    static void start() throws Exception {
        controller = ControllerProcess.start(Map.of());
    }

    @AfterAll
    static void stop() throws Exception {
        if (controller != null) {
            controller.close();
        }
    }

    private static JsonNode jsonError(HttpResponse<String> response, int status, String error) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
        JsonNode body = ControllerProcess.json(response);
        assertThat(body.get("error").asText()).isEqualTo(error);
        return body;
    }

    @Test
    void anUnknownFieldInASessionRequestIsRefusedByName() throws Exception {
        JsonNode body = jsonError(controller.post("/api/auth/session",
                "{\"provider\":\"codex\",\"userId\":\"u\",\"userID\":\"typo\"}"), 400, "unknown-field");
        assertThat(body.get("detail").asText()).isEqualTo("'userID' is not a field of this request; send only provider "
                + "and userId, e.g. {\"provider\":\"codex\",\"userId\":\"u1\"}");
        JsonNode nested = jsonError(controller.post("/api/auth/session",
                "{\"provider\":\"codex\",\"userId\":\"u\",\"options\":{\"x\":1}}"), 400, "unknown-field");
        assertThat(nested.get("detail").asText()).startsWith("'options' is not a field");
        JsonNode control = jsonError(controller.post("/api/auth/session",
                "{\"provider\":\"codex\",\"userId\":\"u\",\"a\\u0000b\":1}"), 400, "unknown-field");
        assertThat(control.get("detail").asText()).startsWith("'a\\u0000b' is not a field");
        // ambiguous bodies are refused, not guessed: a repeated key, or more after the object
        JsonNode twice = jsonError(controller.post("/api/auth/session",
                "{\"provider\":\"codex\",\"userId\":\"u\",\"provider\":\"gemini\"}"), 400, "invalid-json");
        assertThat(twice.get("detail").asText()).contains("Duplicate field 'provider'");
        jsonError(controller.post("/api/auth/session", "{\"provider\":\"codex\",\"userId\":\"u\"} trailing"), 400,
                "invalid-json");
        assertThat(ControllerProcess.json(controller.get("/api/auth/sessions?userId=u")).get("count").asInt()).isZero();
    }

    @Test
    void aUserIdWithControlCharactersIsRefused() throws Exception {
        for (String userId : new String[] {"a\\u0000", "\\u0000", "alice\\n", "al\\tice", "bob\\u007f"}) {
            JsonNode body = jsonError(controller.post("/api/auth/session",
                    "{\"provider\":\"codex\",\"userId\":\"" + userId + "\"}"), 400, "invalid-field");
            assertThat(body.get("detail").asText()).startsWith("userId must be 1-128 characters");
        }
        for (String query : new String[] {"a%00", "%00", "alice%0A", "al%09ice", "%7F"}) {
            JsonNode body = jsonError(controller.get("/api/auth/sessions?userId=" + query), 400, "invalid-field");
            assertThat(body.get("detail").asText()).startsWith("userId must be 1-128 characters")
                    .doesNotContain("\u0000");
        }
        assertThat(controller.get("/api/auth/sessions?userId=alice").statusCode()).isEqualTo(200);
        assertThat(ControllerProcess.json(controller.get("/api/auth/sessions")).get("sessions").findValuesAsText("userId"))
                .allMatch(u -> u.chars().noneMatch(Character::isISOControl));
    }

    @Test
    void theDashboardsEventStreamWithoutAcceptIsA406AndKeepAliveOnAnEndedSessionShowsAPage() throws Exception {
        String cookie = login();
        HttpResponse<String> noAccept = controller.send(dashboard("/dashboard/events", cookie).GET().build());
        JsonNode body = jsonError(noAccept, 406, "not-acceptable");
        assertThat(body.get("detail").asText()).contains("Accept: text/event-stream");
        HttpResponse<String> html = controller.send(dashboard("/dashboard/events", cookie)
                .header("Accept", "text/html").GET().build());
        jsonError(html, 406, "not-acceptable");
        // without a login it is still 401 first
        assertThat(controller.send(HttpRequest.newBuilder(URI.create(controller.baseUrl() + "/dashboard/events"))
                .build()).statusCode()).isEqualTo(401);

        String id = controller.createSession("codex", "dash-ended").get("sessionId").asText();
        assertThat(controller.delete("/api/auth/session/" + id).statusCode()).isEqualTo(200);
        JsonNode ended = controller.awaitFinal(id, Duration.ofSeconds(60));
        assertThat(ended.get("status").asText()).isEqualTo("ENDED");

        HttpResponse<String> extend = controller.send(dashboard("/dashboard/session/" + id + "/extend", cookie)
                .POST(HttpRequest.BodyPublishers.noBody()).build());
        assertThat(extend.statusCode()).as(extend.body()).isEqualTo(303);
        String location = extend.headers().firstValue("Location").orElseThrow();
        assertThat(location).isEqualTo("/dashboard/session/" + id + "?notice=session-not-live");

        HttpResponse<String> page = controller.send(dashboard(location, cookie).GET().build());
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
        assertThat(page.body()).contains("<p class=\"error\" id=\"notice\" role=\"alert\">Keep alive did nothing: the "
                + "session is ENDED (deleted), so there is no idle clock to restart.");
        // the notice is one of a fixed set: nothing from the URL reaches the page
        HttpResponse<String> other = controller.send(dashboard("/dashboard/session/" + id
                + "?notice=%3Cscript%3E", cookie).GET().build());
        assertThat(other.body()).doesNotContain("id=\"notice\"").doesNotContain("<script>");
    }

    /** Logs in to the dashboard with the controller's admin key; @return the cookie to send. */
    @Test
    void revokingTheKeyEndsAnOpenDashboardStream() throws Exception {
        String key;
        String keyId;
        try (io.vmdesk.store.Store store = io.vmdesk.store.Store.open("jdbc:sqlite:"
                + controller.dataDir.resolve("vmdesk.db"))) {
            io.vmdesk.auth.ApiKeys keys = new io.vmdesk.auth.ApiKeys(store, java.time.Clock.systemUTC());
            key = keys.create("revoke-me", java.util.Set.of(io.vmdesk.auth.Scope.ADMIN));
            keyId = keys.authenticate(key).orElseThrow().id();
        }
        HttpResponse<String> loggedIn = controller.send(HttpRequest.newBuilder(URI.create(controller.baseUrl()
                + "/dashboard/login")).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("key=" + key)).build());
        String cookie = loggedIn.headers().firstValue("Set-Cookie").orElseThrow().split(";", 2)[0];
        HttpResponse<java.util.stream.Stream<String>> stream = java.net.http.HttpClient.newHttpClient().send(
                dashboard("/dashboard/events", cookie).header("Accept", "text/event-stream").GET().build(),
                HttpResponse.BodyHandlers.ofLines());
        assertThat(stream.statusCode()).isEqualTo(200);
        java.util.concurrent.CompletableFuture<List<String>> lines = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> stream.body().toList());
        Thread.sleep(1000);
        assertThat(lines).as("the stream stays open while the login is live").isNotDone();
        try (io.vmdesk.store.Store store = io.vmdesk.store.Store.open("jdbc:sqlite:"
                + controller.dataDir.resolve("vmdesk.db"))) {
            assertThat(store.apiKeys().revoke(keyId, java.time.Instant.now())).isTrue();
        }
        // ended at the next host refresh (every 5 s), with a last event that tells the page why
        assertThat(lines.get(15, java.util.concurrent.TimeUnit.SECONDS)).contains("event: logout");
    }

    @Test
    void aDashboardFormPostedFromAnotherOriginIsRefused() throws Exception {
        String cookie = login();
        String id = controller.createSession("codex", "dash-origin").get("sessionId").asText();
        HttpResponse<String> foreign = controller.send(dashboard("/dashboard/session/" + id + "/end", cookie)
                .header("Origin", "http://127.0.0.1:9999").POST(HttpRequest.BodyPublishers.noBody()).build());
        JsonNode refusal = jsonError(foreign, 403, "cross-origin");
        assertThat(refusal.get("detail").asText()).contains("posted from http://127.0.0.1:9999");
        assertThat(ControllerProcess.json(controller.get("/api/auth/session/" + id)).get("status").asText())
                .isIn("STARTING", "READY");
        HttpResponse<String> own = controller.send(dashboard("/dashboard/session/" + id + "/end", cookie)
                .header("Origin", controller.baseUrl()).POST(HttpRequest.BodyPublishers.noBody()).build());
        assertThat(own.statusCode()).as(own.body()).isEqualTo(303);
    }

    private static String login() throws Exception {
        HttpResponse<String> response = controller.send(HttpRequest.newBuilder(URI.create(controller.baseUrl()
                + "/dashboard/login")).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("key=" + controller.controller.apiKey())).build());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(303);
        return response.headers().firstValue("Set-Cookie").orElseThrow().split(";", 2)[0];
    }

    private static HttpRequest.Builder dashboard(String path, String cookie) {
        return HttpRequest.newBuilder(URI.create(controller.baseUrl() + path)).header("Cookie", cookie);
    }
}
