package io.vmdesk.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.http.Context;
import io.vmdesk.auth.LiveViewTokens;
import io.vmdesk.session.AdmissionException;
import io.vmdesk.provider.ProviderCatalog;
import io.vmdesk.provider.Recipe;
import io.vmdesk.session.SessionEvents;
import io.vmdesk.session.SessionIds;
import io.vmdesk.session.SessionManager;
import io.vmdesk.session.SessionStatus;
import io.vmdesk.store.AuditRow;
import io.vmdesk.store.SessionRow;
import io.vmdesk.store.Store;
import java.time.Instant;
import io.vmdesk.store.StepRow;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** The session API. Field names are kept from the predecessor, because existing front-ends read them. */
final class SessionRoutes {
    private static final int MAX_LOG_LINES = 2000;
    private static final Pattern USER_ID = Pattern.compile("[A-Za-z0-9._@:+-]{1,128}");

    private final SessionManager sessions;
    private final ProviderCatalog providers;
    private final String publicUrl;
    private final Store store;
    private final LiveViewTokens tokens;

    SessionRoutes(SessionManager sessions, ProviderCatalog providers, String publicUrl, Store store,
            LiveViewTokens tokens) {
        this.sessions = sessions;
        this.tokens = tokens;
        this.store = store;
        this.providers = providers;
        this.publicUrl = publicUrl;
    }

    /** The fields of POST /api/auth/session; any other is refused rather than silently dropped (a typo, say). */
    private static final List<String> CREATE_FIELDS = List.of("provider", "userId");

    void create(Context ctx) {
        JsonNode body = Json.object(ctx.body());
        for (String field : (Iterable<String>) body::fieldNames) {
            if (!CREATE_FIELDS.contains(field)) {
                throw new ApiException(400, "unknown-field", "'" + shorten(printable(field)) + "' is not a field of "
                        + "this request; send only provider and userId, e.g. {\"provider\":\"codex\",\"userId\":\"u1\"}");
            }
        }
        Recipe recipe = provider(body.get("provider"));
        String userId = userId(body.get("userId"));
        SessionRow row;
        try {
            row = sessions.create(recipe.name(), userId);
        } catch (AdmissionException e) {
            // whole seconds, rounded up: a client that waits exactly Retry-After must find the limit lifted
            long seconds = Math.max(1, (e.retryAfter().toMillis() + 999) / 1000);
            throw new ApiException(429, e.error(), e.getMessage(), Map.of("Retry-After", String.valueOf(seconds)));
        }
        audit(ctx, "session.create", row);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("success", true);
        out.put("sessionId", row.id());
        out.put("provider", row.provider());
        out.put("status", row.status());
        out.put("novncURL", novncUrl(row.id()));
        out.put("browserIP", row.browserIp());
        out.put("createdAt", row.createdAt());
        out.put("expiresAt", row.expiresAt());
        Json.send(ctx, 201, out);
    }

    void get(Context ctx) {
        SessionRow row = existing(ctx.pathParam("id"));
        Json.send(ctx, 200, describe(row, sessions.steps(row.id())));
    }

    /**
     * {@code GET …/novnc/status}, for the live-view page's banner (no API key: the page has none): where the session
     * stands, why it ended, and the agent's last error, if any.
     */
    void viewStatus(Context ctx) {
        SessionRow row = existing(ctx.pathParam("id"));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("status", row.status());
        out.put("endedReason", row.endedReason());
        out.put("loginProblem", sessions.steps(row.id()).stream().filter(s -> s.name().equals("agent.error"))
                .reduce((a, b) -> b).map(StepRow::detail).orElse(null));
        ctx.header("Cache-Control", "no-store");
        Json.send(ctx, 200, out);
    }

    void list(Context ctx) {
        String status = blankToNull(ctx.queryParam("status"));
        if (status != null) {
            status = status.toUpperCase(java.util.Locale.ROOT);
            try {
                SessionStatus.valueOf(status);
            } catch (IllegalArgumentException e) {
                throw new ApiException(400, "invalid-status", "status must be one of "
                        + List.of(SessionStatus.values()));
            }
        }
        String userId = blankToNull(ctx.queryParam("userId"));
        if (userId != null && !USER_ID.matcher(userId).matches()) {
            // no session can have it (POST refuses it), and a control character in a filter is a client's mistake
            throw new ApiException(400, "invalid-field", "userId must be 1-128 characters of letters, digits and "
                    + "._@:+-, not '" + shorten(printable(userId)) + "'");
        }
        List<Map<String, Object>> out = sessions.list(status, userId).stream()
                .map(r -> describe(r, null)).toList();
        Json.send(ctx, 200, Map.of("sessions", out, "count", out.size()));
    }

    /**
     * {@code GET …/logs?lines=N}: the session's steps and, while it lives, the tail of its guest's process logs (an
     * ended session's guest directory is gone; its diagnosis keeps the tail that explained a failure).
     */
    void logs(Context ctx) {
        SessionRow row = existing(ctx.pathParam("id"));
        int lines = logLines(ctx.queryParam("lines"));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("sessionId", row.id());
        out.put("status", row.status());
        out.put("steps", sessions.steps(row.id()).stream().map(SessionEvents::asEvent).toList());
        out.put("log", sessions.logTail(row.id(), lines).orElse(null));
        out.put("diagnosis", row.diagnosis());
        Json.send(ctx, 200, out);
    }

    private static int logLines(String raw) {
        if (raw == null || raw.isBlank()) {
            return 100;
        }
        try {
            int n = Integer.parseInt(raw.trim());
            if (n >= 1 && n <= MAX_LOG_LINES) {
                return n;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new ApiException(400, "invalid-lines", "lines must be a whole number from 1 to " + MAX_LOG_LINES);
    }

    /** {@code POST …/keepalive}: restarts the session's idle clock; 409 when it is no longer live. */
    void keepalive(Context ctx) {
        SessionRow row = existing(ctx.pathParam("id"));
        Instant idleDeadline = sessions.keepalive(row.id()).orElseThrow(() -> new ApiException(409, "session-not-live",
                "session " + row.id() + " is " + row.status() + (row.endedReason() == null ? ""
                        : " (" + row.endedReason() + ")") + "; create a new one"));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("sessionId", row.id());
        out.put("status", row.status());
        out.put("idleDeadline", idleDeadline);
        out.put("expiresAt", row.expiresAt());
        audit(ctx, "session.keepalive", row); // as the dashboard's button is
        Json.send(ctx, 200, out);
    }

    void delete(Context ctx) {
        String id = sessionId(ctx.pathParam("id"));
        SessionRow row = sessions.delete(id).orElseThrow(() -> notFound(id));
        audit(ctx, "session.delete", row);
        Json.send(ctx, 200, describe(row, sessions.steps(id)));
    }

    private Map<String, Object> describe(SessionRow row, List<StepRow> steps) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("sessionId", row.id());
        out.put("userId", row.userId());
        out.put("provider", row.provider());
        out.put("status", row.status());
        out.put("novncURL", novncUrl(row.id()));
        out.put("browserIP", row.browserIp());
        out.put("mac", row.mac());
        out.put("createdAt", row.createdAt());
        out.put("expiresAt", row.expiresAt());
        out.put("readyAt", row.readyAt());
        out.put("endedAt", row.endedAt());
        out.put("endedReason", row.endedReason());
        out.put("lastDisconnect", row.lastDisconnect());
        out.put("diagnosis", row.diagnosis());
        if (steps != null) {
            out.put("steps", steps.stream().map(SessionEvents::asEvent).toList());
        }
        return out;
    }

    /** The live view with a fresh short-lived token: each answer of the API hands out a usable link. */
    private String novncUrl(String id) {
        return publicUrl + "/api/auth/session/" + id + "/novnc?token=" + tokens.link(id);
    }

    SessionRow existing(String rawId) {
        String id = sessionId(rawId);
        return sessions.find(id).orElseThrow(() -> notFound(id));
    }

    static String sessionId(String raw) {
        if (SessionIds.isValid(raw)) {
            return raw;
        }
        throw new ApiException(400, "invalid-session-id", "'" + shorten(raw)
                + "' is not a session id (expected a lower-case UUID as returned by POST /api/auth/session)");
    }

    private static ApiException notFound(String id) {
        return new ApiException(404, "session-not-found", "no session " + id + " on this controller");
    }

    private Recipe provider(JsonNode node) {
        String accepted = String.join(", ", providers.names());
        if (node == null || node.isNull()) {
            throw new ApiException(400, "missing-field", "provider is required; one of " + accepted);
        }
        if (!node.isTextual()) {
            throw new ApiException(400, "invalid-field", "provider must be a string; one of " + accepted);
        }
        Recipe recipe = providers.find(node.asText()).orElseThrow(() -> new ApiException(400, "unknown-provider",
                "'" + shorten(node.asText()) + "' is not a provider; one of " + accepted));
        if (!recipe.problems().isEmpty()) {
            throw new ApiException(400, "provider-not-configured", "provider " + recipe.name() + " cannot be used yet: "
                    + String.join("; ", recipe.problems()) + ". Fix: set them in the file named by PROVIDERS_FILE");
        }
        return recipe;
    }

    private static String userId(JsonNode node) {
        if (node == null || node.isNull()) {
            throw new ApiException(400, "missing-field", "userId is required (the platform's id for the user)");
        }
        if (!node.isTextual() || !USER_ID.matcher(node.asText()).matches()) {
            throw new ApiException(400, "invalid-field",
                    "userId must be 1-128 characters of letters, digits and ._@:+-");
        }
        return node.asText();
    }

    private void audit(Context ctx, String action, SessionRow row) {
        Object key = ctx.attribute("vmdesk.apiKey");
        store.audit().append(new AuditRow(Instant.now(), key == null ? "anonymous" : key.toString(), action, row.id(),
                row.userId(), row.provider(), row.status()));
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    /** A client's text fit for a message: control characters as \\uXXXX. */
    private static String printable(String s) {
        StringBuilder out = new StringBuilder();
        s.codePoints().forEach(c -> {
            if (Character.isISOControl(c)) {
                out.append(String.format("\\u%04x", c));
            } else {
                out.appendCodePoint(c);
            }
        });
        return out.toString();
    }

    private static String shorten(String s) {
        return s.length() > 64 ? s.substring(0, 64) + "…" : s;
    }
}
