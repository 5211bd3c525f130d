package io.vmdesk.cli.session;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;

/** The human-readable forms of the session API's answers. */
final class SessionText {
    private SessionText() {
    }

    /** One line per session under a header. */
    static void table(PrintWriter out, JsonNode sessions) {
        if (sessions.isEmpty()) {
            out.println("no sessions");
            return;
        }
        String format = "%-36s  %-20s  %-12s  %-16s  %-24s  %s%n";
        out.printf(format, "SESSION", "STATUS", "PROVIDER", "USER", "CREATED", "ENDED");
        for (JsonNode s : sessions) {
            out.printf(format, text(s, "sessionId"), text(s, "status"), text(s, "provider"), text(s, "userId"),
                    text(s, "createdAt"), s.path("endedReason").isNull() ? "" : text(s, "endedReason"));
        }
    }

    /** A session's record: its fields, then its steps and diagnosis when present. */
    static void record(PrintWriter out, JsonNode s) {
        field(out, "session", text(s, "sessionId"));
        field(out, "status", text(s, "status"));
        field(out, "provider", text(s, "provider"));
        field(out, "user", text(s, "userId"));
        field(out, "live view", text(s, "novncURL"));
        field(out, "browser IP", text(s, "browserIP"));
        field(out, "created", text(s, "createdAt"));
        field(out, "expires", text(s, "expiresAt"));
        field(out, "ready", text(s, "readyAt"));
        field(out, "ended", join(text(s, "endedAt"), text(s, "endedReason")));
        field(out, "last disconnect", text(s, "lastDisconnect"));
        if (s.has("steps")) {
            out.println("steps:");
            steps(out, s.get("steps"));
        }
        if (!text(s, "diagnosis").isEmpty()) {
            out.println("diagnosis:");
            s.get("diagnosis").asText().lines().forEach(l -> out.println("  " + l));
        }
    }

    static void steps(PrintWriter out, JsonNode steps) {
        if (steps.isEmpty()) {
            out.println("  (none yet)");
        }
        for (JsonNode step : steps) {
            out.println("  " + step(step));
        }
    }

    /** An event of the session's stream: a step or a status change. */
    static String event(JsonNode e) {
        if ("status".equals(text(e, "type"))) {
            return "status " + text(e, "status") + (text(e, "reason").isEmpty() ? "" : " (" + text(e, "reason") + ")");
        }
        return step(e);
    }

    private static String step(JsonNode step) {
        String millis = step.path("millis").isNumber() ? step.get("millis").asLong() + " ms" : "";
        return String.format("%-24s  %-24s  %-7s  %8s  %s", text(step, "startedAt"), text(step, "name"),
                text(step, "outcome"), millis, text(step, "detail")).stripTrailing();
    }

    private static void field(PrintWriter out, String name, String value) {
        if (!value.isEmpty()) {
            out.printf("%-16s %s%n", name, value);
        }
    }

    private static String join(String at, String reason) {
        return reason.isEmpty() ? at : at + " (" + reason + ")";
    }

    static String text(JsonNode node, String field) {
        JsonNode v = node.path(field);
        return v.isMissingNode() || v.isNull() ? "" : v.asText();
    }
}
