package io.vmdesk.e2e;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/** A minimal live-view client: what arrives first (binary data or a close frame) and which subprotocol was agreed. */
final class WebSocketProbe implements WebSocket.Listener {
    final CompletableFuture<String> firstBinary = new CompletableFuture<>();
    final CompletableFuture<String> closed = new CompletableFuture<>();
    private final StringBuilder binary = new StringBuilder();
    WebSocket socket;

    static WebSocketProbe open(String url, String... subprotocols) throws Exception {
        WebSocketProbe probe = new WebSocketProbe();
        WebSocket.Builder builder = HttpClient.newHttpClient().newWebSocketBuilder()
                .connectTimeout(Duration.ofSeconds(10));
        if (subprotocols.length > 0) {
            builder.subprotocols(subprotocols[0], java.util.Arrays.copyOfRange(subprotocols, 1, subprotocols.length));
        }
        probe.socket = builder.buildAsync(URI.create(url), probe).get(20, TimeUnit.SECONDS);
        return probe;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
        binary.append(StandardCharsets.ISO_8859_1.decode(data));
        if (binary.length() >= 12) {
            firstBinary.complete(binary.substring(0, 12));
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
        firstBinary.completeExceptionally(error);
    }
}
