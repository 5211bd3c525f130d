package io.vmdesk.dashboard;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.sse.SseClient;
import io.vmdesk.session.SessionIds;
import io.vmdesk.session.SessionManager;
import io.vmdesk.session.SessionEvents;
import io.vmdesk.store.SessionRow;
import io.vmdesk.store.StepRow;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * {@code GET /dashboard/events}: server-sent events for the dashboard — a {@code session} event with a session's table
 * row whenever one of its steps or status changes (and one per session on connect), a {@code host} event with the host
 * panel after each and every {@link #HOST_REFRESH}; with {@code ?session=ID}, also that session's {@code step} events for its timeline.
 */
final class LiveFeed {
    /** The most sessions sent on connect: the table is for watching, the API is for searching. */
    static final int INITIAL_ROWS = 200;
    static final Duration HOST_REFRESH = Duration.ofSeconds(5);
    private static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new com.fasterxml.jackson.datatype.jsr310.JavaTimeModule())
            .disable(com.fasterxml.jackson.databind.SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    private final SessionManager sessions;
    private final Supplier<Map<String, Object>> host;

    LiveFeed(SessionManager sessions, Supplier<Map<String, Object>> host) {
        this.sessions = sessions;
        this.host = host;
    }

    /** A session's row in the table: display strings by field name (the page's cells carry the same names). */
    static Map<String, String> cells(SessionRow row) {
        Map<String, String> cells = new LinkedHashMap<>();
        cells.put("sessionId", row.id());
        cells.put("status", row.status());
        cells.put("userId", row.userId());
        cells.put("provider", row.provider());
        cells.put("browserIP", row.browserIp() == null ? "–" : row.browserIp());
        cells.put("createdAt", Html.time(row.createdAt()));
        cells.put("readyAfter", row.readyAt() == null ? "–"
                : Duration.between(row.createdAt(), row.readyAt()).toMillis() + " ms");
        cells.put("endedAt", Html.time(row.endedAt()));
        return cells;
    }

    void handle(SseClient client, java.util.function.BooleanSupplier loggedIn) {
        String only = client.ctx().queryParam("session");
        String followed = only != null && SessionIds.isValid(only) ? only : null;
        CountDownLatch closed = new CountDownLatch(1);
        // Follow first, then send the snapshot: a change in between is sent twice rather than lost.
        Runnable unfollow = sessions.followAll((id, event) -> {
            if (followed != null && followed.equals(id) && "step".equals(event.get("type"))) {
                Map<String, Object> step = new LinkedHashMap<>(event);
                step.put("sessionId", id);
                send(client, "step", step);
            }
            sessions.find(id).ifPresent(row -> send(client, "session", cells(row)));
            send(client, "host", host.get());
        });
        client.onClose(() -> {
            unfollow.run();
            closed.countDown();
        });
        List<SessionRow> rows = followed != null ? sessions.find(followed).stream().toList()
                : sessions.list(null, null).stream().limit(INITIAL_ROWS).toList();
        if (followed != null) {
            // the steps recorded after the page was rendered (it says how many it showed)
            List<StepRow> steps = sessions.steps(followed);
            int shown = Math.min(steps.size(), Math.max(0, parse(client.ctx().queryParam("after"))));
            for (StepRow step : steps.subList(shown, steps.size())) {
                Map<String, Object> event = new LinkedHashMap<>(SessionEvents.asEvent(step));
                event.put("sessionId", followed);
                send(client, "step", event);
            }
        }
        for (SessionRow row : rows.reversed()) {
            send(client, "session", cells(row));
        }
        send(client, "host", host.get());
        try {
            // the host panel now and then (heap, doctor summary): it also keeps proxies from closing the stream, and a
            // browser that left is noticed
            while (!closed.await(HOST_REFRESH.toMillis(), TimeUnit.MILLISECONDS)) {
                synchronized (client) {
                    if (client.terminated()) {
                        break;
                    }
                }
                if (!loggedIn.getAsBoolean()) {
                    send(client, "logout", Map.of("reason", "the login ended (its API key was revoked, or it expired)"));
                    client.close();
                    break;
                }
                send(client, "host", host.get());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        unfollow.run();
    }

    private static int parse(String number) {
        try {
            return number == null ? 0 : Integer.parseInt(number);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** One writer at a time: events of different sessions arrive on different threads. */
    private static void send(SseClient client, String event, Object data) {
        String json;
        try {
            json = JSON.writeValueAsString(data);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        synchronized (client) {
            if (!client.terminated()) {
                client.sendEvent(event, json);
            }
        }
    }
}
