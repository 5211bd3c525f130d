package io.vmdesk.proxy;

import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.ee10.websocket.server.JettyServerUpgradeRequest;
import org.eclipse.jetty.ee10.websocket.server.JettyServerUpgradeResponse;
import org.eclipse.jetty.ee10.websocket.server.JettyWebSocketCreator;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The WebSocket endpoint {@code /api/auth/session/{id}/novnc/websockify}: waits (bounded) for a STARTING session,
 * connects to the guest's VNC server and relays binary messages both ways. Every outcome ends with a close code from
 * {@link CloseCode}; viewers of a session that ends are closed with the session's reason before its guest goes.
 * Served by a {@link LiveViewSocket} per viewer (pings, pongs, messages), mounted on Jetty under {@link #PATH}.
 */
public final class LiveViewProxy implements JettyWebSocketCreator {
    private static final Logger log = LoggerFactory.getLogger(LiveViewProxy.class);
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

    /** The path this endpoint serves (a Javalin path; see {@link LiveViewSocket#mount}). */
    public static final String PATH = "/api/auth/session/{id}/novnc/websockify";
    private static final Pattern SESSION_IN_PATH = Pattern.compile("^/api/auth/session/([^/]+)/novnc/websockify$");

    /** A listener per upgrade; what the upgrade carried (token, cookie, address) is read here, once. */
    @Override
    public Object createWebSocket(JettyServerUpgradeRequest request, JettyServerUpgradeResponse response) {
        HttpServletRequest http = request.getHttpServletRequest();
        Matcher m = SESSION_IN_PATH.matcher(request.getRequestPath());
        String id = m.matches() ? m.group(1) : "";
        String token;
        try {
            token = http.getParameter("token");
        } catch (RuntimeException undecodable) {
            // a query that is not valid percent-encoding (token=%%%): the client's fault, not a 500
            try {
                response.sendError(400, "the query is not valid percent-encoding");
            } catch (java.io.IOException gone) {
                // the client went away: nothing to answer
            }
            return null;
        }
        String cookie = null;
        if (http.getCookies() != null) {
            for (Cookie c : http.getCookies()) {
                if (c.getName().equals(LiveViewTokens.COOKIE)) {
                    cookie = c.getValue();
                }
            }
        }
        String remote = http.getRemoteAddr();
        String presentedCookie = cookie;
        return new LiveViewSocket(pingInterval, browser -> new VncTunnel(id, browser, limits, metrics, this::forget),
                tunnel -> onConnect(tunnel, remote, token, presentedCookie),
                tunnel -> exclusive || inControl(tunnel), this::forget);
    }

    private void onConnect(VncTunnel tunnel, String remote, String token, String cookie) {
        String id = tunnel.sessionId;
        if (!SessionIds.isValid(id)) {
            tunnel.close(CloseCode.SESSION_NOT_FOUND, "not a session id");
            return;
        }
        if (remote != null && fromGuest.test(remote)) {
            tunnel.close(CloseCode.POLICY, "guests may not open live views");
            return;
        }
        // The browser sends the cookie the page set; a client that opens the socket directly may send the token.
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
