package io.vmdesk.proxy;

import io.vmdesk.metrics.ControllerMetrics;
import java.io.IOException;
import java.time.Duration;
import org.eclipse.jetty.ee10.websocket.server.JettyServerUpgradeRequest;
import org.eclipse.jetty.ee10.websocket.server.JettyServerUpgradeResponse;
import org.eclipse.jetty.ee10.websocket.server.JettyWebSocketCreator;

/**
 * The live-view relay with a fixed upstream instead of a session lookup, for {@code vmdesk bench proxy} and the
 * proxy's own tests: the same {@link LiveViewSocket} (pings, pongs, messages), {@link VncTunnel}, upstream and limits
 * as {@link LiveViewProxy}; only the once-per-connection "which guest?" is skipped. Mount it with
 * {@link LiveViewSocket#mount}.
 */
public final class FixedUpstreamRelay implements JettyWebSocketCreator {
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
    public Object createWebSocket(JettyServerUpgradeRequest request, JettyServerUpgradeResponse response) {
        return new LiveViewSocket(pingInterval, browser -> new VncTunnel("bench", browser, limits, metrics, t -> { }),
                tunnel -> {
                    try {
                        tunnel.connect(connector, host);
                    } catch (IOException e) {
                        tunnel.close(CloseCode.GUEST_UNREACHABLE, e.getMessage());
                    }
                }, tunnel -> true, tunnel -> { });
    }
}
