package io.vmdesk.e2e;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * A minimal RFB client over the live-view WebSocket, as noVNC would be: version, security None, ClientInit, and
 * framebuffer update requests. Records what it receives and how the connection ended.
 */
final class RfbViewer implements WebSocket.Listener {
    final CompletableFuture<String> closed = new CompletableFuture<>();
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();
    private WebSocket socket;
    /** While paused, the viewer reads nothing more from its socket: a browser that stopped reading. */
    private volatile boolean paused;
    private volatile boolean demandOwed;

    /** @param subprotocols offered in the handshake (none by default, as noVNC since 1.2) */
    static RfbViewer connect(String url, String... subprotocols) throws Exception {
        RfbViewer viewer = new RfbViewer();
        WebSocket.Builder builder = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10));
        if (subprotocols.length > 0) {
            builder.subprotocols(subprotocols[0], Arrays.copyOfRange(subprotocols, 1, subprotocols.length));
        }
        viewer.socket = builder.buildAsync(URI.create(url), viewer).get(30, TimeUnit.SECONDS);
        return viewer;
    }

    /** Connects sending the cookie header a browser would send (the live-view cookie). */
    static RfbViewer connectWithCookie(String url, String cookie) throws Exception {
        RfbViewer viewer = new RfbViewer();
        viewer.socket = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10))
                .header("Cookie", cookie).buildAsync(URI.create(url), viewer).get(30, TimeUnit.SECONDS);
        return viewer;
    }

    /** The subprotocol the server agreed to ("" when none). */
    String subprotocol() {
        return socket.getSubprotocol();
    }

    /** The server's first 12 bytes: its RFB version banner. */
    String banner() throws Exception {
        awaitBytes(12);
        return new String(received(), 0, 12, StandardCharsets.US_ASCII);
    }

    /** The RFB 3.8 handshake with security type None; returns once ServerInit has arrived. */
    RfbViewer handshake() throws Exception {
        awaitBytes(12);
        send("RFB 003.008\n".getBytes(StandardCharsets.US_ASCII));
        awaitBytes(12 + 1);
        int types = received()[12];
        awaitBytes(13 + types);
        send(new byte[] {1});                      // security type None
        awaitBytes(13 + types + 4);                // SecurityResult OK
        send(new byte[] {1});                      // ClientInit: shared
        awaitBytes(13 + types + 4 + 24);           // ServerInit (fixed part)
        return this;
    }

    /** Asks for a full (non-incremental) update of a 16x16 corner and waits for bytes to arrive. */
    void requestUpdateAndAwaitData(Duration timeout) throws Exception {
        int before = received().length;
        send(new byte[] {3, 0, 0, 0, 0, 0, 0, 16, 0, 16});
        long deadline = System.nanoTime() + timeout.toNanos();
        while (received().length <= before) {
            if (System.nanoTime() > deadline || closed.isDone()) {
                throw new AssertionError("no framebuffer update within " + timeout + "; closed: " + closed.getNow(null));
            }
            Thread.sleep(20);
        }
    }

    /** ClientCutText with {@code size} bytes of text: one WebSocket message of a little more than that. */
    void sendClipboard(int size) throws Exception {
        ByteBuffer message = ByteBuffer.allocate(8 + size);
        message.put((byte) 6).put(new byte[3]).putInt(size);
        while (message.hasRemaining()) {
            message.put((byte) 'x');
        }
        send(message.array());
    }

    /** Asks for the whole screen, uncompressed (Raw: the default encoding), and waits until {@code bytes} arrived. */
    void requestFullScreenAndAwait(int bytes, Duration timeout) throws Exception {
        int before = received().length;
        send(new byte[] {3, 0, 0, 0, 0, 0, 0x05, 0x00, 0x03, 0x20}); // 1280 x 800
        long deadline = System.nanoTime() + timeout.toNanos();
        while (received().length - before < bytes) {
            if (System.nanoTime() > deadline || closed.isDone()) {
                throw new AssertionError("got " + (received().length - before) + " of " + bytes + " bytes; closed: "
                        + closed.getNow(null));
            }
            Thread.sleep(20);
        }
    }

    /** Stops reading: after the message in hand, nothing more is taken from the socket until {@link #resume}. */
    synchronized void pause() {
        paused = true;
    }

    void resume() {
        boolean owed;
        synchronized (this) {
            paused = false;
            owed = demandOwed;
            demandOwed = false;
        }
        if (owed) {
            socket.request(1);
        }
    }

    /** Asks for the whole 1280x800 screen, Raw, without waiting for it. */
    void requestFullScreen() throws Exception {
        send(new byte[] {3, 0, 0, 0, 0, 0, 0x05, 0x00, 0x03, 0x20});
    }

    void abort() {
        socket.abort();
    }

    private void send(byte[] bytes) throws Exception {
        socket.sendBinary(ByteBuffer.wrap(bytes), true).get(10, TimeUnit.SECONDS);
    }

    synchronized byte[] received() {
        return received.toByteArray();
    }

    private void awaitBytes(int n) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (received().length < n) {
            if (System.nanoTime() > deadline || closed.isDone()) {
                throw new AssertionError("expected " + n + " bytes, got " + Arrays.toString(received()) + "; closed: "
                        + closed.getNow(null));
            }
            Thread.sleep(10);
        }
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
        byte[] bytes = new byte[data.remaining()];
        data.get(bytes);
        synchronized (this) {
            received.write(bytes, 0, bytes.length);
            if (paused) {
                demandOwed = true;
                return null;
            }
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        closed.complete(statusCode + " " + reason);
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        closed.complete("error " + error);
    }
}
