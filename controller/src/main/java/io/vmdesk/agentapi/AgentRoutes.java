package io.vmdesk.agentapi;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.vmdesk.api.ApiException;
import io.vmdesk.provider.ProviderCatalog;
import io.vmdesk.provider.Recipe;
import io.vmdesk.session.SessionManager;
import io.vmdesk.session.SessionManager.Limits;
import io.vmdesk.session.SessionStatus;
import io.vmdesk.store.SessionRow;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The channel the in-guest agent talks to, under {@code /api/agent/sessions/{id}/…}: its recipe, its progress, the
 * credentials it captured. Every call needs the session's one-time token; nothing here logs a token or a payload.
 */
public final class AgentRoutes {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final int MAX_EVENT_BYTES = 4 * 1024;
    static final int MAX_CREDENTIAL_BYTES = 256 * 1024;
    private static final Set<String> EVENT_TYPES = Set.of("login-started", "browser-opened", "credentials-found", "error");

    private final SessionManager sessions;
    private final ProviderCatalog providers;
    private final AgentTokens tokens;

    public AgentRoutes(SessionManager sessions, ProviderCatalog providers, AgentTokens tokens) {
        this.sessions = sessions;
        this.providers = providers;
        this.tokens = tokens;
    }

    /** Checks the bearer token against the session; 401 without one, 403 with the wrong one or a dead one. */
    private SessionRow authorised(Context ctx) {
        String id = ctx.pathParam("id");
        String header = ctx.header("Authorization");
        if (header == null || !header.startsWith("Bearer ") || header.length() <= 7) {
            throw new ApiException(401, "missing-token", "send the session's agent token as Authorization: Bearer …");
        }
        tokens.check(id, header.substring(7).trim()).ifPresent(reason -> {
            throw new ApiException(403, "invalid-token", reason);
        });
        SessionRow row = sessions.find(id).orElseThrow(() -> new ApiException(403, "invalid-token",
                "no such session"));
        if (SessionStatus.valueOf(row.status()).isFinal() || row.status().equals("ENDING")) {
            tokens.revoke(id);
            throw new ApiException(403, "invalid-token", "the session has ended");
        }
        return row;
    }

    public void recipe(Context ctx) {
        SessionRow row = authorised(ctx);
        Recipe recipe = providers.find(row.provider()).orElseThrow(() -> new ApiException(404, "unknown-provider",
                "provider " + row.provider() + " is no longer configured"));
        ctx.contentType("application/json").result(recipe.json().toString());
    }

    public void event(Context ctx) {
        SessionRow row = authorised(ctx);
        JsonNode body = parse(ctx, MAX_EVENT_BYTES);
        String type = body.path("type").asText("");
        if (!EVENT_TYPES.contains(type)) {
            throw new ApiException(400, "invalid-event", "type must be one of " + EVENT_TYPES);
        }
        JsonNode detail = body.path("detail");
        if (!detail.isMissingNode() && !detail.isNull() && !detail.isTextual()) {
            throw new ApiException(400, "invalid-event", "detail must be a string");
        }
        String text = detail.asText("");
        if (text.length() > 500) {
            text = text.substring(0, 500) + "…";
        }
        if (!sessions.agentEvent(row.id(), type, text)) {
            throw new ApiException(429, "too-many-events", "at most " + Limits.AGENT_EVENTS
                    + " agent events per session");
        }
        ctx.status(204);
    }

    public void credentials(Context ctx) {
        SessionRow row = authorised(ctx);
        JsonNode body = parse(ctx, MAX_CREDENTIAL_BYTES);
        Recipe recipe = providers.find(row.provider()).orElseThrow();
        JsonNode files = body.path("files");
        if (!files.isArray() || files.isEmpty()) {
            throw new ApiException(400, "invalid-credentials", "files must be a non-empty array of {path, content}");
        }
        List<String> expected = recipe.harvestPaths();
        Set<String> seen = new HashSet<>();
        List<Map<String, String>> accepted = new ArrayList<>();
        for (JsonNode file : files) {
            String path = file.path("path").asText(null);
            JsonNode content = file.path("content");
            if (path == null || !content.isTextual()) {
                throw new ApiException(400, "invalid-credentials", "each file needs a string path and content");
            }
            if (!expected.contains(path) || !seen.add(path)) {
                throw new ApiException(400, "invalid-credentials", "'" + path + "' is not a harvest path of "
                        + row.provider() + " (expected each of " + expected + " once)");
            }
            String problem = recipe.checkHarvest(path, content.asText());
            if (problem != null) {
                throw new ApiException(400, "invalid-credentials", problem);
            }
            accepted.add(Map.of("path", path, "content", content.asText()));
        }
        if (!seen.containsAll(expected)) {
            throw new ApiException(400, "invalid-credentials", "missing files: expected " + expected);
        }
        ObjectNode payload = JSON.createObjectNode();
        payload.set("files", JSON.valueToTree(accepted));
        int version;
        try {
            version = sessions.captureCredentials(row.id(), payload.toString().getBytes(StandardCharsets.UTF_8));
        } catch (IllegalStateException ended) {
            tokens.revoke(row.id());
            throw new ApiException(403, "invalid-token", "the session has ended");
        }
        tokens.revoke(row.id());
        ctx.status(201).contentType("application/json")
                .result("{\"stored\":true,\"version\":" + version + "}");
    }

    private static JsonNode parse(Context ctx, int maxBytes) {
        byte[] raw = ctx.bodyAsBytes();
        if (raw.length > maxBytes) {
            throw new ApiException(413, "payload-too-large", "at most " + maxBytes + " bytes");
        }
        try {
            JsonNode node = JSON.readTree(raw);
            if (node == null || !node.isObject()) {
                throw new ApiException(400, "invalid-json", "the body must be a JSON object");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw new ApiException(400, "invalid-json", "the body is not valid JSON");
        } catch (java.io.IOException e) {
            throw new ApiException(400, "invalid-json", "the body could not be read");
        }
    }
}
