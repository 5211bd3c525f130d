package io.vmdesk.cli;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Listens on a loopback TCP port in this network namespace and relays each connection to a Unix socket. The Unix
 * socket lives on the file system, which network namespaces share: this is how a browser outside reaches a
 * controller running inside a private namespace, without creating any interface outside it.
 */
public final class UnixRelay implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(UnixRelay.class);

    private final ServerSocketChannel listener;
    private final Path target;
    private volatile boolean closed;

    private UnixRelay(ServerSocketChannel listener, Path target) {
        this.listener = listener;
        this.target = target;
    }

    /** @param port 0 picks a free port */
    public static UnixRelay start(int port, Path target) throws IOException {
        ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.INET);
        listener.bind(new InetSocketAddress("127.0.0.1", port));
        UnixRelay relay = new UnixRelay(listener, target);
        Thread.ofPlatform().daemon().name("relay-accept").start(relay::acceptLoop);
        return relay;
    }

    public int port() {
        try {
            return ((InetSocketAddress) listener.getLocalAddress()).getPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                SocketChannel client = listener.accept();
                client.socket().setTcpNoDelay(true);
                Thread.ofVirtual().start(() -> relay(client));
            } catch (IOException e) {
                if (!closed) {
                    log.warn("relay accept failed: {}", e.getMessage());
                }
                return;
            }
        }
    }

    private void relay(SocketChannel client) {
        try (client; SocketChannel upstream = SocketChannel.open(UnixDomainSocketAddress.of(target))) {
            // When the server closes, the client must see a full close at once (not a half-closed connection it
            // might send its next request on); when the client stops sending, the server may still answer.
            Thread back = Thread.ofVirtual().start(() -> {
                copy(upstream, client);
                closeQuietly(client);
            });
            copy(client, upstream);
            back.join();
        } catch (IOException | InterruptedException e) {
            log.debug("relay connection ended: {}", e.toString());
        }
    }

    /** Copies until end of stream, then half-closes the other side so the peer sees EOF too. */
    private static void copy(SocketChannel from, SocketChannel to) {
        ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
        try {
            while (from.read(buffer) >= 0) {
                buffer.flip();
                while (buffer.hasRemaining()) {
                    to.write(buffer);
                }
                buffer.clear();
            }
            to.shutdownOutput();
        } catch (IOException e) {
            try {
                to.close();
                from.close();
            } catch (IOException ignored) {
                // both sides are being discarded
            }
        }
    }

    private static void closeQuietly(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            listener.close();
        } catch (IOException ignored) {
            // closing a listener that is already closed
        }
    }
}
