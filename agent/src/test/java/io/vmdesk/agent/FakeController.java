package io.vmdesk.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/** The controller's agent API as the contract describes it, recording what the agent sends. */
final class FakeController implements AutoCloseable {
    record Event(String type, String detail) {}

    static final ObjectMapper JSON = new ObjectMapper();

    final String sessionId = "sess-" + UUID.randomUUID().toString().substring(0, 8);
    final String token = "agent-token-" + UUID.randomUUID();
    final AtomicInteger unauthorized = new AtomicInteger();
    final List<Event> events = java.util.Collections.synchronizedList(new ArrayList<>());
    volatile String recipe;
    volatile JsonNode credentials;
    /** Runs while the credentials POST is being answered, before the agent wipes anything. */
    volatile Runnable onCredentials = () -> {};
    /** What {@code POST …/credentials} answers; anything but 201 leaves the token valid. */
    volatile int credentialsStatus = 201;
    private volatile boolean spent;
    private final HttpServer server;

    FakeController() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.createContext("/", this::handle);
        server.setExecutor(Executors.newCachedThreadPool());
        server.start();
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    List<String> eventTypes() {
        synchronized (events) {
            return events.stream().map(Event::type).toList();
        }
    }

    Event lastEvent() {
        synchronized (events) {
            return events.get(events.size() - 1);
        }
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String prefix = "/api/agent/sessions/" + sessionId + "/";
            String path = ex.getRequestURI().getPath();
            if (!path.startsWith(prefix)) {
                respond(ex, 404, "");
                return;
            }
            if (spent || !("Bearer " + token).equals(ex.getRequestHeaders().getFirst("Authorization"))) {
                unauthorized.incrementAndGet();
                respond(ex, 401, "{\"error\":\"unauthorized\"}");
                return;
            }
            String what = ex.getRequestMethod() + " " + path.substring(prefix.length());
            byte[] body = ex.getRequestBody().readAllBytes();
            switch (what) {
                case "GET recipe" -> respond(ex, 200, recipe);
                case "POST events" -> {
                    JsonNode e = JSON.readTree(body);
                    events.add(new Event(e.path("type").asText(), e.path("detail").asText()));
                    respond(ex, 204, null);
                }
                case "POST credentials" -> {
                    if (credentialsStatus != 201) {
                        respond(ex, credentialsStatus, "{\"error\":\"rejected\"}");
                        return;
                    }
                    credentials = JSON.readTree(body);
                    onCredentials.run();
                    spent = true;
                    respond(ex, 201, "{}");
                }
                default -> respond(ex, 404, "");
            }
        }
    }

    private static void respond(HttpExchange ex, int status, String body) throws IOException {
        if (body == null) {
            ex.sendResponseHeaders(status, -1);
            return;
        }
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
        if (b.length > 0) {
            ex.getResponseBody().write(b);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
