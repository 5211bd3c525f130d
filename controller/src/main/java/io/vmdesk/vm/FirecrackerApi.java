package io.vmdesk.vm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Firecracker's REST API over its Unix domain socket: one HTTP/1.1 request per connection ({@code Connection:
 * close}), the JDK's own Unix-domain {@link SocketChannel}, nothing else. Firecracker answers 204 on success and a
 * JSON {@code {"fault_message": …}} otherwise.
 */
final class FirecrackerApi {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A request the driver sends, in order: method, path and JSON body. */
    record Call(String method, String path, JsonNode body) {
        @Override
        public String toString() {
            return method + " " + path;
        }
    }

    /** An answer other than 2xx; {@link #faultMessage()} is Firecracker's own explanation. */
    static final class Refused extends IOException {
        private final int status;
        private final String faultMessage;

        Refused(Call call, int status, String faultMessage) {
            super(call + " answered " + status + ": " + faultMessage);
            this.status = status;
            this.faultMessage = faultMessage;
        }

        int status() {
            return status;
        }

        String faultMessage() {
            return faultMessage;
        }
    }

    private final Path socket;

    FirecrackerApi(Path socket) {
        this.socket = socket;
    }

    /** Sends the call; returns the response body (often empty) or throws {@link Refused} with the fault message. */
    String send(Call call) throws IOException {
        byte[] body = call.body() == null ? new byte[0] : JSON.writeValueAsBytes(call.body());
        String head = call.method() + " " + call.path() + " HTTP/1.1\r\nHost: localhost\r\nAccept: application/json\r\n"
                + "Content-Type: application/json\r\nContent-Length: " + body.length + "\r\nConnection: close\r\n\r\n";
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            ByteBuffer out = ByteBuffer.allocate(head.length() + body.length);
            out.put(head.getBytes(StandardCharsets.US_ASCII)).put(body).flip();
            while (out.hasRemaining()) {
                channel.write(out);
            }
            ByteArrayOutputStream in = new ByteArrayOutputStream();
            ByteBuffer buffer = ByteBuffer.allocate(8192);
            while (true) {
                buffer.clear();
                int n = channel.read(buffer);
                if (n < 0) {
                    break;
                }
                in.write(buffer.array(), 0, n);
                if (complete(in.toString(StandardCharsets.ISO_8859_1))) {
                    break;
                }
            }
            return answer(call, in.toString(StandardCharsets.UTF_8));
        }
    }

    /** A response is complete once its headers and Content-Length bytes of body are in (or at end of stream). */
    private static boolean complete(String raw) {
        int end = raw.indexOf("\r\n\r\n");
        if (end < 0) {
            return false;
        }
        long length = 0;
        for (String line : raw.substring(0, end).split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Long.parseLong(line.substring(15).trim());
            }
        }
        return raw.length() - end - 4 >= length;
    }

    private static String answer(Call call, String raw) throws IOException {
        int end = raw.indexOf("\r\n\r\n");
        if (!raw.startsWith("HTTP/1.") || end < 0) {
            throw new IOException(call + ": not an HTTP answer: " + raw.substring(0, Math.min(80, raw.length())));
        }
        int status = Integer.parseInt(raw.substring(9, 12));
        String body = raw.substring(end + 4);
        if (status / 100 != 2) {
            String fault = body;
            try {
                JsonNode error = JSON.readTree(body);
                fault = error.path("fault_message").asText(body);
            } catch (IOException notJson) {
                // keep the raw body as the explanation
            }
            throw new Refused(call, status, fault.isBlank() ? "(no fault_message)" : fault);
        }
        return body;
    }
}
