package io.vmdesk.dashboard;

import static io.vmdesk.dashboard.Html.text;
import static io.vmdesk.dashboard.Html.time;

import io.vmdesk.session.SessionStatus;
import io.vmdesk.store.SessionRow;
import io.vmdesk.store.StepRow;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The dashboard's pages as server-rendered HTML. Pure functions of their data, so the escaping is testable alone. */
final class DashboardPages {
    /** The host panel's fields, in display order, with their labels (the live feed updates them by name). */
    static final Map<String, String> HOST_FIELDS = hostFields();

    private DashboardPages() {
    }

    private static Map<String, String> hostFields() {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("liveSessions", "live sessions");
        fields.put("maxSessions", "capacity (MAX_SESSIONS)");
        fields.put("poolLeased", "addresses leased");
        fields.put("poolSize", "address pool");
        fields.put("guestDriver", "guest driver");
        fields.put("store", "store");
        fields.put("bridge", "bridge");
        fields.put("heapUsedBytes", "controller heap (bytes)");
        fields.put("doctor", "doctor (fail · warn · ok, last run)");
        return fields;
    }

    static String login(String problem) {
        String body = "<main class=\"login\"><h1>vmdesk dashboard</h1>\n"
                + (problem == null ? "" : "<p class=\"error\" id=\"login-error\" role=\"alert\">" + text(problem) + "</p>\n")
                + "<form method=\"post\" action=\"/dashboard/login\">\n"
                + "<label for=\"key\">Admin API key</label>\n"
                + "<input type=\"password\" id=\"key\" name=\"key\" autocomplete=\"off\" required autofocus>\n"
                + "<button type=\"submit\" id=\"login\">Log in</button>\n</form>\n"
                + "<p class=\"hint\">Create one with <code>./vmdesk apikey create --name ops --scope admin</code>.</p>"
                + "</main>\n";
        return Html.page("vmdesk · log in", body, null);
    }

    static String index(List<SessionRow> sessions, Map<String, Object> host) {
        StringBuilder body = new StringBuilder(header("vmdesk dashboard"));
        body.append("<section id=\"host\"><h2>Host</h2><dl>\n");
        HOST_FIELDS.forEach((name, label) -> body.append("<dt>").append(text(label)).append("</dt><dd data-host=\"")
                .append(name).append("\">").append(text(host.get(name))).append("</dd>\n"));
        body.append("</dl></section>\n<section><h2>Sessions</h2>\n<table id=\"sessions\"><thead><tr>")
                .append("<th>session</th><th>status</th><th>user</th><th>provider</th><th>address</th>")
                .append("<th>created</th><th>ready after</th><th>ended</th></tr></thead>\n<tbody>\n");
        for (SessionRow row : sessions) {
            Map<String, String> cells = LiveFeed.cells(row);
            body.append("<tr id=\"s-").append(text(row.id())).append("\" data-status=\"").append(text(row.status()))
                    .append("\">");
            cells.forEach((name, value) -> {
                body.append("<td data-field=\"").append(name).append("\">");
                if (name.equals("sessionId")) {
                    body.append("<a href=\"/dashboard/session/").append(text(value)).append("\">").append(text(value))
                            .append("</a>");
                } else {
                    body.append(text(value));
                }
                body.append("</td>");
            });
            body.append("</tr>\n");
        }
        body.append("</tbody></table></section>\n");
        return Html.page("vmdesk dashboard", body.toString(), "dashboard.js");
    }

    /**
     * @param liveViewToken a live-view link token for the embedded desktop (the WebSocket refuses without one)
     * @param idleDeadline  when the session ends for idleness (null when it is not live)
     */
    static String session(SessionRow row, List<StepRow> steps, String log, String liveViewToken,
            java.time.Instant idleDeadline) {
        return session(row, steps, log, liveViewToken, idleDeadline, null);
    }

    /** @param notice what the form that led back here has to say (null: nothing) */
    static String session(SessionRow row, List<StepRow> steps, String log, String liveViewToken,
            java.time.Instant idleDeadline, String notice) {
        boolean live = !SessionStatus.valueOf(row.status()).isFinal();
        StringBuilder body = new StringBuilder(header("Session " + row.id()));
        body.append("<p><a href=\"/dashboard\">← all sessions</a></p>\n");
        if (notice != null) {
            body.append("<p class=\"error\" id=\"notice\" role=\"alert\">").append(text(notice)).append("</p>\n");
        }
        body.append("<section id=\"summary\" data-session=\"")
                .append(text(row.id())).append("\" data-created-ms=\"").append(row.createdAt().toEpochMilli())
                .append("\"><dl>\n");
        Map<String, String> cells = LiveFeed.cells(row);
        cells.put("endedReason", row.endedReason());
        cells.put("lastDisconnect", row.lastDisconnect());
        cells.put("expiresAt", time(row.expiresAt()));
        cells.put("idleDeadline", idleDeadline == null ? null : time(idleDeadline));
        cells.forEach((name, value) -> body.append("<dt>").append(name).append("</dt><dd data-field=\"").append(name)
                .append("\">").append(text(value == null ? "–" : value)).append("</dd>\n"));
        body.append("</dl>\n");
        if (live) {
            body.append("<form method=\"post\" action=\"/dashboard/session/").append(text(row.id()))
                    .append("/end\"><button type=\"submit\" id=\"end\">End session</button></form>\n");
            body.append("<form method=\"post\" action=\"/dashboard/session/").append(text(row.id()))
                    .append("/extend\"><button type=\"submit\" id=\"extend\">Keep alive (restart the idle clock)")
                    .append("</button></form>\n");
        }
        body.append("</section>\n<section><h2>Diagnosis</h2><pre id=\"diagnosis\">")
                .append(text(row.diagnosis() == null ? "none" : row.diagnosis())).append("</pre></section>\n");
        body.append(timeline(row, steps));
        body.append("<section><h2>Live view</h2>\n");
        if (live) {
            body.append("<iframe id=\"liveview\" title=\"live view\" src=\"/api/auth/session/").append(text(row.id()))
                    .append("/novnc?token=").append(text(liveViewToken)).append("\"></iframe>\n");
        } else {
            body.append("<p>The session has ended: no desktop to show.</p>\n");
        }
        body.append("</section>\n<section id=\"logs\"><h2>Process log (tail)</h2>\n");
        if (log == null) {
            body.append("<p>No logs: the guest has not started yet, or was torn down (the diagnosis keeps what "
                    + "explained a failure).</p>\n");
        } else {
            body.append("<pre id=\"log\">").append(text(log)).append("</pre>\n");
        }
        body.append("</section>\n");
        return Html.page("vmdesk · session " + row.id(), body.toString(), "session.js");
    }

    /** Steps in order, each with its offset from the session's creation, its duration and a bar to scale. */
    private static String timeline(SessionRow row, List<StepRow> steps) {
        long total = Math.max(1, steps.stream().mapToLong(s -> offset(row, s) + s.millis()).max().orElse(1));
        StringBuilder out = new StringBuilder("<section><h2>Steps</h2>\n<table id=\"steps\" data-total-ms=\"" + total
                + "\"><thead><tr><th>step</th>"
                + "<th>outcome</th><th>at (ms)</th><th>took (ms)</th><th>timeline</th><th>detail</th></tr></thead>"
                + "\n<tbody>\n");
        for (StepRow step : steps) {
            long at = offset(row, step);
            // numbers only in the style attribute: nothing from the session reaches it
            long left = Math.min(100, at * 100 / total);
            long width = Math.max(1, Math.min(100 - left, step.millis() * 100 / total));
            out.append("<tr class=\"").append(text(step.outcome())).append("\"><td>").append(text(step.name()))
                    .append("</td><td>").append(text(step.outcome())).append("</td><td>").append(at).append("</td><td>")
                    .append(step.millis()).append("</td><td class=\"bar\"><span style=\"margin-left:").append(left)
                    .append("%;width:").append(width).append("%\"></span></td><td>").append(text(step.detail()))
                    .append("</td></tr>\n");
        }
        return out.append("</tbody></table></section>\n").toString();
    }

    static long offset(SessionRow row, StepRow step) {
        return Math.max(0, Duration.between(row.createdAt(), step.startedAt()).toMillis());
    }

    private static String header(String title) {
        return "<header><h1>" + text(title) + "</h1><form method=\"post\" action=\"/dashboard/logout\">"
                + "<button type=\"submit\" id=\"logout\">Log out</button></form></header>\n";
    }
}
