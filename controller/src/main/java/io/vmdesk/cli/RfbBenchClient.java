package io.vmdesk.cli;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The benchmark's RFB client, over raw TCP or a WebSocket, written to stay out of the way: one blocking channel, one
 * direct buffer, pixel data counted and skipped, never copied. Speaks RFB 3.8 with security None and the Raw
 * encoding, like noVNC before it negotiates anything better.
 */
final class RfbBenchClient implements Closeable {
    private final SocketChannel channel;
    private final boolean webSocket;
    /** Received bytes, in read mode: position..limit are not yet consumed. */
    private final ByteBuffer in;
    /** WebSocket only: payload bytes left in the current data frame. */
    private long frameLeft;
    private int width;
    private int height;
    private int bytesPerPixel;

    private RfbBenchClient(SocketChannel channel, boolean webSocket, int bufferBytes) {
        this.channel = channel;
        this.webSocket = webSocket;
        this.in = ByteBuffer.allocateDirect(bufferBytes);
        in.flip();
    }

    /** Direct TCP to the VNC server. */
    static RfbBenchClient tcp(int port, int bufferBytes) throws IOException {
        return new RfbBenchClient(open(port), false, bufferBytes);
    }

    /** Through a WebSocket relay at {@code path} (no subprotocol offered, as noVNC since 1.2). */
    static RfbBenchClient webSocket(int port, String path, int bufferBytes) throws IOException {
        RfbBenchClient client = new RfbBenchClient(open(port), true, bufferBytes);
        client.write(ByteBuffer.wrap(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n"
                + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n").getBytes(StandardCharsets.US_ASCII)));
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            client.ensureRaw(1);
            head.append((char) client.in.get());
        }
        if (!head.toString().startsWith("HTTP/1.1 101")) {
            throw new IOException("WebSocket upgrade refused: " + head.toString().lines().findFirst().orElse(""));
        }
        return client;
    }

    private static SocketChannel open(int port) throws IOException {
        SocketChannel channel = SocketChannel.open();
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        channel.connect(new InetSocketAddress("127.0.0.1", port));
        return channel;
    }

    /** Version, security None, shared ClientInit, ServerInit, then Raw as the only encoding. */
    RfbBenchClient handshake() throws IOException {
        readFully(new byte[12]);
        send("RFB 003.008\n".getBytes(StandardCharsets.US_ASCII));
        byte[] count = new byte[1];
        readFully(count);
        readFully(new byte[count[0]]);
        send(new byte[] {1});
        readFully(new byte[4]);
        send(new byte[] {1});
        byte[] init = new byte[24];
        readFully(init);
        ByteBuffer b = ByteBuffer.wrap(init);
        width = b.getShort(0) & 0xffff;
        height = b.getShort(2) & 0xffff;
        bytesPerPixel = (init[4] & 0xff) / 8;
        skip(b.getInt(20));
        send(new byte[] {2, 0, 0, 1, 0, 0, 0, 0}); // SetEncodings: Raw
        return this;
    }

    int width() {
        return width;
    }

    int height() {
        return height;
    }

    /** One non-incremental update of the given area, read to its end; returns the bytes it took on the wire. */
    long update(int x, int y, int w, int h) throws IOException {
        send(new byte[] {3, 0, (byte) (x >> 8), (byte) x, (byte) (y >> 8), (byte) y, (byte) (w >> 8), (byte) w,
                (byte) (h >> 8), (byte) h});
        byte[] header = new byte[4];
        while (true) {
            readFully(header, 1);
            if (header[0] == 0) {
                break;
            }
            if (header[0] == 3) { // ServerCutText: skip it, the update is still to come
                byte[] cut = new byte[7];
                readFully(cut);
                skip(ByteBuffer.wrap(cut).getInt(3));
            } else if (header[0] != 2) { // 2 = Bell, nothing follows
                throw new IOException("unexpected RFB message " + header[0]);
            }
        }
        byte[] rest = new byte[3];
        readFully(rest);
        int rects = ((rest[1] & 0xff) << 8) | (rest[2] & 0xff);
        long total = 4;
        byte[] rect = new byte[12];
        for (int i = 0; i < rects; i++) {
            readFully(rect);
            ByteBuffer r = ByteBuffer.wrap(rect);
            int encoding = r.getInt(8);
            long pixels = encoding == 0 ? (long) (r.getShort(4) & 0xffff) * (r.getShort(6) & 0xffff) * bytesPerPixel : 0;
            if (encoding != 0 && encoding != -223) {
                throw new IOException("unexpected encoding " + encoding);
            }
            skip(pixels);
            total += 12 + pixels;
        }
        return total;
    }

    void send(byte[] payload) throws IOException {
        if (!webSocket) {
            write(ByteBuffer.wrap(payload));
            return;
        }
        frame(0x2, payload);
    }

    /** A masked client frame (RFC 6455 requires the mask from clients). */
    private void frame(int opcode, byte[] payload) throws IOException {
        int len = payload.length;
        ByteBuffer f = ByteBuffer.allocate(14 + len);
        f.put((byte) (0x80 | opcode));
        if (len < 126) {
            f.put((byte) (0x80 | len));
        } else if (len < 65536) {
            f.put((byte) (0x80 | 126)).putShort((short) len);
        } else {
            f.put((byte) (0x80 | 127)).putLong(len);
        }
        byte[] mask = new byte[4];
        ThreadLocalRandom.current().nextBytes(mask);
        f.put(mask);
        for (int i = 0; i < len; i++) {
            f.put((byte) (payload[i] ^ mask[i & 3]));
        }
        f.flip();
        write(f);
    }

    private void write(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            channel.write(b);
        }
    }

    private void fill() throws IOException {
        in.compact();
        int n = channel.read(in);
        in.flip();
        if (n < 0) {
            throw new EOFException("connection closed");
        }
    }

    private void ensureRaw(int k) throws IOException {
        while (in.remaining() < k) {
            fill();
        }
    }

    /** Payload bytes that can be consumed now (at least one; reads and unwraps frames as needed). */
    private int available() throws IOException {
        if (webSocket) {
            while (frameLeft == 0) {
                nextFrame();
            }
        }
        if (!in.hasRemaining()) {
            fill();
        }
        return webSocket ? (int) Math.min(in.remaining(), frameLeft) : in.remaining();
    }

    private void nextFrame() throws IOException {
        ensureRaw(2);
        int b0 = in.get() & 0xff;
        long len = in.get() & 0x7f; // server frames are never masked
        if (len == 126) {
            ensureRaw(2);
            len = in.getShort() & 0xffff;
        } else if (len == 127) {
            ensureRaw(8);
            len = in.getLong();
        }
        int opcode = b0 & 0x0f;
        if (opcode >= 0x8) {
            ensureRaw((int) len);
            byte[] payload = new byte[(int) len];
            in.get(payload);
            if (opcode == 0x9) {
                frame(0xA, payload); // pong
            } else if (opcode == 0x8) {
                int code = len >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : 1005;
                throw new IOException("closed by the relay: " + code + " "
                        + (len > 2 ? new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8) : ""));
            }
            return;
        }
        frameLeft = len;
    }

    private void consumed(int k) {
        if (webSocket) {
            frameLeft -= k;
        }
    }

    void skip(long n) throws IOException {
        while (n > 0) {
            int k = (int) Math.min(available(), n);
            in.position(in.position() + k);
            consumed(k);
            n -= k;
        }
    }

    private void readFully(byte[] dst) throws IOException {
        readFully(dst, dst.length);
    }

    private void readFully(byte[] dst, int length) throws IOException {
        int off = 0;
        while (off < length) {
            int k = Math.min(available(), length - off);
            in.get(dst, off, k);
            consumed(k);
            off += k;
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
