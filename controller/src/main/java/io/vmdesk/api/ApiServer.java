package io.vmdesk.api;

import io.javalin.Javalin;
import io.javalin.http.HttpResponseException;
import io.vmdesk.agentapi.AgentRoutes;
import io.vmdesk.auth.ApiKeys;
import io.vmdesk.auth.LiveViewTokens;
import io.vmdesk.auth.Scope;
import io.vmdesk.config.Config;
import io.vmdesk.dashboard.DashboardRoutes;
import io.vmdesk.dashboard.DoctorSummary;
import io.vmdesk.metrics.ControllerMetrics;
import io.vmdesk.store.Store;
import io.vmdesk.vault.Vault;
import java.time.Clock;
import io.vmdesk.provider.ProviderCatalog;
import io.vmdesk.proxy.LiveViewProxy;
import io.vmdesk.proxy.LiveViewSocket;
import io.vmdesk.proxy.RelayLimits;
import io.vmdesk.session.SessionManager;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.unixdomain.server.UnixDomainServerConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The HTTP and WebSocket face of the controller: routes, JSON errors, limits. */
public final class ApiServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ApiServer.class);
    /** Requests are small JSON objects (the largest: an agent's credential hand-back); anything bigger is refused. */
    static final long MAX_REQUEST_BYTES = 256 * 1024;
    /** Above Jetty's 64 KiB default, so large framebuffer updates and clipboard pastes pass. */
    static final long MAX_WS_MESSAGE_BYTES = 4L * 1024 * 1024;

    private final Javalin app;

    /** The live view's WebSocket limits, shared with the proxy benchmark so it measures the same server. */
    public static void webSockets(io.javalin.config.JavalinConfig cfg, java.time.Duration pingInterval) {
        cfg.jetty.modifyWebSocketServletFactory(factory -> {
            factory.setMaxBinaryMessageSize(MAX_WS_MESSAGE_BYTES);
            factory.setMaxFrameSize(MAX_WS_MESSAGE_BYTES);
            factory.setIdleTimeout(pingInterval.multipliedBy(2).plusSeconds(5));
            // No per-message compression: framebuffer updates are already encoded by RFB, and deflate would cost
            // CPU and latency on every message (the set is the live extension registry).
            factory.getAvailableExtensionNames().remove("permessage-deflate");
        });
    }
    private final Config config;

    public ApiServer(Config config, SessionManager sessions, ProviderCatalog providers, AgentRoutes agent,
            Vault vault, ApiKeys apiKeys, LiveViewTokens liveViewTokens, Store store, ControllerMetrics metrics,
            Supplier<Map<String, Object>> health, io.vmdesk.doctor.Doctor doctor) {
        this.config = config;
        SessionRoutes routes = new SessionRoutes(sessions, providers, config.publicUrl(), store, liveViewTokens);
        EventStream events = new EventStream(sessions);
        CredentialRoutes credentials = new CredentialRoutes(vault, apiKeys, store, Clock.systemUTC());
        NoVncRoutes novnc = new NoVncRoutes(routes, liveViewTokens, config.publicUrl().startsWith("https:"));
        OpenApiRoutes openApi = new OpenApiRoutes();
        DoctorSummary doctorSummary = doctor == null ? null : new DoctorSummary(doctor::examineHost, Clock.systemUTC());
        DashboardRoutes dashboard = new DashboardRoutes(sessions, apiKeys, liveViewTokens, store,
                () -> host(config, store, health, doctorSummary), config.publicUrl());
        DiagnosticRoutes diagnostics = new DiagnosticRoutes(doctor);
        LiveViewProxy proxy = new LiveViewProxy(sessions, config.viewerWaitTimeout(), config.pingInterval(),
                remote -> fromGuest(config, remote), config.viewerPolicy().equals("exclusive"), liveViewTokens,
                metrics, config.liveViewUpstream(),
                new RelayLimits(config.liveViewBuffer(), config.liveViewStallTimeout()));
        app = Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            // Virtual threads: a slow or stalled client holds a cheap thread, not one of a bounded pool.
            cfg.concurrency.useVirtualThreads = true;
            cfg.http.prefer405over404 = true;
            cfg.http.maxRequestSize = MAX_REQUEST_BYTES;
            cfg.jetty.host = config.listenAddress();
            cfg.jetty.port = config.port();
            webSockets(cfg, config.pingInterval());
            cfg.routes.before(ctx -> {
                // Guests reach the controller only for their agent channel, never the platform's API.
                if (fromGuest(config, ctx.req().getRemoteAddr()) && !ctx.path().startsWith("/api/agent/")) {
                    throw new ApiException(403, "forbidden", "guests may only use /api/agent/…");
                }
            });
            // The platform's API needs its key; the live view (page, banner status, WebSocket) needs the session's
            // live-view token or the cookie it was exchanged for (NoVncRoutes, LiveViewProxy).
            cfg.routes.before("/api/auth/sessions", ctx -> KeyGuard.require(apiKeys, ctx, Scope.SESSIONS_READ));
            cfg.routes.before("/api/auth/session", ctx -> {
                if (ctx.method().name().equals("POST")) {
                    KeyGuard.require(apiKeys, ctx, Scope.SESSIONS_CREATE);
                }
            });
            cfg.routes.before("/api/auth/session/{id}", ctx -> KeyGuard.require(apiKeys, ctx,
                    ctx.method().name().equals("DELETE") ? Scope.SESSIONS_DELETE : Scope.SESSIONS_READ));
            cfg.routes.before("/api/auth/session/{id}/events", ctx -> KeyGuard.require(apiKeys, ctx,
                    Scope.SESSIONS_READ));
            cfg.routes.before("/api/auth/session/{id}/logs", ctx -> KeyGuard.require(apiKeys, ctx,
                    Scope.SESSIONS_READ));
            // keeping a session alive is the creator's business, like creating it
            cfg.routes.before("/api/auth/session/{id}/keepalive", ctx -> KeyGuard.require(apiKeys, ctx,
                    Scope.SESSIONS_CREATE));
            cfg.routes.before("/api/auth/session", ctx -> {
                // A JSON body, not a form: a cross-site page cannot create sessions with a "simple" request.
                String type = ctx.contentType();
                if (ctx.method().name().equals("POST") && (type == null || !type.startsWith("application/json"))) {
                    throw new ApiException(415, "unsupported-media-type",
                            "send the body as JSON with Content-Type: application/json");
                }
            });
            // Diagnostics show the host's network in detail: operators only.
            cfg.routes.before("/api/diagnostics", ctx -> KeyGuard.require(apiKeys, ctx, Scope.ADMIN));
            cfg.routes.before("/api/auth/session/{id}/diagnostics", ctx -> KeyGuard.require(apiKeys, ctx, Scope.ADMIN));
            cfg.routes.get("/api/diagnostics", diagnostics::host);
            cfg.routes.get("/api/auth/session/{id}/diagnostics", diagnostics::session);
            cfg.routes.post("/api/auth/session", routes::create);
            cfg.routes.get("/api/auth/sessions", routes::list);
            cfg.routes.get("/api/auth/session/{id}", routes::get);
            cfg.routes.delete("/api/auth/session/{id}", routes::delete);
            cfg.routes.get("/api/auth/session/{id}/logs", routes::logs);
            cfg.routes.post("/api/auth/session/{id}/keepalive", routes::keepalive);
            cfg.routes.get("/api/auth/session/{id}/novnc", novnc::page);
            cfg.routes.before("/api/auth/session/{id}/novnc/status", novnc::admit);
            cfg.routes.get("/api/auth/session/{id}/novnc/status", routes::viewStatus);
            cfg.routes.get("/api/auth/session/{id}/novnc/<file>", novnc::asset);
            LiveViewSocket.mount(cfg, LiveViewProxy.PATH, proxy);
            cfg.routes.before("/api/auth/session/{id}/events", ctx -> {
                // Javalin answers an empty 200 to a client that does not ask for an event stream; say why instead.
                routes.existing(ctx.pathParam("id"));
                String accept = ctx.header("Accept");
                if (accept == null || !accept.contains("text/event-stream")) {
                    throw new ApiException(406, "not-acceptable", "this is a server-sent events stream: send "
                            + "Accept: text/event-stream (EventSource does; with curl: curl -N -H 'Accept: "
                            + "text/event-stream' …)");
                }
            });
            cfg.routes.sse("/api/auth/session/{id}/events", events::handle);
            cfg.routes.get("/api/auth/session/{id}/credentials", credentials::forSession);
            cfg.routes.get("/api/users/{userId}/credentials/{provider}", credentials::latest);
            cfg.routes.post("/api/admin/vault/rotate", credentials::rotate);
            cfg.routes.get("/api/agent/sessions/{id}/recipe", agent::recipe);
            cfg.routes.post("/api/agent/sessions/{id}/events", agent::event);
            cfg.routes.post("/api/agent/sessions/{id}/credentials", agent::credentials);
            cfg.routes.get("/api/health", ctx -> Json.send(ctx, 200, health.get()));
            cfg.routes.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
                    .result(metrics.scrape()));
            cfg.routes.get("/api/openapi.json", openApi::description);
            cfg.routes.get("/api/docs", openApi::page);
            cfg.routes.get("/api/docs/<file>", openApi::asset);
            dashboard.register(cfg.routes);

            cfg.routes.exception(ApiException.class, (e, ctx) -> {
                e.headers().forEach(ctx::header);
                Json.send(ctx, e.status(), error(e.error(), e.getMessage()));
            });
            cfg.routes.exception(HttpResponseException.class, (e, ctx) -> Json.send(ctx, e.getStatus(),
                    error(errorName(e.getStatus()), e.getStatus() == 413
                            ? "the request body is larger than " + MAX_REQUEST_BYTES / 1024 + " KiB"
                            : e.getMessage())));
            cfg.routes.exception(java.io.IOException.class, (e, ctx) -> {
                // the client went away or stalled mid-request: its problem, one line in the log
                log.warn("request {} {} from {} failed: {}", ctx.method(), ctx.path(), ctx.req().getRemoteAddr(),
                        e.toString());
                Json.send(ctx, 400, error("bad-request", "the request could not be read: " + e.getMessage()));
            });
            cfg.routes.exception(IllegalArgumentException.class, (e, ctx) -> {
                // a path or query that is not valid percent-encoding (%u2215, %%%) fails in Jetty's or Javalin's decoding: the
                // client's fault, a 400; any other IllegalArgumentException is ours
                if (e instanceof org.eclipse.jetty.http.HttpException http && http.getCode() < 500) {
                    // Jetty's own verdict on a malformed request (a query it cannot parse): keep its 4xx
                    Json.send(ctx, http.getCode(), error("bad-request", "the request is malformed: " + http.getReason()));
                    return;
                }
                if (String.valueOf(e.getMessage()).contains("URLDecoder")) {
                    Json.send(ctx, 400, error("bad-request", "the path or query is not valid percent-encoding"));
                    return;
                }
                log.error("request {} {} failed", ctx.method(), ctx.path(), e);
                Json.send(ctx, 500, error("internal-error", "the controller failed to handle this request; "
                        + "see its log (" + e.getClass().getSimpleName() + ")"));
            });
            cfg.routes.exception(Exception.class, (e, ctx) -> {
                log.error("request {} {} failed", ctx.method(), ctx.path(), e);
                Json.send(ctx, 500, error("internal-error", "the controller failed to handle this request; "
                        + "see its log (" + e.getClass().getSimpleName() + ")"));
            });
        });
    }

    /** The dashboard's host panel: the health numbers, the address pool's use and the doctor's last summary. */
    private static Map<String, Object> host(Config config, Store store, Supplier<Map<String, Object>> health,
            DoctorSummary doctor) {
        Map<String, Object> out = new LinkedHashMap<>(health.get());
        out.put("poolLeased", store.leases().all().size());
        out.put("poolSize", config.poolSize());
        out.put("doctor", doctor == null ? "not available" : doctor.current());
        return out;
    }

    /** Every route as "METHOD path" (WebSockets as "WS path"), for the test that holds them against openapi.json. */
    public java.util.List<String> routes() {
        java.util.List<String> out = new java.util.ArrayList<>();
        app.unsafe.internalRouter.allHttpHandlers().stream().map(h -> h.endpoint)
                .filter(e -> e.method.isHttpMethod())
                .forEach(e -> out.add(e.method.name() + " " + e.path));
        app.unsafe.internalRouter.allWsHandlers().stream().filter(h -> h.getType().name().equals("WEBSOCKET"))
                .forEach(h -> out.add("WS " + h.getPath()));
        return out;
    }

    /** Whether a request comes from a guest (its source address is on the sessions' network). */
    static boolean fromGuest(Config config, String remoteAddress) {
        // a dual-stack listener reports IPv4 clients as ::ffff:a.b.c.d (Jetty may add brackets)
        String address = remoteAddress == null ? "" : remoteAddress.replace("[", "").replace("]", "");
        if (address.toLowerCase(java.util.Locale.ROOT).startsWith("::ffff:")) {
            address = address.substring("::ffff:".length());
        }
        try {
            return config.internalNetwork().contains(io.vmdesk.net.Ipv4Address.parse(address))
                    && !address.equals(config.bridgeIp().toString());
        } catch (IllegalArgumentException notIpv4) {
            return false;
        }
    }

    private static Map<String, Object> error(String error, String detail) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("success", false);
        out.put("error", error);
        out.put("detail", detail);
        return out;
    }

    private static String errorName(int status) {
        return switch (status) {
            case 404 -> "not-found";
            case 405 -> "method-not-allowed";
            case 413 -> "request-too-large";
            case 400 -> "bad-request";
            default -> "http-" + status;
        };
    }

    public ApiServer start() {
        try {
            app.start();
        } catch (io.javalin.util.JavalinBindException e) {
            throw new IllegalStateException("cannot listen on " + config.listenAddress() + ":" + config.port()
                    + " (in use?). Fix: set PORT to a free port, or stop what holds it (ss -ltnp 'sport = :"
                    + config.port() + "')", e);
        }
        log.info("listening on {}:{}", config.listenAddress(), app.port());
        Server jetty = app.jettyServer().server();
        HttpConfiguration http = jetty.getConnectors()[0].getConnectionFactory(HttpConnectionFactory.class)
                .getHttpConfiguration();
        if (!config.listenAddress().equals("0.0.0.0") && !config.listenAddress().equals(config.bridgeIp().toString())) {
            // Guests' agents reach the controller at the bridge address; listen there too.
            ServerConnector bridge = new ServerConnector(jetty, new HttpConnectionFactory(http));
            bridge.setHost(config.bridgeIp().toString());
            bridge.setPort(app.port());
            addConnector(jetty, bridge, "BRIDGE_IP " + config.bridgeIp() + ":" + app.port());
        }
        if (config.controlSocket() != null) {
            removeStaleSocket(config.controlSocket());
            // Added after start: Javalin assumes its connectors are TCP ones while it starts.
            UnixDomainServerConnector unix = new UnixDomainServerConnector(jetty, new HttpConnectionFactory(http));
            unix.setUnixDomainPath(config.controlSocket());
            addConnector(jetty, unix, "CONTROL_SOCKET=" + config.controlSocket());
        }
        return this;
    }

    /**
     * A controller killed with -9 leaves its socket file, and binding then fails with "Address already in use" (after
     * reconciliation revived the guests, with nobody left to look after them). A socket file nobody accepts on is
     * stale and goes; one somebody accepts on is another process's, and is refused.
     */
    private void removeStaleSocket(java.nio.file.Path socket) {
        if (!java.nio.file.Files.exists(socket, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (java.nio.channels.SocketChannel probe = java.nio.channels.SocketChannel.open(
                java.net.UnixDomainSocketAddress.of(socket))) {
            app.stop();
            throw new IllegalStateException("cannot listen on CONTROL_SOCKET=" + socket + ": another process accepts "
                    + "connections on it; stop it, or give CONTROL_SOCKET another path");
        } catch (java.io.IOException nobodyListens) {
            try {
                java.nio.file.Files.delete(socket);
                log.info("removed the stale CONTROL_SOCKET {} (nobody accepted on it)", socket);
            } catch (java.io.IOException e) {
                log.warn("cannot remove the stale CONTROL_SOCKET {}: {}", socket, e.toString());
            }
        }
    }

    private void addConnector(Server jetty, org.eclipse.jetty.server.Connector connector, String what) {
        jetty.addConnector(connector);
        try {
            connector.start();
        } catch (Exception e) {
            app.stop();
            throw new IllegalStateException("cannot listen on " + what + ": " + e.getMessage(), e);
        }
        log.info("listening on {}", what);
    }

    public int port() {
        return app.port();
    }

    @Override
    public void close() {
        app.stop();
    }
}
