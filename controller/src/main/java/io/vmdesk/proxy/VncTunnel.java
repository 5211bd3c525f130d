package io.vmdesk.proxy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import io.vmdesk.metrics.ControllerMetrics;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One viewer's relay: a browser WebSocket on one side, the guest's VNC TCP socket on the other. Guest→browser runs on
 * its own (virtual) thread and reads the next chunk only once the previous one is sent, so a slow browser slows the
 * guest instead of growing a buffer. It ends exactly once, always with a close frame.
 */
final class VncTunnel {
    private static final Logger log = LoggerFactory.getLogger(VncTunnel.class);
    private static final int CHUNK = 64 * 1024;
    private static final long SEND_TIMEOUT_SECONDS = 60;

    final String sessionId;
    private final Session browser;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile Socket guest;
    private volatile String closeReason;
    private volatile boolean attached;
    private static final java.util.concurrent.atomic.AtomicLong ORDER = new java.util.concurrent.atomic.AtomicLong();
    /** When this viewer reached the guest, in attach order; the earliest open one controls a shared session. */
    volatile long attachedOrder = Long.MAX_VALUE;
    /** Whether the session counts this viewer as watching (see LiveViewProxy#attach). */
    final AtomicBoolean counted = new AtomicBoolean();

    private final ControllerMetrics metrics;

    VncTunnel(String sessionId, Session browser, ControllerMetrics metrics) {
        this.sessionId = sessionId;
        this.browser = browser;
        this.metrics = metrics;
        metrics.viewerOpened();
    }

    /** Connects to the guest's VNC port and starts relaying; throws if the guest cannot be reached. */
    void connect(String host, int port, int timeoutMillis) throws IOException {
        Socket socket = new Socket();
        socket.setTcpNoDelay(true);
        try {
            socket.connect(new InetSocketAddress(host, port), timeoutMillis);
        } catch (IOException e) {
            socket.close();
            throw e;
        }
        guest = socket;
        attachedOrder = ORDER.incrementAndGet();
        attached = true;
        if (closed.get()) {
            closeQuietly(socket);
            return;
        }
        Thread.ofVirtual().name("vnc-" + sessionId).start(this::pumpGuestToBrowser);
    }

    private void pumpGuestToBrowser() {
        byte[] buffer = new byte[CHUNK];
        try (InputStream in = guest.getInputStream()) {
            int n;
            // The buffer is reused: the next read starts only after Jetty has written this chunk.
            while ((n = in.read(buffer)) >= 0) {
                ByteBuffer chunk = ByteBuffer.wrap(buffer, 0, n);
                Callback.Completable sent = Callback.Completable.with(c -> browser.sendBinary(chunk, c));
                sent.get(SEND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
                metrics.toBrowser(n);
            }
            close(CloseCode.GUEST_UNREACHABLE, "vnc server closed the connection");
        } catch (IOException e) {
            close(CloseCode.GUEST_UNREACHABLE, "vnc connection lost: " + e.getMessage());
        } catch (java.util.concurrent.TimeoutException e) {
            close(CloseCode.INTERNAL, "browser stopped reading");
        } catch (Exception e) {
            // the browser side went away (send failed); its onClose/onError reports it
            close(CloseCode.INTERNAL, "relay failed: " + e.getClass().getSimpleName());
        }
    }

    boolean isOpen() {
        return !closed.get();
    }

    /**
     * Whether a browser→guest message may change the desktop: RFB KeyEvent (4), PointerEvent (5) and ClientCutText
     * (6). noVNC sends each RFB message as one WebSocket message, so the first byte names it.
     */
    static boolean isInput(java.nio.ByteBuffer message) {
        if (!message.hasRemaining()) {
            return false;
        }
        int type = message.get(message.position()) & 0xff;
        return type == 4 || type == 5 || type == 6;
    }

    /** Browser→guest: blocking write; TCP backpressure reaches the browser through Jetty's demand. */
    void sendToGuest(ByteBuffer data) throws IOException {
        Socket socket = guest;
        if (socket == null || closed.get()) {
            return;
        }
        OutputStream out = socket.getOutputStream();
        metrics.toGuest(data.remaining());
        if (data.hasArray()) {
            out.write(data.array(), data.arrayOffset() + data.position(), data.remaining());
        } else {
            byte[] copy = new byte[data.remaining()];
            data.get(copy);
            out.write(copy);
        }
        out.flush();
    }

    /** Ends the tunnel once: close frame to the browser, close the guest socket. */
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
        Socket socket = guest;
        if (socket != null) {
            closeQuietly(socket);
        }
        return true;
    }

    /** The browser ended the connection (or vanished): drop the guest side at once. */
    void browserGone(int status, String reason) {
        if (closed.compareAndSet(false, true)) {
            metrics.viewerClosed(status);
            closeReason = "browser closed " + status + (reason == null || reason.isEmpty() ? "" : " " + reason);
            log.info("session={} viewer left status={} reason={}", sessionId, status, reason);
        }
        Socket socket = guest;
        if (socket != null) {
            closeQuietly(socket);
        }
    }

    String closeReason() {
        return closeReason;
    }

    /** Whether this viewer ever reached the guest (refusals before that are not a session's "last disconnect"). */
    boolean attached() {
        return attached;
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // nothing more to do with a socket we are discarding
        }
    }
}
