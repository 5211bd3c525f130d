package io.vmdesk.proxy;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A WebSocket client on a plain socket, which answers pings only when told to: a browser that keeps its TCP
 * connection but has stopped answering (every library client answers pings by itself).
 */
public final class RawWebSocketClient implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private volatile int pings;

    private RawWebSocketClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    /** Opens {@code pathAndQuery} on 127.0.0.1:port; throws unless the server switches protocols. */
    public static RawWebSocketClient connect(int port, String pathAndQuery) throws IOException {
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
        socket.setSoTimeout(30_000);
        RawWebSocketClient client = new RawWebSocketClient(socket);
        client.out.write(("GET " + pathAndQuery + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = client.in.read();
            if (b < 0) {
                throw new EOFException("connection closed during the handshake: " + head);
            }
            head.append((char) b);
        }
        if (!head.toString().startsWith("HTTP/1.1 101")) {
            socket.close();
            throw new IOException("not upgraded: " + head);
        }
        return client;
    }

    /** Pings received so far. */
    public int pings() {
        return pings;
    }

    /**
     * Reads frames for at most {@code duration}, discarding data and answering pings only if {@code answerPings}.
     *
     * @return "code reason" of the server's close frame, or null if the connection is still open at the end
     * @throws EOFException when the connection ends without a close frame
     */
    public String readFor(Duration duration, boolean answerPings) throws IOException {
        long deadline = System.nanoTime() + duration.toNanos();
        while (true) {
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                return null;
            }
            socket.setSoTimeout((int) Math.max(1, left));
            int b0;
            try {
                b0 = in.read();
            } catch (SocketTimeoutException stillOpen) {
                return null;
            }
            if (b0 < 0) {
                throw new EOFException("closed without a close frame");
            }
            socket.setSoTimeout(30_000); // the rest of a frame follows at once
            int opcode = b0 & 0x0f;
            long length = read() & 0x7f;
            if (length == 126) {
                length = (read() << 8) | read();
            } else if (length == 127) {
                length = 0;
                for (int i = 0; i < 8; i++) {
                    length = (length << 8) | read();
                }
            }
            byte[] payload = opcode >= 8 ? in.readNBytes((int) length) : null;
            if (payload == null) {
                in.skipNBytes(length);
            }
            if (opcode == 9) {
                pings++;
                if (answerPings) {
                    send(0xA, payload);
                }
            } else if (opcode == 8) {
                int code = payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : 1005;
                String reason = payload.length > 2 ? new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8) : "";
                return code + " " + reason;
            }
        }
    }

    private int read() throws IOException {
        int b = in.read();
        if (b < 0) {
            throw new EOFException("closed mid-frame");
        }
        return b;
    }

    /** Sends one frame, masked as a client must (with a zero mask, which leaves the payload as it is). */
    public void send(int opcode, byte[] payload) throws IOException {
        byte[] frame = new byte[2 + 4 + payload.length];
        if (payload.length > 125) {
            throw new IllegalArgumentException("only short frames");
        }
        frame[0] = (byte) (0x80 | opcode);
        frame[1] = (byte) (0x80 | payload.length);
        System.arraycopy(payload, 0, frame, 6, payload.length);
        synchronized (out) {
            out.write(frame);
            out.flush();
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
