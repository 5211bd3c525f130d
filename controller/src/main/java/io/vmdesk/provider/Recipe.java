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
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
            new com.fasterxml.jackson.databind.ObjectMapper();

    public String loginType() {
        return json.path("login").path("type").asText("");
    }

    /** Harvest paths exactly as written (with ~), in order. */
    public List<String> harvestPaths() {
        List<String> paths = new ArrayList<>();
        json.path("harvest").forEach(h -> paths.add(h.path("path").asText()));
        return paths;
    }

    /**
     * Checks a handed-back file against the recipe, as the agent did: JSON with every required dotted field present
     * and not empty (files without required fields may be anything). Null when it passes, else why not.
     */
    public String checkHarvest(String path, String content) {
        for (JsonNode h : json.path("harvest")) {
            if (!h.path("path").asText().equals(path) || h.path("required").isEmpty()) {
                continue;
            }
            JsonNode doc;
            try {
                doc = JSON.readTree(content);
            } catch (java.io.IOException e) {
                return path + " is not JSON, but the recipe requires fields in it";
            }
            for (JsonNode field : h.path("required")) {
                JsonNode value = doc;
                for (String part : field.asText().split("\\.")) {
                    value = value == null ? null : value.get(part);
                }
                if (value == null || value.isNull() || (value.isTextual() && value.asText().isEmpty())) {
                    return path + " lacks the required field " + field.asText();
                }
            }
        }
        return null;
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
                String path = h.path("path").asText("");
                if (!path.startsWith("~/") || path.contains("/../") || path.endsWith("/..") || path.contains("/./")) {
                    problems.add("harvest path '" + path + "' must lie in the guest user's home: ~/… without . or ..");
                }
                if (!h.path("required").isMissingNode() && !h.path("required").isArray()) {
                    problems.add("harvest.required must be an array of dotted field names");
                }
            }
        }
        JsonNode timeout = json.path("timeoutSeconds");
        if (!timeout.isMissingNode() && (!timeout.canConvertToInt() || timeout.asInt() < 10 || timeout.asInt() > 86_400)) {
            problems.add("timeoutSeconds must be a whole number of seconds from 10 to 86400");
        }
        return problems;
    }

    /** Problems that make the recipe wrong whatever else is configured (unlike a pkce recipe's missing endpoints). */
    public List<String> structuralProblems() {
        return problems().stream().filter(p -> !p.matches("login\\.(authorizeUrl|tokenUrl|clientId) is not set"))
                .toList();
    }
}
