package io.vmdesk.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.javalin.Javalin;
import io.vmdesk.api.ApiServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Pings and pongs on the relay's browser side ({@link LiveViewSocket}), with pings every second: a browser that keeps
 * its connection but stops answering is closed with 1001 {@code browser-unresponsive} and its guest connection
 * dropped; one that answers stays. The guest is a TCP server in this test that sends an RFB banner and then nothing.
 */
@Timeout(60)
class KeepaliveTest {
    private static final Duration PING = Duration.ofSeconds(1);
    private ServerSocket vnc;
    private final CompletableFuture<Long> guestSideClosedAt = new CompletableFuture<>();
    private Javalin relay;

    @BeforeEach
    void start() throws IOException {
        vnc = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> {
            try (Socket guest = vnc.accept()) {
                guest.getOutputStream().write("RFB 003.008\n".getBytes(StandardCharsets.US_ASCII));
                InputStream in = guest.getInputStream();
                while (in.read() >= 0) {
                    // the relay sends nothing unless the browser does
                }
                guestSideClosedAt.complete(System.nanoTime());
            } catch (IOException e) {
                guestSideClosedAt.complete(System.nanoTime());
            }
        });
        relay = Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.concurrency.useVirtualThreads = true;
            cfg.jetty.host = "127.0.0.1";
            cfg.jetty.port = 0;
            ApiServer.webSockets(cfg, PING);
            LiveViewSocket.mount(cfg, "/websockify", new FixedUpstreamRelay("vnc", "127.0.0.1", vnc.getLocalPort(),
                    PING, RelayLimits.DEFAULT));
        }).start();
    }

    @AfterEach
    void stop() throws IOException {
        relay.stop();
        vnc.close();
    }

    @Test
    void aBrowserThatStopsAnsweringPingsIsClosedWith1001AndItsGuestConnectionDropped() throws Exception {
        try (RawWebSocketClient browser = RawWebSocketClient.connect(relay.port(), "/websockify")) {
            long t0 = System.nanoTime();
            String closed = browser.readFor(Duration.ofSeconds(20), false);
            Duration after = Duration.ofNanos(System.nanoTime() - t0);
            assertThat(closed).startsWith("1001 browser-unresponsive: no pong for ");
            assertThat(browser.pings()).as("pings before the close").isGreaterThanOrEqualTo(2);
            // two pings unanswered, noticed at the third: three intervals, give or take a loaded machine
            assertThat(after).isGreaterThanOrEqualTo(PING.multipliedBy(2)).isLessThan(PING.multipliedBy(3).plusSeconds(5));
            long releasedAt = guestSideClosedAt.get(5, TimeUnit.SECONDS);
            assertThat(Duration.ofNanos(releasedAt - t0)).isLessThan(after.plusSeconds(2));
        }
    }

    @Test
    void aBrowserThatAnswersPingsStaysConnectedThroughManyIntervals() throws Exception {
        try (RawWebSocketClient browser = RawWebSocketClient.connect(relay.port(), "/websockify")) {
            assertThat(browser.readFor(PING.multipliedBy(6), true)).as("closed").isNull();
            assertThat(browser.pings()).isGreaterThanOrEqualTo(4);
            assertThat(guestSideClosedAt).isNotDone();
        }
    }

    @Test
    void aBrowserThatSendsButDoesNotAnswerIsLeftToTheStallTimeoutAndStays() throws Exception {
        try (RawWebSocketClient browser = RawWebSocketClient.connect(relay.port(), "/websockify")) {
            long deadline = System.nanoTime() + PING.multipliedBy(5).toNanos();
            while (System.nanoTime() < deadline) {
                browser.send(0x2, new byte[] {3, 1, 0, 0, 0, 0, 0, 1, 0, 1}); // an incremental update request
                assertThat(browser.readFor(PING.dividedBy(2), false)).as("closed").isNull();
            }
            assertThat(guestSideClosedAt).isNotDone();
        }
    }
}
