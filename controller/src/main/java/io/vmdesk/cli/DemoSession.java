package io.vmdesk.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;

/** The demo uses the controller as a platform would: through its HTTP API. */
final class DemoSession {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newHttpClient();
    private final String localBase;
    private final String publicUrl;
    private String sessionId;

    private final String apiKey;

    DemoSession(String localBase, String publicUrl, String apiKey) {
        this.localBase = localBase;
        this.publicUrl = publicUrl;
        this.apiKey = apiKey;
    }

    /** Creates a session and waits for READY; prints the steps; returns the live-view URL or null on failure. */
    String createAndAwaitReady(String provider, Duration timeout) throws IOException, InterruptedException {
        HttpResponse<String> created = http.send(HttpRequest.newBuilder(URI.create(localBase + "/api/auth/session"))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + apiKey)
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"provider\":\"" + provider + "\",\"userId\":\"demo-user\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        JsonNode body = JSON.readTree(created.body());
        if (created.statusCode() != 201) {
            System.err.println("vmdesk demo: POST /api/auth/session answered " + created.statusCode() + ": " + body);
            return null;
        }
        sessionId = body.get("sessionId").asText();
        System.out.println("session " + sessionId + " created at " + body.get("browserIP").asText()
                + ", waiting for READY…");
        Instant deadline = Instant.now().plus(timeout);
        JsonNode session = get();
        while (session.get("status").asText().equals("STARTING") && Instant.now().isBefore(deadline)) {
            Thread.sleep(250);
            session = get();
        }
        for (JsonNode step : session.get("steps")) {
            System.out.printf("  %-14s %-6s %6d ms  %s%n", step.get("name").asText(), step.get("outcome").asText(),
                    step.get("millis").asLong(), step.path("detail").asText(""));
        }
        if (!session.get("status").asText().equals("READY")) {
            System.err.println("vmdesk demo: the session is " + session.get("status").asText() + ": "
                    + session.path("endedReason").asText("still starting"));
            if (!session.path("diagnosis").isNull()) {
                System.err.println(session.path("diagnosis").asText(""));
            }
            return null;
        }
        // the latest answer's link: its token is the freshest (LIVE_VIEW_TOKEN_TTL)
        return session.get("novncURL").asText();
    }

    private JsonNode get() throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(localBase
                + "/api/auth/session/" + sessionId)).header("Authorization", "Bearer " + apiKey).build(),
                HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(response.body());
    }

    void delete() throws IOException, InterruptedException {
        http.send(HttpRequest.newBuilder(URI.create(localBase + "/api/auth/session/" + sessionId))
                        .header("Authorization", "Bearer " + apiKey).DELETE().build(),
                HttpResponse.BodyHandlers.discarding());
    }

    String sessionUrl() {
        return publicUrl + "/api/auth/session/" + sessionId;
    }

    /** The live-view URL as reachable from this process (the public URL may name another address). */
    String localUrl(String url) {
        return url.startsWith(publicUrl) ? localBase + url.substring(publicUrl.length()) : url;
    }
}
