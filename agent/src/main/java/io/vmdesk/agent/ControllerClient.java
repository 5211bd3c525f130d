package io.vmdesk.agent;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * The controller's agent API, {@code {agentUrl}/api/agent/sessions/{sessionId}}; every call carries
 * {@code Authorization: Bearer <token>}.
 */
public final class ControllerClient implements Events {
    static final int MAX_DETAIL_CHARS = 1000;
    private static final int MAX_RECIPE_CHARS = 1024 * 1024;
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http;
    private final URI base;
    private final String token;

    public ControllerClient(AgentConfig config) {
        this(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NEVER).build(), config);
    }

    ControllerClient(HttpClient http, AgentConfig config) {
        this.http = http;
        this.token = config.token();
        this.base = URI.create(config.agentUrl() + "/api/agent/sessions/"
                + URLEncoder.encode(config.sessionId(), StandardCharsets.UTF_8));
    }

    /** {@code GET …/recipe}: the recipe's JSON text. */
    public String fetchRecipe() throws ControllerException {
        HttpResponse<String> r = call(request("/recipe").GET().build(), "GET recipe");
        if (r.statusCode() != 200) {
            throw new ControllerException("GET recipe answered HTTP " + r.statusCode());
        }
        if (r.body().length() > MAX_RECIPE_CHARS) {
            throw new ControllerException("GET recipe answered more than " + MAX_RECIPE_CHARS + " characters");
        }
        return r.body();
    }

    /** {@code POST …/events}; best effort. */
    @Override
    public void send(String type, String detail) {
        String clean = Scrubber.detail(detail == null ? "" : detail, MAX_DETAIL_CHARS, List.of(token));
        ObjectNode body = JSON.createObjectNode().put("type", type).put("detail", clean);
        Log.info("event " + type + (clean.isEmpty() ? "" : ": " + clean));
        try {
            HttpResponse<String> r = call(json("/events", body), "POST event");
            if (r.statusCode() / 100 != 2) {
                Log.warn("event " + type + " was refused: HTTP " + r.statusCode());
            }
        } catch (ControllerException e) {
            Log.warn("event " + type + " was not delivered: " + e.getMessage());
        }
    }

    /**
     * {@code POST …/credentials}. After success the token no longer works. Retried only when the request surely
     * never reached the controller (connection refused or timed out) or the controller said it is unavailable.
     */
    void sendCredentials(List<Harvester.HarvestedFile> files) throws ControllerException {
        ObjectNode body = JSON.createObjectNode();
        ArrayNode arr = body.putArray("files");
        for (Harvester.HarvestedFile f : files) {
            arr.addObject().put("path", f.path()).put("content", f.content());
        }
        HttpRequest req = json("/credentials", body);
        for (int attempt = 1; ; attempt++) {
            HttpResponse<String> r;
            try {
                r = call(req, "POST credentials");
            } catch (ControllerException e) {
                boolean neverArrived = e.getCause() instanceof ConnectException
                        || e.getCause() instanceof HttpConnectTimeoutException;
                if (!neverArrived || attempt == 3) {
                    throw e;
                }
                sleep(1000L * attempt);
                continue;
            }
            int status = r.statusCode();
            if (status / 100 == 2) {
                if (status != 201) {
                    Log.warn("POST credentials answered HTTP " + status + " (expected 201); taken as success");
                }
                return;
            }
            boolean unavailable = status == 502 || status == 503 || status == 504;
            if (!unavailable || attempt == 3) {
                throw new ControllerException("POST credentials answered HTTP " + status);
            }
            sleep(1000L * attempt);
        }
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(base + path))
                .timeout(REQUEST_TIMEOUT)
                .header("Authorization", "Bearer " + token)
                .header("Accept", "application/json");
    }

    private HttpRequest json(String path, ObjectNode body) {
        try {
            return request(path).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body))).build();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private HttpResponse<String> call(HttpRequest req, String what) throws ControllerException {
        try {
            return http.send(req, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new ControllerException(what + " failed: " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : " " + e.getMessage()), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ControllerException(what + " was interrupted", e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The controller could not be reached or refused the call. The message holds no secret. */
    public static final class ControllerException extends Exception {
        ControllerException(String message) {
            super(message);
        }

        ControllerException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
