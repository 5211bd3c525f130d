package io.vmdesk.api;

import io.javalin.http.Context;
import io.vmdesk.auth.LiveViewTokens;
import io.vmdesk.store.SessionRow;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Serves the bundled noVNC (Debian's package, copied into the application at build time) under each session's
 * {@code …/novnc/} path, so the page and its WebSocket share one origin. Debian's noVNC (1.3) joins {@code path} to
 * the host root, so the path handed to it is explicit and relative: {@code api/auth/session/{id}/novnc/websockify}.
 *
 * <p>The page, its status and its WebSocket need the session's live-view token ({@link LiveViewTokens}): the link
 * token of the novncURL is exchanged here for an HttpOnly cookie scoped to {@code …/session/{id}/novnc}. The static
 * noVNC files need nothing: they are the same for everyone.
 */
final class NoVncRoutes {
    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html; charset=utf-8", "js", "text/javascript; charset=utf-8", "css", "text/css",
            "svg", "image/svg+xml", "png", "image/png", "ico", "image/x-icon", "json", "application/json",
            "mp3", "audio/mpeg", "oga", "audio/ogg", "woff", "font/woff");

    private static final String STATUS_SCRIPT = "vmdesk-status.js";

    private final SessionRoutes sessions;
    private final LiveViewTokens tokens;
    private final boolean secureCookie;

    /** @param secureCookie whether users reach the controller over https (PUBLIC_URL), so the cookie says Secure */
    NoVncRoutes(SessionRoutes sessions, LiveViewTokens tokens, boolean secureCookie) {
        this.sessions = sessions;
        this.tokens = tokens;
        this.secureCookie = secureCookie;
    }

    /** {@code GET …/novnc}: the live view, with every setting noVNC would otherwise take from localStorage. */
    void page(Context ctx) {
        String id = admit(ctx).id();
        ctx.redirect(canonical(id, withoutToken(ctx.queryString())));
    }

    /**
     * Lets a live-view request through when it carries a valid link token (exchanged here for the cookie) or the
     * cookie; otherwise 401 (nothing carried) or 403 (invalid, expired, another session's), naming which.
     */
    SessionRow admit(Context ctx) {
        SessionRow row = sessions.existing(ctx.pathParam("id"));
        String token = ctx.queryParam("token");
        tokens.check(row.id(), token, ctx.cookie(LiveViewTokens.COOKIE)).ifPresent(refusal -> {
            throw new ApiException(refusal.code().equals("missing") ? 401 : 403, "live-view-token-" + refusal.code(),
                    refusal.detail());
        });
        if (token != null && !token.isBlank()) {
            // Lax, not Strict: the platform's page links here from another site, and the redirect that follows is
            // still that top-level navigation; the WebSocket itself is always same-site.
            long maxAge = Math.max(1, Duration.between(Instant.now(), row.expiresAt()).toSeconds());
            ctx.res().addHeader("Set-Cookie", LiveViewTokens.COOKIE + "=" + tokens.cookie(row.id(), row.expiresAt())
                    + "; Path=/api/auth/session/" + row.id() + "/novnc; Max-Age=" + maxAge + "; HttpOnly; SameSite=Lax"
                    + (secureCookie ? "; Secure" : ""));
        }
        return row;
    }

    /** The query without {@code token=…}: once exchanged, it need not stay in the address bar. */
    static String withoutToken(String query) {
        if (query == null) {
            return null;
        }
        return Arrays.stream(query.split("&")).filter(p -> !p.isEmpty() && !p.startsWith("token="))
                .collect(Collectors.joining("&"));
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
        String file = ctx.pathParam("file");
        String id = file.equals("vnc.html") ? admit(ctx).id() : sessions.existing(ctx.pathParam("id")).id();
        if (file.equals("vnc.html") && ctx.queryParam("path") == null) {
            // Opened without our settings, noVNC would connect to /websockify on the host root.
            ctx.redirect(canonical(id, withoutToken(ctx.queryString())));
            return;
        }
        if (file.equals("vnc.html") && ctx.queryParam("token") != null) {
            ctx.redirect("/api/auth/session/" + id + "/novnc/vnc.html?" + withoutToken(ctx.queryString()));
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
