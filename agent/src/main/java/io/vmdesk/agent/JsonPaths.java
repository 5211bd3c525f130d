package io.vmdesk.agent;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Dotted JSON paths such as {@code tokens.access_token} or {@code claudeAiOauth.accessToken}. A numeric segment
 * also indexes an array ({@code accounts.0.token}).
 */
public final class JsonPaths {
    private static final Pattern SEGMENT = Pattern.compile("[^.\\s]+");

    private JsonPaths() {}

    /** @return null when {@code path} is well formed, else what is wrong with it */
    public static String syntaxProblem(String path) {
        if (path == null || path.isEmpty()) {
            return "is empty";
        }
        for (String segment : path.split("\\.", -1)) {
            if (!SEGMENT.matcher(segment).matches()) {
                return "must be dot-separated non-empty names without spaces";
            }
        }
        return null;
    }

    /** @return null when {@code path} exists in {@code root} and is non-empty, else "missing" or "empty" */
    public static String valueProblem(JsonNode root, String path) {
        JsonNode node = root;
        for (String segment : List.of(path.split("\\."))) {
            if (node == null) {
                return "missing";
            }
            if (node.isObject()) {
                node = node.get(segment);
            } else if (node.isArray() && segment.chars().allMatch(Character::isDigit) && segment.length() < 10) {
                node = node.get(Integer.parseInt(segment));
            } else {
                return "missing";
            }
        }
        if (node == null || node.isMissingNode() || node.isNull()) {
            return "missing";
        }
        if ((node.isTextual() && node.asText().isBlank()) || (node.isContainerNode() && node.isEmpty())) {
            return "empty";
        }
        return null;
    }
}
