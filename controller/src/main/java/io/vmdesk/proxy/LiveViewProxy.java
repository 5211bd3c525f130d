package io.vmdesk.proxy;

import io.javalin.websocket.WsConfig;
import io.javalin.websocket.WsContext;
import io.vmdesk.auth.LiveViewTokens;
import io.vmdesk.session.EndReason;
import io.vmdesk.session.SessionIds;
import io.vmdesk.session.SessionManager;
import io.vmdesk.session.SessionStatus;
import io.vmdesk.store.SessionRow;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The WebSocket endpoint {@code /api/auth/session/{id}/novnc/websockify}: waits (bounded) for a STARTING session,
 * connects to the guest's VNC server and relays binary messages both ways. Every outcome ends with a close code from
 * {@link CloseCode}; viewers of a session that ends are closed with the session's reason before its guest goes.
 */
public final class LiveViewProxy implements Consumer<WsConfig> {
    private static final Logger log = LoggerFactory.getLogger(LiveViewProxy.class);
    static final String TUNNEL = "vmdesk.tunnel";
    private static final int CONNECT_TIMEOUT_MILLIS = 5000;

    private final SessionManager sessions;
    private final Duration viewerWait;
    private final Duration pingInterval;
    private final Map<String, Set<VncTunnel>> viewers = new ConcurrentHashMap<>();

    private final java.util.function.Predicate<String> fromGuest;
    private final boolean exclusive;

    private final io.vmdesk.metrics.ControllerMetrics metrics;
    private final Upstream.Connector upstream;
    private final RelayLimits limits;

    private final LiveViewTokens tokens;

    /**
     * @param exclusive a new viewer replaces the old (4410); otherwise they share, the earliest one in control
     * @param tokens    the live-view tokens and cookies a viewer must present
     * @param upstream  LIVE_VIEW_UPSTREAM: vnc or websockify
     */
    public LiveViewProxy(SessionManager sessions, Duration viewerWait, Duration pingInterval,
            java.util.function.Predicate<String> fromGuest, boolean exclusive, LiveViewTokens tokens,
            io.vmdesk.metrics.ControllerMetrics metrics, String upstream, RelayLimits limits) {
        this.sessions = sessions;
        this.tokens = tokens;
        this.upstream = Upstream.forSetting(upstream, CONNECT_TIMEOUT_MILLIS);
        this.limits = limits;
        this.metrics = metrics;
        this.exclusive = exclusive;
        this.fromGuest = fromGuest;
        this.viewerWait = viewerWait;
        this.pingInterval = pingInterval;
        sessions.onSessionEnd(this::closeViewers);
    }

    @Override
    public void accept(WsConfig ws) {
        ws.onConnect(this::onConnect);
        relay(ws, tunnel -> exclusive || inControl(tunnel), this::forget);
    }

    /**
     * The message, close and error handlers every live-view endpoint shares (also the benchmark's relay).
     *
     * @param mayType whether a viewer's input events reach the guest (a watching viewer of a shared session's do not)
     * @param ended   called once the browser side has gone
     */
    static void relay(WsConfig ws, java.util.function.Predicate<VncTunnel> mayType, Consumer<VncTunnel> ended) {
        ws.onBinaryMessage(ctx -> {
            VncTunnel tunnel = ctx.attribute(TUNNEL);
            if (tunnel != null) {
                if (VncTunnel.isInput(ctx.data()) && !mayType.test(tunnel)) {
                    return; // it sees, it does not type or click
                }
                try {
                    tunnel.sendToGuest(ctx.data());
                } catch (IOException e) {
                    tunnel.close(CloseCode.GUEST_UNREACHABLE, "write to guest failed: " + e.getMessage());
                }
            }
        });
        ws.onMessage(ctx -> {
            VncTunnel tunnel = ctx.attribute(TUNNEL);
            if (tunnel != null) {
                tunnel.close(CloseCode.POLICY, "text frames are not RFB");
            }
        });
        ws.onClose(ctx -> {
            VncTunnel tunnel = ctx.attribute(TUNNEL);
            if (tunnel != null) {
                tunnel.browserGone(ctx.status(), ctx.reason());
                ended.accept(tunnel);
            }
        });
        ws.onError(ctx -> {
            VncTunnel tunnel = ctx.attribute(TUNNEL);
            if (tunnel != null) {
                tunnel.browserGone(1006, String.valueOf(ctx.error()));
                ended.accept(tunnel);
            }
        });
    }

    /** A new viewer's tunnel, with pings on: they keep a still desktop alive through proxies that cut idle links. */
    static VncTunnel open(WsContext ctx, String sessionId, Duration pingInterval, RelayLimits limits,
            io.vmdesk.metrics.ControllerMetrics metrics, Consumer<VncTunnel> ended) {
        VncTunnel tunnel = new VncTunnel(sessionId, ctx.session, limits, metrics, ended);
        ctx.attribute(TUNNEL, tunnel);
        ctx.enableAutomaticPings(pingInterval.toMillis(), TimeUnit.MILLISECONDS);
        ctx.session.setIdleTimeout(pingInterval.multipliedBy(2).plusSeconds(5));
        return tunnel;
    }

    private void onConnect(WsContext ctx) {
        String id = ctx.pathParam("id");
        VncTunnel tunnel = open(ctx, id, pingInterval, limits, metrics, this::forget);
        if (!SessionIds.isValid(id)) {
            tunnel.close(CloseCode.SESSION_NOT_FOUND, "not a session id");
            return;
        }
        if (ctx.session.getRemoteSocketAddress() instanceof java.net.InetSocketAddress remote
                && fromGuest.test(remote.getAddress().getHostAddress())) {
            tunnel.close(CloseCode.POLICY, "guests may not open live views");
            return;
        }
        // The browser sends the cookie the page set; a client that opens the socket directly may send the token.
        String token = ctx.queryParam("token");
        String cookie = ctx.cookie(LiveViewTokens.COOKIE);
        viewers.computeIfAbsent(id, k -> ConcurrentHashMap.newKeySet()).add(tunnel);
        // Waiting for READY and connecting may take seconds: not on a Jetty thread.
        Thread.ofVirtual().name("viewer-" + id).start(() -> attach(tunnel, token, cookie));
    }

    private void attach(VncTunnel tunnel, String token, String cookie) {
        String id = tunnel.sessionId;
        try {
            if (sessions.find(id).isEmpty()) {
                tunnel.close(CloseCode.SESSION_NOT_FOUND, null);
                forget(tunnel);
                return;
            }
            Optional<LiveViewTokens.Refusal> refusal = tokens.check(id, token, cookie);
            if (refusal.isPresent()) {
                tunnel.close(CloseCode.POLICY, refusal.get().closeDetail());
                forget(tunnel);
                return;
            }
            Optional<SessionRow> row = sessions.awaitReady(id, viewerWait);
            if (row.isEmpty()) {
                tunnel.close(CloseCode.SESSION_NOT_FOUND, null);
                return;
            }
            SessionStatus status = SessionStatus.valueOf(row.get().status());
            if (status == SessionStatus.STARTING) {
                tunnel.close(CloseCode.GUEST_STARTING, "not ready after " + viewerWait.toSeconds() + "s");
                return;
            }
            if (status != SessionStatus.READY) {
                String why = row.get().endedReason() == null ? "session is ending" : row.get().endedReason();
                tunnel.close(closeFor(row.get()), why);
                return;
            }
            tunnel.connect(upstream, row.get().browserIp());
            // counted once, uncounted once, whichever of attach and close comes first
            if (tunnel.counted.compareAndSet(false, true)) {
                sessions.viewerAttached(id);
            }
            if (!tunnel.isOpen() && tunnel.counted.compareAndSet(true, false)) {
                sessions.viewerDetached(id, tunnel.closeReason());
            }
            log.info("session={} viewer attached to {} {}", id, row.get().browserIp(), upstream.describe());
            if (exclusive) {
                for (VncTunnel other : viewers.getOrDefault(id, Set.of())) {
                    if (other != tunnel) {
                        other.close(CloseCode.REPLACED, "another viewer took over"); // which forgets it
                    }
                }
            }
        } catch (IOException e) {
            tunnel.close(CloseCode.GUEST_UNREACHABLE, upstream.describe() + " connect failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            tunnel.close(CloseCode.GOING_AWAY, null);
        } catch (RuntimeException e) {
            log.error("session={} viewer attach failed", id, e);
            tunnel.close(CloseCode.INTERNAL, e.getClass().getSimpleName());
        }
    }

    /** In a shared session, the viewer that attached first among those still open controls the desktop. */
    private boolean inControl(VncTunnel tunnel) {
        long first = Long.MAX_VALUE;
        for (VncTunnel t : viewers.getOrDefault(tunnel.sessionId, Set.of())) {
            if (t.isOpen() && t.attached()) {
                first = Math.min(first, t.attachedOrder);
            }
        }
        return tunnel.attachedOrder == first;
    }

    /** A session that is over (or ending): the same close code its viewers got when it ended. */
    private static CloseCode closeFor(SessionRow row) {
        String reason = row.endedReason() == null ? "" : row.endedReason();
        for (EndReason r : EndReason.values()) {
            if (reason.equals(r.code()) || reason.startsWith(r.code() + ":")) {
                return CloseCode.of(r.closeCode());
            }
        }
        return row.status().equals(SessionStatus.FAILED.name()) ? CloseCode.GUEST_UNREACHABLE : CloseCode.NORMAL;
    }

    private void closeViewers(String sessionId, EndReason reason) {
        Set<VncTunnel> set = viewers.remove(sessionId);
        if (set == null) {
            return;
        }
        CloseCode code = CloseCode.of(reason.closeCode());
        for (VncTunnel tunnel : set) {
            tunnel.close(code, reason.code());
            if (tunnel.counted.compareAndSet(true, false)) {
                sessions.viewerDetached(sessionId, tunnel.closeReason());
            }
        }
    }

    private void forget(VncTunnel tunnel) {
        Set<VncTunnel> set = viewers.get(tunnel.sessionId);
        if (set != null) {
            set.remove(tunnel);
        }
        if (tunnel.counted.compareAndSet(true, false)) {
            sessions.viewerDetached(tunnel.sessionId, tunnel.closeReason());
        }
    }

}
