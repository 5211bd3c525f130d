package io.vmdesk.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * One provider's login recipe: how the agent starts the login, which files it harvests and what marks success. Kept
 * as the JSON the agent receives; {@link #problems()} says what is missing before a session is admitted for it.
 */
public record Recipe(String name, ObjectNode json) {

    public String loginType() {
        return json.path("login").path("type").asText("");
    }

    /** Harvest paths exactly as written (with ~), in order. */
    public List<String> harvestPaths() {
        List<String> paths = new ArrayList<>();
        json.path("harvest").forEach(h -> paths.add(h.path("path").asText()));
        return paths;
    }

    /** What keeps this recipe from working; empty when it is usable. */
    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        JsonNode login = json.path("login");
        switch (loginType()) {
            case "cli" -> {
                if (!login.path("command").isArray() || login.path("command").isEmpty()) {
                    problems.add("login.command must be a non-empty array");
                }
            }
            case "pkce" -> {
                for (String field : List.of("authorizeUrl", "tokenUrl", "clientId")) {
                    String value = login.path(field).asText("");
                    if (value.isBlank() || login.path(field).isNull()) {
                        problems.add("login." + field + " is not set");
                    } else if (!field.equals("clientId") && !value.matches("https?://.+")) {
                        problems.add("login." + field + " must be an http(s) URL");
                    }
                }
            }
            default -> problems.add("login.type must be 'cli' or 'pkce'");
        }
        JsonNode harvest = json.path("harvest");
        if (!harvest.isArray() || harvest.isEmpty()) {
            problems.add("harvest must list at least one file");
        } else {
            for (JsonNode h : harvest) {
                if (!h.path("path").isTextual() || h.path("path").asText().isBlank()) {
                    problems.add("every harvest entry needs a path");
                }
                if (!h.path("required").isMissingNode() && !h.path("required").isArray()) {
                    problems.add("harvest.required must be an array of dotted field names");
                }
            }
        }
        return problems;
    }
}
