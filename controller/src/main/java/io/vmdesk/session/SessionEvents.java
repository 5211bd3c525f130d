package io.vmdesk.session;

import io.vmdesk.metrics.ControllerMetrics;
import io.vmdesk.store.StepRow;
import io.vmdesk.store.Store;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Steps of a session (the controller's and the agent's) go through here: recorded in the store, then published to
 * whoever follows the session (the server-sent events stream).
 */
public final class SessionEvents {
    private static final Logger log = LoggerFactory.getLogger(SessionEvents.class);

    private final Store store;
    private final ControllerMetrics metrics;
    private final Map<String, Set<Consumer<Map<String, Object>>>> followers = new ConcurrentHashMap<>();
    /** Followers of every session (the dashboard's live table). */
    private final Set<java.util.function.BiConsumer<String, Map<String, Object>>> everyone =
            ConcurrentHashMap.newKeySet();

    public SessionEvents(Store store, ControllerMetrics metrics) {
        this.store = store;
        this.metrics = metrics;
    }

    /** Records a step and tells the followers. */
    public void step(String sessionId, StepRow step) {
        store.sessions().appendStep(sessionId, step);
        if (!step.name().startsWith("agent.")) {
            metrics.step(step.name(), step.outcome(), step.millis());
        }
        publish(sessionId, asEvent(step));
    }

    /** Tells the followers the session's status changed. */
    public void status(String sessionId, SessionStatus status, String reason) {
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("type", "status");
        event.put("status", status.name());
        event.put("reason", reason);
        event.put("at", Instant.now());
        publish(sessionId, event);
    }

    public static Map<String, Object> asEvent(StepRow step) {
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("type", "step");
        event.put("name", step.name());
        event.put("outcome", step.outcome());
        event.put("startedAt", step.startedAt());
        event.put("millis", step.millis());
        event.put("detail", step.detail());
        return event;
    }

    /** @return a handle that stops following */
    public Runnable follow(String sessionId, Consumer<Map<String, Object>> follower) {
        followers.computeIfAbsent(sessionId, k -> ConcurrentHashMap.newKeySet()).add(follower);
        return () -> {
            Set<Consumer<Map<String, Object>>> set = followers.get(sessionId);
            if (set != null) {
                set.remove(follower);
            }
        };
    }

    /** Follows every session's steps and status changes; @return a handle that stops following */
    public Runnable followAll(java.util.function.BiConsumer<String, Map<String, Object>> follower) {
        everyone.add(follower);
        return () -> everyone.remove(follower);
    }

    private void publish(String sessionId, Map<String, Object> event) {
        for (java.util.function.BiConsumer<String, Map<String, Object>> follower : everyone) {
            try {
                follower.accept(sessionId, event);
            } catch (RuntimeException e) {
                log.debug("session={} follower of all sessions failed: {}", sessionId, e.toString());
            }
        }
        Set<Consumer<Map<String, Object>>> set = followers.get(sessionId);
        if (set == null) {
            return;
        }
        for (Consumer<Map<String, Object>> follower : set) {
            try {
                follower.accept(event);
            } catch (RuntimeException e) {
                log.debug("session={} follower failed: {}", sessionId, e.toString());
            }
        }
    }
}
