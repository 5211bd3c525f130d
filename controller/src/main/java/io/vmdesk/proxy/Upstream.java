package io.vmdesk.proxy;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The guest side of one live view: raw RFB over TCP ({@link TcpUpstream}) or a websockify WebSocket in front of it
 * ({@link WebsockifyUpstream}). An upstream delivers what the guest sends to its {@link VncTunnel} and reports how
 * it ended there, as a close code; it never decides alone that the browser is gone.
 */
interface Upstream {
    /** Browser→guest: writes one message; blocks until written, so TCP backpressure reaches the browser. */
    void send(ByteBuffer message) throws IOException;

    /** Drops the guest side; idempotent. */
    void close();

    /** How a tunnel reaches a guest: the upstream kind chosen by LIVE_VIEW_UPSTREAM. */
    interface Connector {
        /** Connects to the guest at {@code host} and starts delivering to {@code tunnel}; throws if unreachable. */
        Upstream connect(String host, VncTunnel tunnel) throws IOException;

        /** What this connector reaches, for log lines: "vnc :5900" or "websockify :6080". */
        String describe();
    }

    /** The connector for LIVE_VIEW_UPSTREAM's value. */
    static Connector forSetting(String kind, int connectTimeoutMillis) {
        return switch (kind) {
            case "websockify" -> new WebsockifyUpstream.Connector(WebsockifyUpstream.PORT, connectTimeoutMillis);
            case "vnc" -> new TcpUpstream.Connector(TcpUpstream.PORT, connectTimeoutMillis);
            default -> throw new IllegalArgumentException("unknown live-view upstream " + kind);
        };
    }
}
