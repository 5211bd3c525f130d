package io.vmdesk.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.javalin.http.sse.SseClient;
import io.vmdesk.session.SessionEvents;
import io.vmdesk.session.SessionIds;
import io.vmdesk.session.SessionManager;
import io.vmdesk.session.SessionStatus;
import io.vmdesk.store.SessionRow;
import io.vmdesk.store.StepRow;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

/**
 * {@code GET /api/auth/session/{id}/events}: server-sent events of a session — every step so far (the controller's
 * and the agent's), then each new one as it happens, and status changes; the stream ends when the session does.
 */
final class EventStream {
    private final SessionManager sessions;

    EventStream(SessionManager sessions) {
        this.sessions = sessions;
    }

    void handle(SseClient client) {
        String id = client.ctx().pathParam("id");
        Optional<SessionRow> row = SessionIds.isValid(id) ? sessions.find(id) : Optional.empty();
        if (row.isEmpty()) {
            send(client, "error", Map.of("error", "session-not-found", "detail", "no session " + id));
            client.close();
            return;
        }
        CountDownLatch ended = new CountDownLatch(1);
        // Follow first, then replay: a step that lands in between is sent twice rather than lost.
        Runnable unfollow = sessions.follow(id, event -> {
            send(client, (String) event.get("type"), event);
            if ("status".equals(event.get("type"))
                    && SessionStatus.valueOf((String) event.get("status")).isFinal()) {
                ended.countDown();
            }
        });
        client.onClose(() -> {
            unfollow.run();
            ended.countDown();
        });
        for (StepRow step : sessions.steps(id)) {
            send(client, "step", SessionEvents.asEvent(step));
        }
        SessionRow now = sessions.find(id).orElseThrow();
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("type", "status");
        status.put("status", now.status());
        status.put("reason", now.endedReason());
        send(client, "status", status);
        if (SessionStatus.valueOf(now.status()).isFinal()) {
            unfollow.run();
            client.close();
            return;
        }
        try {
            ended.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        unfollow.run();
        client.close();
    }

    private static void send(SseClient client, String event, Object data) {
        try {
            client.sendEvent(event, Json.MAPPER.writeValueAsString(data));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

}
