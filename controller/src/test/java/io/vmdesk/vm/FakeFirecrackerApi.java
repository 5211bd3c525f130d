package io.vmdesk.vm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Stands in for Firecracker's API socket, which cannot run here (no binary, no usable KVM): a Unix-socket HTTP/1.1
 * server that records every request and enforces the ordering rules Firecracker's own API enforces (no
 * configuration after InstanceStart, InstanceStart needs a boot source and a machine configuration, MMDS can only
 * name network interfaces that exist, logger and metrics only once). It can refuse one path with a fault message.
 */
final class FakeFirecrackerApi implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    record Request(String method, String path, JsonNode body) {
    }

    final List<Request> requests = new CopyOnWriteArrayList<>();
    private final Path socket;
    private final ServerSocketChannel server;
    private final Thread loop;
    private final Set<String> configured = new HashSet<>();
    private final Set<String> interfaces = new HashSet<>();
    private volatile String refusedPath;
    private volatile String refusal;
    private boolean started;

    FakeFirecrackerApi(Path socket) throws IOException {
        this.socket = socket;
        Files.deleteIfExists(socket);
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        loop = Thread.ofVirtual().name("fake-firecracker").start(this::serve);
    }

    /** Makes the next request to {@code path} fail with 400 and this fault message. */
    void refuse(String path, String faultMessage) {
        this.refusedPath = path;
        this.refusal = faultMessage;
    }

    private void serve() {
        while (server.isOpen()) {
            try (SocketChannel client = server.accept()) {
                Request request = read(client);
                requests.add(request);
                String fault = judge(request);
                String response = fault == null ? "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n"
                        : json(400, JSON.createObjectNode().put("fault_message", fault).toString());
                client.write(ByteBuffer.wrap(response.getBytes(StandardCharsets.UTF_8)));
            } catch (IOException e) {
                if (!server.isOpen()) {
                    return;
                }
            }
        }
    }

    private static String json(int status, String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return "HTTP/1.1 " + status + " Bad Request\r\nContent-Type: application/json\r\nContent-Length: " + bytes.length
                + "\r\n\r\n" + body;
    }

    /** Firecracker's rules, as its API documentation states them; null = accepted. */
    private synchronized String judge(Request r) {
        if (r.path().equals(refusedPath)) {
            refusedPath = null;
            return refusal;
        }
        if (!r.method().equals("PUT")) {
            return "Invalid request method";
        }
        String resource = r.path().replaceFirst("^/([a-z-]+).*", "$1");
        if (r.path().equals("/actions")) {
            String action = r.body().path("action_type").asText();
            if (action.equals("InstanceStart")) {
                if (started) {
                    return "The requested operation is not supported after starting the microVM.";
                }
                if (!configured.contains("boot-source")) {
                    return "Cannot start microvm without kernel configuration.";
                }
                started = true;
                return null;
            }
            return started ? null : "The requested operation is not supported before starting the microVM.";
        }
        if (started && !r.path().equals("/mmds")) {
            return "The requested operation is not supported after starting the microVM.";
        }
        if ((resource.equals("logger") || resource.equals("metrics")) && configured.contains(resource)) {
            return "Reinitialization of " + resource + " is not allowed.";
        }
        if (resource.equals("network-interfaces")) {
            interfaces.add(r.body().path("iface_id").asText());
        }
        if (r.path().equals("/mmds/config")) {
            for (JsonNode iface : r.body().path("network_interfaces")) {
                if (!interfaces.contains(iface.asText())) {
                    return "The list of network interface IDs provided contains at least one ID that does not"
                            + " correspond to any existing network interface.";
                }
            }
        }
        configured.add(resource);
        return null;
    }

    private static Request read(SocketChannel client) throws IOException {
        ByteArrayOutputStream in = new ByteArrayOutputStream();
        ByteBuffer buffer = ByteBuffer.allocate(8192);
        int headEnd = -1;
        long length = 0;
        while (true) {
            buffer.clear();
            int n = client.read(buffer);
            if (n < 0) {
                throw new IOException("client closed early");
            }
            in.write(buffer.array(), 0, n);
            String raw = in.toString(StandardCharsets.ISO_8859_1);
            if (headEnd < 0 && (headEnd = raw.indexOf("\r\n\r\n")) >= 0) {
                for (String line : raw.substring(0, headEnd).split("\r\n")) {
                    if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                        length = Long.parseLong(line.substring(15).trim());
                    }
                }
            }
            if (headEnd >= 0 && in.size() - headEnd - 4 >= length) {
                String text = in.toString(StandardCharsets.UTF_8);
                String[] requestLine = text.substring(0, text.indexOf("\r\n")).split(" ");
                String body = text.substring(text.indexOf("\r\n\r\n") + 4);
                return new Request(requestLine[0], requestLine[1], body.isEmpty() ? null : JSON.readTree(body));
            }
        }
    }

    @Override
    public void close() throws Exception {
        server.close();
        loop.join(2000);
        Files.deleteIfExists(socket);
    }
}
