package io.vmdesk.proxy;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A websockify WebSocket in the guest (:6080) in front of its VNC server, for images that serve one instead of raw
 * VNC. RFB is a byte stream, so message boundaries carry no meaning: each upstream message (or fragment of one, of
 * any size — websockify's are up to 64 KiB, others' larger) is passed on as one browser message, and the next is
 * requested only once the browser side has taken it, so backpressure works as with raw TCP. The upstream's close
 * code is mapped onto ours: 1009 stays 1009, 1013 (try later) stays 1013, everything else means the guest's VNC
 * cannot be reached (1014), with websockify's code and reason in the detail.
 */
final class WebsockifyUpstream implements Upstream, WebSocket.Listener {
    static final int PORT = 6080;
    /** The JDK client sets TCP_NODELAY on its connections; virtual threads let the listener block on the browser. */
    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .executor(Executors.newVirtualThreadPerTaskExecutor()).build();
    private static final long SEND_TIMEOUT_SECONDS = 30;

    private final VncTunnel tunnel;
    private volatile WebSocket socket;

    private WebsockifyUpstream(VncTunnel tunnel) {
        this.tunnel = tunnel;
    }

    record Connector(int port, int timeoutMillis) implements Upstream.Connector {
        @Override
        public Upstream connect(String host, VncTunnel tunnel) throws IOException {
            return open(URI.create("ws://" + host + ":" + port + "/websockify"), timeoutMillis, tunnel);
        }

        @Override
        public String describe() {
            return "websockify :" + port;
        }
    }

    /** Opens the upstream WebSocket, offering "binary" as noVNC once did (websockify then answers binary frames). */
    static WebsockifyUpstream open(URI uri, int timeoutMillis, VncTunnel tunnel) throws IOException {
        WebsockifyUpstream upstream = new WebsockifyUpstream(tunnel);
        try {
            upstream.socket = CLIENT.newWebSocketBuilder().connectTimeout(Duration.ofMillis(timeoutMillis))
                    .subprotocols("binary").buildAsync(uri, upstream).get(timeoutMillis * 2L, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof WebSocketHandshakeException h) {
                throw new IOException("websockify handshake refused with HTTP " + h.getResponse().statusCode());
            }
            throw new IOException("websockify unreachable: " + cause.getClass().getSimpleName()
                    + (cause.getMessage() == null ? "" : " " + cause.getMessage()), cause);
        } catch (TimeoutException e) {
            throw new IOException("websockify handshake timed out after " + timeoutMillis * 2 + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while connecting to websockify");
        }
        return upstream;
    }

    @Override
    public void onOpen(WebSocket webSocket) {
        webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
        // Runs on a virtual thread: waiting here for the browser is the backpressure.
        if (tunnel.toBrowser(data)) {
            webSocket.request(1);
        }
        return null;
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        // websockify in base64 mode would send text; we offered only binary, so this is a misconfigured peer.
        tunnel.upstreamEnded(CloseCode.GUEST_UNREACHABLE, "websockify sent text, not binary RFB");
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        tunnel.upstreamEnded(mapped(statusCode), "websockify closed " + statusCode
                + (reason == null || reason.isEmpty() ? "" : " " + reason));
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        tunnel.upstreamEnded(CloseCode.GUEST_UNREACHABLE, "websockify connection lost: "
                + error.getClass().getSimpleName() + (error.getMessage() == null ? "" : " " + error.getMessage()));
    }

    /** The close code a browser gets when websockify closes with {@code upstream}. */
    static CloseCode mapped(int upstream) {
        return switch (upstream) {
            case 1009 -> CloseCode.TOO_BIG;
            case 1013 -> CloseCode.GUEST_STARTING;
            default -> CloseCode.GUEST_UNREACHABLE;
        };
    }

    @Override
    public void send(ByteBuffer message) throws IOException {
        WebSocket ws = socket;
        if (ws == null) {
            return;
        }
        try {
            ws.sendBinary(message, true).get(SEND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IOException("send to websockify failed: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IOException("websockify did not take a message within " + SEND_TIMEOUT_SECONDS + "s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while sending to websockify");
        }
    }

    @Override
    public void close() {
        WebSocket ws = socket;
        if (ws != null) {
            ws.abort();
        }
    }
}
