package io.vmdesk.dashboard;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.vmdesk.api.ApiException;
import io.vmdesk.auth.ApiKeys;
import io.vmdesk.auth.LiveViewTokens;
import io.vmdesk.session.SessionIds;
import io.vmdesk.session.SessionManager;
import io.vmdesk.store.AuditRow;
import io.vmdesk.store.SessionRow;
import io.vmdesk.store.Store;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operators' dashboard under {@code /dashboard}: a login page that exchanges an admin API key for an HttpOnly
 * cookie, the live table of sessions with the host panel, and a page per session. The cookie is SameSite=Strict, so
 * another site cannot make a logged-in browser post the end or logout forms.
 */
public final class DashboardRoutes {
    private static final Logger log = LoggerFactory.getLogger(DashboardRoutes.class);
    /** What the session page shows of each guest process's log. */
    static final int LOG_TAIL_LINES = 40;
    private static final Map<String, String> ASSETS = Map.of("dashboard.js", "text/javascript; charset=utf-8",
            "session.js", "text/javascript; charset=utf-8", "dashboard.css", "text/css; charset=utf-8");

    /** The session page's notice after keep-alive found the session ended. */
    static final String NOTICE_NOT_LIVE = "session-not-live";

    private final SessionManager sessions;
    private final LiveViewTokens liveViewTokens;
    private final Store store;
    private final DashboardLogins logins;
    private final LiveFeed feed;
    private final Supplier<Map<String, Object>> host;
    private final boolean secureCookie;

    public DashboardRoutes(SessionManager sessions, ApiKeys keys, LiveViewTokens liveViewTokens, Store store,
            Supplier<Map<String, Object>> host, String publicUrl) {
        this.sessions = sessions;
        this.liveViewTokens = liveViewTokens;
        this.store = store;
        this.host = host;
        this.logins = new DashboardLogins(keys, store, Clock.systemUTC());
        this.feed = new LiveFeed(sessions, host);
        this.secureCookie = publicUrl.startsWith("https:");
        this.publicOrigin = origin(publicUrl);
    }

    private final String publicOrigin;

    /** scheme://host[:port] of a URL, as browsers send it in Origin. */
    static String origin(String url) {
        java.net.URI uri = java.net.URI.create(url);
        return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort());
    }

    /** The Origin is PUBLIC_URL's, or the one the request was addressed to (its Host header, directly reached). */
    private boolean sameOrigin(String origin, io.javalin.http.Context ctx) {
        if (origin.equals(publicOrigin)) {
            return true;
        }
        String host = ctx.header("Host");
        return host != null && (origin.equals("http://" + host) || origin.equals("https://" + host));
    }

    public void register(RoutesConfig routes) {
        // Forms post only from the dashboard's own pages. SameSite=Strict keeps other sites' forms from carrying the
        // cookie; this also stops another application on the same site (another port of this host).
        routes.before("/dashboard/*", ctx -> {
            String origin = ctx.header("Origin");
            if (ctx.method().name().equals("POST") && origin != null && !sameOrigin(origin, ctx)) {
                throw new ApiException(403, "cross-origin", "a dashboard form posted from " + origin + "; the dashboard "
                        + "accepts its own pages' forms only (" + publicOrigin + ")");
            }
        });
        routes.get("/dashboard", this::index);
        routes.get("/dashboard/login", ctx -> html(ctx, 200, DashboardPages.login(null)));
        routes.post("/dashboard/login", this::login);
        routes.post("/dashboard/logout", this::logout);
        routes.before("/dashboard/events", ctx -> {
            requireLogin(ctx);
            // Javalin answers an empty 200 to a client that does not ask for an event stream; say why instead
            String accept = ctx.header("Accept");
            if (accept == null || !accept.contains("text/event-stream")) {
                throw new ApiException(406, "not-acceptable", "this is a server-sent events stream: send Accept: "
                        + "text/event-stream (the dashboard's EventSource does; with curl: curl -N -H 'Accept: "
                        + "text/event-stream' …)");
            }
        });
        // the login is checked again at every host refresh: revoking its key ends an open stream too
        routes.sse("/dashboard/events", client -> {
            String cookie = client.ctx().cookie(DashboardLogins.COOKIE);
            feed.handle(client, () -> logins.keyId(cookie).isPresent());
        });
        routes.get("/dashboard/session/{id}", this::session);
        routes.post("/dashboard/session/{id}/end", this::end);
        routes.post("/dashboard/session/{id}/extend", this::extend);
        routes.get("/dashboard/assets/{file}", this::asset);
    }

    private void index(Context ctx) {
        if (loggedIn(ctx).isEmpty()) {
            ctx.redirect("/dashboard/login");
            return;
        }
        html(ctx, 200, DashboardPages.index(sessions.list(null, null).stream().limit(LiveFeed.INITIAL_ROWS).toList(),
                host.get()));
    }

    private void login(Context ctx) {
        Optional<String> cookie = logins.login(ctx.formParam("key"));
        if (cookie.isEmpty()) {
            log.warn("dashboard login refused from {}: not a live admin API key", ctx.req().getRemoteAddr());
            html(ctx, 401, DashboardPages.login("That is not a live API key with the admin scope."));
            return;
        }
        log.info("dashboard login from {} with key {}", ctx.req().getRemoteAddr(),
                logins.keyId(cookie.get()).orElse("?"));
        ctx.header("Set-Cookie", DashboardLogins.COOKIE + "=" + cookie.get() + "; Path=/dashboard; HttpOnly; "
                + "SameSite=Strict; Max-Age=" + DashboardLogins.LIFETIME.toSeconds() + (secureCookie ? "; Secure" : ""));
        ctx.redirect("/dashboard", HttpStatus.SEE_OTHER);
    }

    private void logout(Context ctx) {
        logins.logout(ctx.cookie(DashboardLogins.COOKIE));
        ctx.header("Set-Cookie", DashboardLogins.COOKIE + "=; Path=/dashboard; HttpOnly; SameSite=Strict; Max-Age=0");
        ctx.redirect("/dashboard/login", HttpStatus.SEE_OTHER);
    }

    private void session(Context ctx) {
        if (loggedIn(ctx).isEmpty()) {
            ctx.redirect("/dashboard/login");
            return;
        }
        SessionRow row = existing(ctx.pathParam("id"));
        html(ctx, 200, DashboardPages.session(row, sessions.steps(row.id()),
                sessions.logTail(row.id(), LOG_TAIL_LINES).orElse(null), liveViewTokens.link(row.id()),
                sessions.idleDeadline(row.id()).orElse(null), notice(ctx.queryParam("notice"), row)));
    }

    /**
     * What a form that redirected back to the session page has to say ({@code ?notice=} one of a fixed set, so the
     * page never shows text taken from the URL); null for none or an unknown one.
     */
    static String notice(String name, SessionRow row) {
        if (NOTICE_NOT_LIVE.equals(name)) {
            return "Keep alive did nothing: the session is " + row.status() + (row.endedReason() == null ? ""
                    : " (" + row.endedReason() + ")") + ", so there is no idle clock to restart. Create a new session "
                    + "for the user instead.";
        }
        return null;
    }

    private void end(Context ctx) {
        String keyId = requireLogin(ctx);
        SessionRow row = existing(ctx.pathParam("id"));
        SessionRow ended = sessions.delete(row.id()).orElse(row);
        store.audit().append(new AuditRow(java.time.Instant.now(), keyId, "session.delete", ended.id(),
                ended.userId(), ended.provider(), "from the dashboard"));
        ctx.redirect("/dashboard/session/" + row.id(), HttpStatus.SEE_OTHER);
    }

    /** The operator's keepalive: restarts the session's idle clock, as {@code POST …/keepalive} does for the platform. */
    private void extend(Context ctx) {
        String keyId = requireLogin(ctx);
        SessionRow row = existing(ctx.pathParam("id"));
        if (sessions.keepalive(row.id()).isEmpty()) {
            // an operator's browser, not a script: back to the page, which says why (Post/Redirect/Get)
            ctx.redirect("/dashboard/session/" + row.id() + "?notice=" + NOTICE_NOT_LIVE, HttpStatus.SEE_OTHER);
            return;
        }
        store.audit().append(new AuditRow(java.time.Instant.now(), keyId, "session.keepalive", row.id(),
                row.userId(), row.provider(), "from the dashboard"));
        ctx.redirect("/dashboard/session/" + row.id(), HttpStatus.SEE_OTHER);
    }

    private void asset(Context ctx) throws IOException {
        String file = ctx.pathParam("file");
        String type = ASSETS.get(file);
        if (type == null) {
            throw new ApiException(404, "not-found", "no dashboard file '" + file + "'");
        }
        try (InputStream in = DashboardRoutes.class.getResourceAsStream("/web/" + file)) {
            ctx.contentType(type).header("Cache-Control", "no-cache").result(in.readAllBytes());
        }
    }

    private Optional<String> loggedIn(Context ctx) {
        return logins.keyId(ctx.cookie(DashboardLogins.COOKIE));
    }

    private String requireLogin(Context ctx) {
        return loggedIn(ctx).orElseThrow(() -> new ApiException(401, "not-logged-in",
                "log in to the dashboard at /dashboard/login with an admin API key"));
    }

    private SessionRow existing(String id) {
        if (!SessionIds.isValid(id)) {
            throw new ApiException(400, "invalid-session-id", "not a session id (expected a lower-case UUID)");
        }
        return sessions.find(id).orElseThrow(() -> new ApiException(404, "session-not-found",
                "no session " + id + " on this controller"));
    }

    private static void html(Context ctx, int status, String page) {
        ctx.status(status).contentType("text/html; charset=utf-8").header("Cache-Control", "no-store").result(page);
    }
}
