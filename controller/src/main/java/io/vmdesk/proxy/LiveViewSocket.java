package io.vmdesk.proxy;

import io.javalin.config.JavalinConfig;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import org.eclipse.jetty.ee10.websocket.server.JettyWebSocketCreator;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;

/**
 * The browser side of one live view, as a Jetty WebSocket listener of our own rather than Javalin's: Javalin 7 does
 * not pass pongs on, and Jetty counts the pings it writes as activity, so neither would notice a browser that keeps
 * its TCP connection but no longer answers. This listener pings every PROXY_PING_INTERVAL and closes with
 * {@link CloseCode#BROWSER_UNRESPONSIVE} once two pings written to its socket are unanswered — no pong, no message
 * since: noticed at the next ping time, each of the two having had at least one interval to be answered.
 *
 * <p>Messages from the browser count as signs of life too: a viewer that sends but has stopped reading is the stall
 * timeout's case (1013 {@code browser-stalled}), whose pings wait unread behind the pixels.
 */
public final class LiveViewSocket implements Session.Listener.AutoDemanding {
    /** One daemon thread sends every viewer's pings; a ping is a non-blocking enqueue. */
    private static final ScheduledExecutorService PINGER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "live-view-pings");
        t.setDaemon(true);
        return t;
    });

    private final Duration pingInterval;
    private final Function<Session, VncTunnel> opener;
    private final Consumer<VncTunnel> start;
    private final Predicate<VncTunnel> mayType;
    private final Consumer<VncTunnel> ended;
    private volatile VncTunnel tunnel;
    private volatile Session browser;
    /** Pings are numbered; the highest number written to the socket, and the highest the browser has answered. */
    private final AtomicLong numbered = new AtomicLong();
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong answered = new AtomicLong();
    private static final int PINGS_AFTER_CLOSE = 5;
    private final java.util.concurrent.atomic.AtomicInteger afterClose = new java.util.concurrent.atomic.AtomicInteger();
    private volatile ScheduledFuture<?> pings;

    /**
     * @param opener  makes the viewer's tunnel once the WebSocket is open
     * @param start   then checks the viewer and starts reaching the guest (it may close the tunnel at once)
     * @param mayType whether a viewer's input events reach the guest (a watching viewer of a shared session's do not)
     * @param ended   told once the browser side has gone
     */
    LiveViewSocket(Duration pingInterval, Function<Session, VncTunnel> opener, Consumer<VncTunnel> start,
            Predicate<VncTunnel> mayType, Consumer<VncTunnel> ended) {
        this.pingInterval = pingInterval;
        this.opener = opener;
        this.start = start;
        this.mayType = mayType;
        this.ended = ended;
    }

    /**
     * Serves {@code path} (a Javalin path, {@code {name}} for a segment) with our listener. The Javalin route is
     * declared as well, without handlers: Javalin answers 404 to an upgrade for a path it does not know, and lists
     * its routes (the OpenAPI coverage test); the upgrade itself goes to the more specific Jetty mapping.
     */
    public static void mount(JavalinConfig cfg, String path, JettyWebSocketCreator creator) {
        cfg.jetty.modifyWebSocketServletFactory(factory -> factory.addMapping("uri-template|" + path, creator));
        cfg.routes.ws(path, ws -> { });
    }

    @Override
    public void onWebSocketOpen(Session session) {
        browser = session;
        // Jetty's own idle timeout is a backstop only: its pings count as activity there.
        session.setIdleTimeout(pingInterval.multipliedBy(2).plusSeconds(5));
        heard();
        tunnel = opener.apply(session);
        tunnel.onBrowserTook(this::heard);
        long every = pingInterval.toMillis();
        pings = PINGER.scheduleAtFixedRate(this::ping, every, every, TimeUnit.MILLISECONDS);
        start.accept(tunnel); // after the tunnel is known here: a close it causes must find it
    }

    /**
     * A message, or guest output the browser has taken: it is there, whatever became of the pings so far (which wait
     * behind that output on a slow link; a browser that takes nothing at all is the stall timeout's case).
     */
    private void heard() {
        answered.accumulateAndGet(delivered.get(), Math::max);
    }

    /** At each interval: close a browser that let the last two pings go unanswered, else ping it. */
    private void ping() {
        VncTunnel t = tunnel;
        Session s = browser;
        if (t == null || s == null) {
            return;
        }
        if (!t.isOpen()) {
            // Closed by us, the close frame perhaps still behind output a stalled browser has not taken: Jetty counts
            // pings as activity, so a few more give a browser that reads again the time to find the close frame
            // (instead of an idle timeout's bare drop, which it would report as 1006); then Jetty's idle timeout rules.
            if (afterClose.incrementAndGet() > PINGS_AFTER_CLOSE) {
                stopPinging();
            } else {
                s.sendPing(ByteBuffer.allocate(0), Callback.NOOP);
            }
            return;
        }
        if (delivered.get() - answered.get() >= 2) {
            stopPinging();
            long silent = pingInterval.multipliedBy(2).toSeconds();
            // closing tells the session (a store write): not on the one thread that pings everyone
            Thread.ofVirtual().name("viewer-unresponsive-" + t.sessionId).start(() -> t.close(
                    CloseCode.BROWSER_UNRESPONSIVE, "no pong for " + silent + "s"));
            return;
        }
        long n = numbered.incrementAndGet();
        // counted once written: a ping queued behind pixels a stalled browser does not take proves nothing (that
        // browser is the stall timeout's), and a pong cannot come before its ping has gone out
        s.sendPing(ByteBuffer.allocate(Long.BYTES).putLong(0, n),
                Callback.from(() -> delivered.accumulateAndGet(n, Math::max), failed -> { }));
    }

    private void stopPinging() {
        ScheduledFuture<?> p = pings;
        if (p != null) {
            p.cancel(false);
        }
    }

    @Override
    public void onWebSocketPong(ByteBuffer payload) {
        if (payload.remaining() == Long.BYTES) {
            long n = Math.min(payload.getLong(payload.position()), numbered.get()); // no credit for pings to come
            answered.accumulateAndGet(n, Math::max);
        } else {
            heard(); // an unsolicited pong (RFC 6455 allows them as a heartbeat)
        }
    }

    @Override
    public void onWebSocketBinary(ByteBuffer data, Callback callback) {
        heard();
        VncTunnel t = tunnel;
        try {
            if (t != null && !(VncTunnel.isInput(data) && !mayType.test(t))) { // a watcher sees, it does not type
                t.sendToGuest(data);
            }
        } catch (java.io.IOException e) {
            t.close(CloseCode.GUEST_UNREACHABLE, "write to guest failed: " + e.getMessage());
        } finally {
            callback.succeed();
        }
    }

    @Override
    public void onWebSocketText(String message) {
        heard();
        VncTunnel t = tunnel;
        if (t != null) {
            t.close(CloseCode.POLICY, "text frames are not RFB");
        }
    }

    @Override
    public void onWebSocketClose(int status, String reason) {
        gone(status, reason);
    }

    @Override
    public void onWebSocketError(Throwable cause) {
        gone(1006, String.valueOf(cause));
    }

    private void gone(int status, String reason) {
        stopPinging();
        VncTunnel t = tunnel;
        if (t != null) {
            t.browserGone(status, reason);
            ended.accept(t);
        }
    }
}
