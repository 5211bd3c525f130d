package io.vmdesk.cli;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
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
            // Server to client; when the server is done, the client gets FIN right after the last byte.
            java.util.concurrent.CountDownLatch clientDone = new java.util.concurrent.CountDownLatch(1);
            Thread back = Thread.ofVirtual().start(() -> {
                copy(upstream, client);
                shutdownOutput(client);
                // a client that neither closes nor sends is not waited for long
                try {
                    if (!clientDone.await(5, java.util.concurrent.TimeUnit.SECONDS)) {
                        closeQuietly(client);
                    }
                } catch (InterruptedException e) {
                    closeQuietly(client);
                }
            });
            boolean clientClosed = copy(client, upstream);
            if (clientClosed) {
                // the client's FIN goes on to the server, which may still answer
                shutdownOutput(upstream);
            } else {
                // The server stopped reading (say it refused an oversized body and closed): keep reading what the
                // client still sends, for a moment, so that closing does not reset the connection and destroy the
                // response before the client has read it.
                drain(client, Duration.ofSeconds(2));
            }
            clientDone.countDown();
            back.join();
        } catch (IOException | InterruptedException e) {
            log.debug("relay connection ended: {}", e.toString());
        }
    }

    /** Copies until end of stream; false when writing failed (the other side is gone). */
    private static boolean copy(SocketChannel from, SocketChannel to) {
        ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
        try {
            while (from.read(buffer) >= 0) {
                buffer.flip();
                while (buffer.hasRemaining()) {
                    to.write(buffer);
                }
                buffer.clear();
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void drain(SocketChannel channel, Duration bound) {
        long deadline = System.nanoTime() + bound.toNanos();
        ByteBuffer sink = ByteBuffer.allocate(64 * 1024);
        try {
            channel.socket().setSoTimeout((int) bound.toMillis());
            var in = channel.socket().getInputStream();
            byte[] bytes = sink.array();
            while (System.nanoTime() < deadline && in.read(bytes) >= 0) {
                // discard
            }
        } catch (IOException ignored) {
            // closed or timed out: done draining
        }
    }

    private static void shutdownOutput(SocketChannel channel) {
        try {
            channel.shutdownOutput();
        } catch (IOException ignored) {
            // already closed
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
