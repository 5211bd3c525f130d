package io.vmdesk.api;

import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;

/**
 * Serves the bundled noVNC (Debian's package, copied into the application at build time) under each session's
 * {@code …/novnc/} path, so the page and its WebSocket share one origin. Debian's noVNC (1.3) joins {@code path} to
 * the host root, so the path handed to it is explicit and relative: {@code api/auth/session/{id}/novnc/websockify}.
 */
final class NoVncRoutes {
    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html; charset=utf-8", "js", "text/javascript; charset=utf-8", "css", "text/css",
            "svg", "image/svg+xml", "png", "image/png", "ico", "image/x-icon", "json", "application/json",
            "mp3", "audio/mpeg", "oga", "audio/ogg", "woff", "font/woff");

    private static final String STATUS_SCRIPT = "vmdesk-status.js";

    private final SessionRoutes sessions;

    NoVncRoutes(SessionRoutes sessions) {
        this.sessions = sessions;
    }

    /** {@code GET …/novnc}: the live view, with every setting noVNC would otherwise take from localStorage. */
    void page(Context ctx) {
        String id = sessions.existing(ctx.pathParam("id")).id();
        ctx.redirect(canonical(id, ctx.queryString()));
    }

    static String canonical(String id, String extraQuery) {
        String query = "path=api/auth/session/" + id + "/novnc/websockify&autoconnect=true&reconnect=true"
                + "&reconnect_delay=1000&resize=scale&show_dot=true";
        if (extraQuery != null && !extraQuery.isBlank()) {
            query = query + "&" + extraQuery;
        }
        return "/api/auth/session/" + id + "/novnc/vnc.html?" + query;
    }

    /** {@code GET …/novnc/<file>}: a file of the noVNC bundle. */
    void asset(Context ctx) throws IOException {
        String id = sessions.existing(ctx.pathParam("id")).id();
        String file = ctx.pathParam("file");
        if (file.equals("vnc.html") && ctx.queryParam("path") == null) {
            // Opened without our settings, noVNC would connect to /websockify on the host root.
            ctx.redirect(canonical(id, ctx.queryString()));
            return;
        }
        if (file.contains("..") || file.startsWith("/") || file.contains("\\")) {
            throw new ApiException(400, "invalid-path", "'" + file + "' is not a noVNC file");
        }
        if (file.equals(STATUS_SCRIPT)) {
            serve(ctx, file, NoVncRoutes.class.getResourceAsStream("/web/" + STATUS_SCRIPT));
            return;
        }
        if (file.equals("vnc.html")) {
            ctx.contentType(TYPES.get("html")).header("Cache-Control", "no-cache").result(page());
            return;
        }
        serve(ctx, file, NoVncRoutes.class.getResourceAsStream("/novnc/" + file));
    }

    /** noVNC's page with our status banner added. */
    private static String page() throws IOException {
        try (InputStream in = NoVncRoutes.class.getResourceAsStream("/novnc/vnc.html")) {
            String html = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            return html.replace("</body>", "<script src=\"" + STATUS_SCRIPT + "\"></script>\n</body>");
        }
    }

    private static void serve(Context ctx, String file, InputStream in) throws IOException {
        if (in == null) {
            throw new ApiException(404, "not-found", "no noVNC file '" + file + "'");
        }
        String ext = file.substring(file.lastIndexOf('.') + 1);
        ctx.contentType(TYPES.getOrDefault(ext, "application/octet-stream"));
        ctx.header("Cache-Control", "no-cache");
        try (in) {
            ctx.result(in.readAllBytes());
        }
    }
}
