package io.vmdesk.proxy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import io.vmdesk.metrics.ControllerMetrics;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One viewer's relay: a browser WebSocket on one side, an {@link Upstream} to the guest on the other. Guest→browser
 * output is handed over one chunk at a time and the next chunk is read only once Jetty has written the last, so a
 * slow browser slows the guest instead of growing a buffer; a browser that takes nothing for the stall timeout is
 * closed (1013). It ends exactly once, always with a close frame.
 */
final class VncTunnel {
    private static final Logger log = LoggerFactory.getLogger(VncTunnel.class);

    final String sessionId;
    private final Session browser;
    private final RelayLimits limits;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile Upstream guest;
    private volatile String closeReason;
    private volatile boolean attached;
    private static final AtomicLong ORDER = new AtomicLong();
    /** When this viewer reached the guest, in attach order; the earliest open one controls a shared session. */
    volatile long attachedOrder = Long.MAX_VALUE;
    /** Whether the session counts this viewer as watching (see LiveViewProxy#attach). */
    final AtomicBoolean counted = new AtomicBoolean();

    private final ControllerMetrics metrics;

    /** Told each time the browser has taken a chunk of guest output (see LiveViewSocket: a sign of life). */
    private volatile Runnable browserTook = () -> { };

    /** Told once the tunnel has ended on its own (not when the browser left): the session records why at once. */
    private final Consumer<VncTunnel> ended;

    VncTunnel(String sessionId, Session browser, RelayLimits limits, ControllerMetrics metrics,
            Consumer<VncTunnel> ended) {
        this.sessionId = sessionId;
        this.ended = ended;
        this.browser = browser;
        this.limits = limits;
        this.metrics = metrics;
        metrics.viewerOpened();
    }

    void onBrowserTook(Runnable listener) {
        browserTook = listener;
    }

    RelayLimits limits() {
        return limits;
    }

    /** Connects to the guest and starts relaying; throws if the guest cannot be reached. */
    void connect(Upstream.Connector connector, String host) throws IOException {
        Upstream upstream = connector.connect(host, this);
        guest = upstream;
        attachedOrder = ORDER.incrementAndGet();
        attached = true;
        if (closed.get()) {
            upstream.close(); // the browser left or the session ended while we were connecting
        }
    }

    /**
     * Guest→browser: sends one chunk and returns once Jetty has written it (the caller may then reuse the buffer),
     * or false when the tunnel is closed. A browser that leaves it unwritten for the stall timeout is closed.
     */
    boolean toBrowser(ByteBuffer chunk) {
        Callback.Completable sent = startToBrowser(chunk);
        return sent != null && awaitSent(sent);
    }

    /** Starts sending one chunk to the browser; null when the tunnel is closed. The chunk is Jetty's until sent. */
    Callback.Completable startToBrowser(ByteBuffer chunk) {
        if (closed.get()) {
            return null;
        }
        metrics.toBrowser(chunk.remaining());
        return Callback.Completable.with(c -> browser.sendBinary(chunk, c));
    }

    /** Waits (at most the stall timeout) until a chunk is written; false, with the tunnel closed, when it is not. */
    boolean awaitSent(Callback.Completable sent) {
        try {
            sent.get(limits.stallTimeout().toMillis(), TimeUnit.MILLISECONDS);
            browserTook.run();
            return true;
        } catch (TimeoutException e) {
            close(CloseCode.BROWSER_STALLED, "browser took nothing for " + limits.stallTimeout().toSeconds() + "s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close(CloseCode.GOING_AWAY, null);
        } catch (ExecutionException e) {
            // the browser side went away (send failed); its onClose/onError reports it, this is only a fallback
            close(CloseCode.INTERNAL, "send to browser failed: " + e.getCause().getClass().getSimpleName());
        }
        return false;
    }

    /** The guest side ended (closed, reset, or websockify said so): tell the browser at once. */
    void upstreamEnded(CloseCode code, String detail) {
        close(code, detail);
    }

    boolean isOpen() {
        return !closed.get();
    }

    /**
     * Whether a browser→guest message may change the desktop: RFB KeyEvent (4), PointerEvent (5) and ClientCutText
     * (6). noVNC sends each RFB message as one WebSocket message, so the first byte names it.
     */
    static boolean isInput(ByteBuffer message) {
        if (!message.hasRemaining()) {
            return false;
        }
        int type = message.get(message.position()) & 0xff;
        return type == 4 || type == 5 || type == 6;
    }

    /** Browser→guest: blocking write; TCP backpressure reaches the browser through Jetty's demand. */
    void sendToGuest(ByteBuffer data) throws IOException {
        Upstream upstream = guest;
        if (upstream == null || closed.get()) {
            return;
        }
        metrics.toGuest(data.remaining());
        upstream.send(data);
    }

    /** Ends the tunnel once: close frame to the browser, close the guest side. */
    boolean close(CloseCode code, String detail) {
        if (!closed.compareAndSet(false, true)) {
            return false;
        }
        closeReason = code.code() + " " + code.reasonWith(detail);
        metrics.viewerClosed(code.code());
        log.info("session={} viewer closed code={} reason={}", sessionId, code.code(), code.reasonWith(detail));
        if (browser.isOpen()) {
            browser.close(code.code(), code.reasonWith(detail), Callback.NOOP);
        }
        Upstream upstream = guest;
        if (upstream != null) {
            upstream.close();
        }
        // A browser that stopped reading sees the close frame only if it reads again; the session says why now.
        ended.accept(this);
        return true;
    }

    /** The browser ended the connection (or vanished): drop the guest side at once. */
    void browserGone(int status, String reason) {
        if (closed.compareAndSet(false, true)) {
            metrics.viewerClosed(status);
            closeReason = "browser closed " + status + (reason == null || reason.isEmpty() ? "" : " " + reason);
            log.info("session={} viewer left status={} reason={}", sessionId, status, reason);
        }
        Upstream upstream = guest;
        if (upstream != null) {
            upstream.close();
        }
    }

    String closeReason() {
        return closeReason;
    }

    /** Whether this viewer ever reached the guest (refusals before that are not a session's "last disconnect"). */
    boolean attached() {
        return attached;
    }
}
