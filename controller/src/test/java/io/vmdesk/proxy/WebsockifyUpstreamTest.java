package io.vmdesk.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.javalin.Javalin;
import io.vmdesk.api.ApiServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The websockify upstream against an upstream that does what Debian's websockify does not (messages of megabytes)
 * and closes with whatever code it is told: FakeWebsockify, a WebSocket server in this JVM. The relay in front of it
 * is the real one ({@link FixedUpstreamRelay}: tunnel, upstream, the controller's Jetty settings). The real
 * websockify is tested end to end in {@code e2e.WebsockifyUpstreamTest}.
 */
@Timeout(30)
class WebsockifyUpstreamTest {
    private static final int TWO_MIB = 2 * 1024 * 1024;
    private Javalin fakeWebsockify;
    private Javalin relay;

    @BeforeEach
    void start() {
        fakeWebsockify = Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.jetty.host = "127.0.0.1";
            cfg.jetty.port = 0;
            ApiServer.webSockets(cfg, Duration.ofSeconds(15));
            cfg.routes.ws("/websockify", ws -> {
                ws.onConnect(ctx -> ctx.send(ByteBuffer.allocate(TWO_MIB))); // one 2 MiB message at once
                ws.onBinaryMessage(ctx -> {
                    ByteBuffer data = ctx.data();
                    if (data.remaining() == 3 && data.get(0) == (byte) 0xff) { // "close with this code"
                        ctx.closeSession(data.getShort(1) & 0xffff, "fake reason");
                    } else {
                        ByteBuffer echo = ByteBuffer.allocate(data.remaining()).put(data).flip();
                        ctx.send(echo); // one message back, as large as it came
                    }
                });
            });
        }).start();
        relay = Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.concurrency.useVirtualThreads = true;
            cfg.jetty.host = "127.0.0.1";
            cfg.jetty.port = 0;
            ApiServer.webSockets(cfg, Duration.ofSeconds(15));
            LiveViewSocket.mount(cfg, "/websockify", new FixedUpstreamRelay("websockify", "127.0.0.1", fakeWebsockify.port(),
                    Duration.ofSeconds(15), RelayLimits.DEFAULT));
        }).start();
    }

    @AfterEach
    void stop() {
        relay.stop();
        fakeWebsockify.stop();
    }

    @Test
    void upstreamMessagesOfMebibytesPassBothWays() throws Exception {
        Browser browser = Browser.connect(relay.port());
        browser.awaitBytes(TWO_MIB);
        browser.send(ByteBuffer.allocate(1536 * 1024)); // up as one 1.5 MiB message, back as one
        browser.awaitBytes(TWO_MIB + 1536 * 1024);
        assertThat(browser.closed).isNotDone();
    }

    @Test
    void websockifysCloseCodesAreMappedOntoOurs() throws Exception {
        assertThat(closedAfterUpstreamCloses(1011)).isEqualTo("1014 guest-unreachable: websockify closed 1011 fake reason");
        assertThat(closedAfterUpstreamCloses(1000)).isEqualTo("1014 guest-unreachable: websockify closed 1000 fake reason");
        assertThat(closedAfterUpstreamCloses(1009)).isEqualTo("1009 message-too-large: websockify closed 1009 fake reason");
        assertThat(closedAfterUpstreamCloses(1013)).isEqualTo("1013 guest-starting: websockify closed 1013 fake reason");
    }

    @Test
    void anUnreachableWebsockifyGives1014() throws Exception {
        int port = fakeWebsockify.port();
        fakeWebsockify.stop();
        Javalin other = Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.concurrency.useVirtualThreads = true;
            cfg.jetty.host = "127.0.0.1";
            cfg.jetty.port = 0;
            LiveViewSocket.mount(cfg, "/websockify", new FixedUpstreamRelay("websockify", "127.0.0.1", port,
                    Duration.ofSeconds(15), RelayLimits.DEFAULT));
        }).start();
        try {
            assertThat(Browser.connect(other.port()).closed.get(10, TimeUnit.SECONDS))
                    .startsWith("1014 guest-unreachable: websockify unreachable");
        } finally {
            other.stop();
        }
    }

    private String closedAfterUpstreamCloses(int code) throws Exception {
        Browser browser = Browser.connect(relay.port());
        browser.awaitBytes(TWO_MIB);
        browser.send(ByteBuffer.allocate(3).put((byte) 0xff).putShort((short) code).flip());
        return browser.closed.get(10, TimeUnit.SECONDS);
    }

    /** The browser side: counts what arrives, records the close. */
    private static final class Browser implements WebSocket.Listener {
        final CompletableFuture<String> closed = new CompletableFuture<>();
        final AtomicLong received = new AtomicLong();
        WebSocket socket;

        static Browser connect(int port) throws Exception {
            Browser b = new Browser();
            b.socket = HttpClient.newHttpClient().newWebSocketBuilder()
                    .buildAsync(URI.create("ws://127.0.0.1:" + port + "/websockify"), b).get(10, TimeUnit.SECONDS);
            return b;
        }

        void send(ByteBuffer data) throws Exception {
            socket.sendBinary(data, true).get(10, TimeUnit.SECONDS);
        }

        void awaitBytes(long n) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (received.get() < n) {
                assertThat(System.nanoTime()).as("%d of %d bytes; closed: %s", received.get(), n, closed.getNow(null))
                        .isLessThan(deadline);
                Thread.sleep(10);
            }
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            received.addAndGet(data.remaining());
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
}
