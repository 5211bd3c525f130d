package io.vmdesk.proxy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import org.eclipse.jetty.websocket.api.Callback;

/**
 * Raw RFB to the guest's VNC port. One virtual thread reads the guest and hands each chunk to the tunnel.
 *
 * <p>Reads start in a small buffer of the viewer's own, each chunk sent before the next read. When a read fills it
 * (a framebuffer update is flowing) the pump borrows two buffers of half LIVE_VIEW_BUFFER each from
 * {@link ReadBuffers} and alternates: it reads into one while Jetty writes the other, and waits for that write
 * before it reuses it. So a viewer never holds more than LIVE_VIEW_BUFFER, and at the first short read (the update is
 * done; the next read will probably wait) it gives both back: an idle viewer holds a few KiB.
 */
final class TcpUpstream implements Upstream {
    static final int PORT = 5900;
    private static final int SMALL = 4096;

    private final SocketChannel channel;
    private final VncTunnel tunnel;
    private final ReadBuffers buffers;

    private TcpUpstream(SocketChannel channel, VncTunnel tunnel, ReadBuffers buffers) {
        this.channel = channel;
        this.tunnel = tunnel;
        this.buffers = buffers;
    }

    record Connector(int port, int timeoutMillis) implements Upstream.Connector {
        @Override
        public Upstream connect(String host, VncTunnel tunnel) throws IOException {
            return open(new InetSocketAddress(host, port), timeoutMillis, tunnel);
        }

        @Override
        public String describe() {
            return "vnc :" + port;
        }
    }

    /** Connects (bounded) and starts the guest→browser pump. */
    static TcpUpstream open(InetSocketAddress address, int timeoutMillis, VncTunnel tunnel) throws IOException {
        SocketChannel channel = SocketChannel.open();
        try {
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            // SocketChannel has no connect timeout; the socket adaptor does, and leaves the channel blocking.
            channel.socket().connect(address, timeoutMillis);
        } catch (IOException e) {
            channel.close();
            throw e;
        }
        TcpUpstream upstream = new TcpUpstream(channel, tunnel, ReadBuffers.of(tunnel.limits().bufferBytes() / 2));
        Thread.ofVirtual().name("vnc-" + tunnel.sessionId).start(upstream::pump);
        return upstream;
    }

    private void pump() {
        ByteBuffer small = ByteBuffer.allocateDirect(SMALL);
        ByteBuffer[] large = null;
        int which = 0;
        Callback.Completable pending = null;
        try {
            while (true) {
                ByteBuffer buffer = large != null ? large[which] : small;
                buffer.clear();
                int n = channel.read(buffer);
                if (n < 0) {
                    if (pending == null || tunnel.awaitSent(pending)) {
                        tunnel.upstreamEnded(CloseCode.GUEST_UNREACHABLE, "vnc server closed the connection");
                    }
                    return;
                }
                boolean full = !buffer.hasRemaining();
                buffer.flip();
                if (pending != null && !tunnel.awaitSent(pending)) {
                    return; // the tunnel closed (browser gone or stalled); it says why
                }
                pending = tunnel.startToBrowser(buffer);
                if (pending == null) {
                    return;
                }
                if (large != null && full) {
                    which ^= 1; // read into the other half while Jetty writes this one
                    continue;
                }
                if (!tunnel.awaitSent(pending)) {
                    return;
                }
                pending = null;
                if (large == null && full) {
                    large = new ByteBuffer[] {buffers.take(), buffers.take()};
                    which = 0;
                } else if (large != null) {
                    buffers.give(large[0]);
                    buffers.give(large[1]);
                    large = null;
                }
            }
        } catch (IOException e) {
            tunnel.upstreamEnded(CloseCode.GUEST_UNREACHABLE, "vnc connection lost: " + e.getMessage());
        }
        // Buffers still lent at an abnormal end are left to the garbage collector: Jetty may hold one yet.
    }

    @Override
    public void send(ByteBuffer message) throws IOException {
        while (message.hasRemaining()) {
            channel.write(message);
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing more to do with a channel we are discarding
        }
    }
}
