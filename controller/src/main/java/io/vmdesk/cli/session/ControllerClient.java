package io.vmdesk.cli.session;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The session API of a running controller, as the CLI uses it: every failure becomes a {@link ControllerException}
 * whose message says what happened and what to do (never a stack trace).
 */
final class ControllerClient {
    static final ObjectMapper JSON = new ObjectMapper();

    private final String baseUrl;
    private final String apiKey;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    ControllerClient(String baseUrl, String apiKey) {
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.apiKey = apiKey;
    }

    String baseUrl() {
        return baseUrl;
    }

    JsonNode get(String path) throws ControllerException {
        return send(request(path).GET().build());
    }

    JsonNode post(String path, Object body) throws ControllerException {
        try {
            return send(request(path).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    JsonNode delete(String path) throws ControllerException {
        return send(request(path).DELETE().build());
    }

    /** Reads a server-sent events stream until the controller ends it; each event's data goes to {@code onData}. */
    void events(String path, Consumer<JsonNode> onData) throws ControllerException {
        // the timeout bounds the wait for the response's head; the stream itself lasts as long as the session
        HttpRequest request = request(path).header("Accept", "text/event-stream").build();
        HttpResponse<Stream<String>> response = exchange(request, HttpResponse.BodyHandlers.ofLines());
        if (response.statusCode() != 200) {
            throw refused(response.statusCode(), String.join("\n", response.body().toList()));
        }
        // The controller ends the stream after the session's final status; a stream that ends before one (or breaks)
        // means the controller went away, which a script following a session must not take for the session's end.
        java.util.concurrent.atomic.AtomicBoolean finished = new java.util.concurrent.atomic.AtomicBoolean();
        try (Stream<String> lines = response.body()) {
            lines.filter(l -> l.startsWith("data:")).map(l -> parse(l.substring(5).trim()))
                    .filter(java.util.Objects::nonNull).forEach(event -> {
                        onData.accept(event);
                        if ("status".equals(event.path("type").asText()) && isFinal(event.path("status").asText())) {
                            finished.set(true);
                        }
                        if (event.has("error")) {
                            finished.set(true); // e.g. session-not-found: the controller said all it will say
                        }
                    });
        } catch (java.io.UncheckedIOException broken) {
            // the connection broke: said below
        }
        if (!finished.get()) {
            throw new ControllerException("the controller at " + baseUrl + " ended the event stream before the session "
                    + "ended: did the controller stop? (check it with `vmdesk session show ID` once it is back)",
                    ControllerException.EXIT_UNREACHABLE);
        }
    }

    private static boolean isFinal(String status) {
        try {
            return io.vmdesk.session.SessionStatus.valueOf(status).isFinal();
        } catch (IllegalArgumentException unknown) {
            return false;
        }
    }

    private HttpRequest.Builder request(String path) throws ControllerException {
        URI uri;
        try {
            uri = URI.create(baseUrl + path);
        } catch (IllegalArgumentException e) {
            uri = null;
        }
        if (uri == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
            throw new ControllerException("'" + baseUrl + "' is not an http:// or https:// URL; set --url (or "
                    + "VMDESK_URL) to the controller's address, e.g. http://127.0.0.1:4000",
                    ControllerException.EXIT_UNREACHABLE);
        }
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60));
        if (apiKey != null && !apiKey.isBlank()) {
            builder.header("Authorization", "Bearer " + apiKey);
        }
        return builder;
    }

    private JsonNode send(HttpRequest request) throws ControllerException {
        HttpResponse<String> response = exchange(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() >= 400) {
            throw refused(response.statusCode(), response.body());
        }
        JsonNode body = parse(response.body());
        if (body == null) {
            throw new ControllerException("the answer from " + request.uri() + " is not JSON: is " + baseUrl
                    + " the vmdesk controller? Set --url (or VMDESK_URL) to it", ControllerException.EXIT_REFUSED);
        }
        return body;
    }

    private <T> HttpResponse<T> exchange(HttpRequest request, HttpResponse.BodyHandler<T> handler)
            throws ControllerException {
        try {
            return http.send(request, handler);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ControllerException("interrupted", ControllerException.EXIT_UNREACHABLE);
        } catch (IOException | IllegalArgumentException e) {
            throw new ControllerException("cannot reach the controller at " + baseUrl + ": " + why(e)
                    + " — start it with ./vmdesk serve or set --url (or VMDESK_URL)",
                    ControllerException.EXIT_UNREACHABLE);
        }
    }

    /** The cause in a few words: HttpClient's own messages are often empty or generic. */
    private static String why(Exception e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof HttpConnectTimeoutException) {
                return "connection timed out";
            }
            if (t instanceof ConnectException && (t.getMessage() == null || t.getMessage().isBlank()
                    || t.getMessage().toLowerCase(java.util.Locale.ROOT).contains("refused"))) {
                return "connection refused";
            }
            if (t instanceof UnresolvedAddressException) {
                return "unknown host";
            }
            if (t instanceof HttpTimeoutException) {
                return "no answer within 60 s";
            }
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /** The controller's {@code {error, detail}} as one message; 401 also says where the CLI takes its key from. */
    private static ControllerException refused(int status, String body) {
        String error = null;
        String detail = body;
        try {
            JsonNode node = JSON.readTree(body);
            if (node != null && node.has("detail")) {
                error = node.path("error").asText(null);
                detail = node.get("detail").asText();
            }
        } catch (JsonProcessingException notJson) {
            // a proxy's HTML error page, say: show it as it is
        }
        StringBuilder message = new StringBuilder("the controller answered ").append(status);
        if (error != null) {
            message.append(' ').append(error);
        }
        message.append(": ").append(detail == null || detail.isBlank() ? "(no detail)" : detail.strip());
        if (status == 401) {
            message.append(" — the CLI sends the key given with --api-key or in VMDESK_API_KEY");
        }
        return new ControllerException(message.toString(), ControllerException.EXIT_REFUSED);
    }

    /** The body as JSON, or null when it is not JSON. */
    private static JsonNode parse(String body) {
        try {
            JsonNode node = JSON.readTree(body);
            return node == null || node.isMissingNode() ? null : node;
        } catch (JsonProcessingException e) {
            return null;
        }
    }
}
