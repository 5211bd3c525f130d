package io.vmdesk.proxy;

import io.javalin.websocket.WsConfig;
import io.vmdesk.metrics.ControllerMetrics;
import java.io.IOException;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * The live-view relay with a fixed upstream instead of a session lookup, for {@code vmdesk bench proxy} and the
 * proxy's own tests: the same
 * {@link VncTunnel}, upstream, handlers, pings and limits as {@link LiveViewProxy}; only the once-per-connection
 * "which guest?" is skipped.
 */
public final class FixedUpstreamRelay implements Consumer<WsConfig> {
    private final String host;
    private final Upstream.Connector connector;
    private final Duration pingInterval;
    private final RelayLimits limits;
    private final ControllerMetrics metrics = new ControllerMetrics();

    /** @param kind vnc (raw RFB at host:port) or websockify (a WebSocket at host:port) */
    public FixedUpstreamRelay(String kind, String host, int port, Duration pingInterval, RelayLimits limits) {
        this.host = host;
        this.connector = kind.equals("websockify") ? new WebsockifyUpstream.Connector(port, 5000)
                : new TcpUpstream.Connector(port, 5000);
        this.pingInterval = pingInterval;
        this.limits = limits;
    }

    @Override
    public void accept(WsConfig ws) {
        ws.onConnect(ctx -> {
            VncTunnel tunnel = LiveViewProxy.open(ctx, "bench", pingInterval, limits, metrics,
                    t -> { });
            try {
                tunnel.connect(connector, host);
            } catch (IOException e) {
                tunnel.close(CloseCode.GUEST_UNREACHABLE, e.getMessage());
            }
        });
        LiveViewProxy.relay(ws, tunnel -> true, tunnel -> { });
    }
}
