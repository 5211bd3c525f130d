package io.vmdesk.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An intermediary like nginx with a short proxy_read_timeout: it relays TCP and cuts any connection on which
 * nothing has passed, in either direction, for longer than its idle limit.
 */
final class IdleDroppingProxy implements AutoCloseable {
    private final ServerSocket listener;
    private final int targetPort;
    private final Duration idleLimit;

    IdleDroppingProxy(int targetPort, Duration idleLimit) throws IOException {
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.targetPort = targetPort;
        this.idleLimit = idleLimit;
        Thread.ofVirtual().start(this::accept);
    }

    int port() {
        return listener.getLocalPort();
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                Socket upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                AtomicLong last = new AtomicLong(System.nanoTime());
                Thread.ofVirtual().start(() -> copy(client, upstream, last));
                Thread.ofVirtual().start(() -> copy(upstream, client, last));
                Thread.ofVirtual().start(() -> watch(client, upstream, last));
            } catch (IOException e) {
                return;
            }
        }
    }

    private static void copy(Socket from, Socket to, AtomicLong last) {
        byte[] buffer = new byte[16 * 1024];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                out.write(buffer, 0, n);
                out.flush();
                last.set(System.nanoTime());
            }
        } catch (IOException ignored) {
            // cut, or the other side closed
        }
        closeBoth(from, to);
    }

    private void watch(Socket a, Socket b, AtomicLong last) {
        while (!a.isClosed() && !b.isClosed()) {
            if (System.nanoTime() - last.get() > idleLimit.toNanos()) {
                closeBoth(a, b); // no close frame: exactly what an idle timeout does to a WebSocket
                return;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private static void closeBoth(Socket a, Socket b) {
        try {
            a.close();
            b.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
    }
}
