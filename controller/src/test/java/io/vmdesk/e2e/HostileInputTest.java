package io.vmdesk.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Hostile input against the real controller: 10,000+ malformed requests (bad JSON, wrong types, huge headers and
 * bodies, traversal and odd bytes in ids, invalid methods, garbage request lines) sent over raw sockets, while
 * slowloris clients hold connections open dribbling headers and bodies, and a prober checks that health and API
 * requests keep being answered quickly. No answer may be a 5xx, none may hang, the controller must live on, and
 * its resident memory must stay bounded.
 */
@Timeout(1200)
class HostileInputTest {
    private static final int REQUESTS = 10_000;
    private static final int SLOW_CLIENTS = 40;

    @Test
    void tenThousandHostileRequestsGetNo5xxAndNormalRequestsKeepBeingServed() throws Exception {
        try (ControllerProcess controller = ControllerProcess.start(Map.of())) {
            int port = controller.controller.relayPort();
            String key = controller.controller.apiKey();
            assertThat(controller.get("/api/health").statusCode()).isEqualTo(200);
            long rssBefore = rssKib(controller.controller.pid());

            List<IntFunction<byte[]>> kinds = hostileRequests(key);
            Map<String, AtomicInteger> statuses = new ConcurrentHashMap<>();
            ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
            AtomicBoolean running = new AtomicBoolean(true);
            ConcurrentLinkedQueue<Long> probeMillis = new ConcurrentLinkedQueue<>();

            ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
            List<Future<?>> slow = new ArrayList<>();
            for (int i = 0; i < SLOW_CLIENTS; i++) {
                boolean body = i % 2 == 1;
                slow.add(pool.submit(() -> slowClient(port, key, body, running)));
            }
            Future<?> prober = pool.submit(() -> {
                while (running.get()) {
                    long start = System.nanoTime();
                    try {
                        int health = controller.get("/api/health").statusCode();
                        int list = controller.get("/api/auth/sessions").statusCode();
                        if (health != 200 || list != 200) {
                            failures.add("normal request answered " + health + "/" + list);
                        }
                    } catch (Exception e) {
                        failures.add("normal request failed: " + e);
                    }
                    probeMillis.add((System.nanoTime() - start) / 1_000_000);
                    sleep(250);
                }
                return null;
            });

            AtomicInteger next = new AtomicInteger();
            List<Future<?>> senders = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                senders.add(pool.submit(() -> {
                    int n;
                    while ((n = next.getAndIncrement()) < REQUESTS) {
                        int kind = n % kinds.size();
                        String status = exchange(port, kinds.get(kind).apply(n));
                        statuses.computeIfAbsent(kind + ":" + status, k -> new AtomicInteger()).incrementAndGet();
                        // 505 is Jetty's protocol answer to "HTTP/9.9" (RFC 9110 15.6.6), before any of our code
                        boolean versionRefused = status.equals("505") && new String(kinds.get(kind).apply(0),
                                StandardCharsets.ISO_8859_1).startsWith("GET / HTTP/9.9");
                        if ((status.startsWith("5") && !versionRefused) || status.equals("timeout")) {
                            failures.add("request kind " + kind + " answered " + status);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> sender : senders) {
                sender.get();
            }
            running.set(false);
            prober.get();
            for (Future<?> s : slow) {
                s.get();
            }
            pool.shutdown();

            System.out.println("hostile input: statuses by kind " + new java.util.TreeMap<>(statuses));
            long rssAfter = rssKib(controller.controller.pid());
            List<Long> sorted = probeMillis.stream().sorted().toList();
            System.out.printf("hostile input: RSS %d -> %d KiB; normal requests %d, median %d ms, max %d ms%n",
                    rssBefore, rssAfter, sorted.size(), sorted.get(sorted.size() / 2), sorted.get(sorted.size() - 1));

            // what the controller said about each request it failed, once per distinct message
            controller.log().lines().filter(l -> l.contains("failed") || l.startsWith("Caused by") || l.contains("Exception:"))
                    .distinct().limit(40).forEach(l -> System.out.println("controller log: " + l));
            assertThat(failures).as("5xx, hangs or failed normal requests").isEmpty();
            assertThat(controller.isAlive()).as(controller.log()).isTrue();
            assertThat(controller.get("/api/health").statusCode()).isEqualTo(200);
            assertThat(sorted).as("normal requests were answered throughout").hasSizeGreaterThan(5);
            // sane latency on a loaded 2-core machine: the median well under a second, none beyond 10 s
            assertThat(sorted.get(sorted.size() / 2)).isLessThan(1500);
            assertThat(sorted.get(sorted.size() - 1)).isLessThan(10_000);
            // bounded memory: the JVM may grow its heap, but not by the volume of what was sent (~GBs)
            assertThat(rssAfter - rssBefore).as("RSS growth in KiB").isLessThan(300 * 1024);
            assertThat(controller.log()).doesNotContain("OutOfMemoryError");
        }
    }

    /** The kinds of hostile request, each a function of the request number (to vary ids and sizes). */
    private static List<IntFunction<byte[]>> hostileRequests(String key) {
        String auth = "Authorization: Bearer " + key + "\r\n";
        List<IntFunction<byte[]>> kinds = new ArrayList<>();
        kinds.add(n -> post("/api/auth/session", auth, "{\"provider\": \"codex\", \"userId\": "));
        kinds.add(n -> post("/api/auth/session", auth, "{\"provider\": 5, \"userId\": [1,2,{}]}"));
        kinds.add(n -> post("/api/auth/session", auth, "[]"));
        kinds.add(n -> post("/api/auth/session", auth, "null"));
        kinds.add(n -> post("/api/auth/session", auth, "{\"provider\":\"" + "x".repeat(10_000) + "\",\"userId\":\"u\"}"));
        kinds.add(n -> post("/api/auth/session", auth, "{\"provider\":\"codex\",\"userId\":\"\\u0000\\ud800\"}"));
        kinds.add(n -> post("/api/auth/session", auth, "{".repeat(5_000)));
        kinds.add(n -> post("/api/auth/session", auth, "\u00ff\u00fe garbage \u0001\u0002"));
        kinds.add(n -> raw("POST /api/auth/session HTTP/1.1\r\nHost: x\r\n" + auth
                + "Content-Type: application/json\r\nContent-Length: 2000000\r\nConnection: close\r\n\r\n"
                + "x".repeat(400_000)));
        kinds.add(n -> raw("GET /api/health HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(64_000 + n % 1000)
                + "\r\nConnection: close\r\n\r\n"));
        kinds.add(n -> {
            StringBuilder headers = new StringBuilder("GET /api/auth/sessions HTTP/1.1\r\nHost: x\r\n");
            for (int i = 0; i < 2_000; i++) {
                headers.append("X-H").append(i).append(": v\r\n");
            }
            return raw(headers + "Connection: close\r\n\r\n");
        });
        for (String id : List.of("..%2F..%2Fetc%2Fpasswd", "../../etc/passwd", "%00", "%ff%fe%fd", "a%0d%0aX:1",
                "%2e%2e", "x".repeat(5_000), "%25", "%C0%AE%C0%AE", "%u2215", ";rm -rf", "$(id)")) {
            kinds.add(n -> raw("GET /api/auth/session/" + id + " HTTP/1.1\r\nHost: x\r\n" + auth
                    + "Connection: close\r\n\r\n"));
            kinds.add(n -> raw("DELETE /api/auth/session/" + id + " HTTP/1.1\r\nHost: x\r\n" + auth
                    + "Connection: close\r\n\r\n"));
            kinds.add(n -> raw("GET /api/auth/session/" + id + "/novnc/..%2F..%2Fpom.xml HTTP/1.1\r\nHost: x\r\n"
                    + "Connection: close\r\n\r\n"));
            kinds.add(n -> post("/api/agent/sessions/" + id + "/events", "Authorization: Bearer nope\r\n", "{}"));
        }
        kinds.add(n -> raw("GET /api/auth/session/%zz HTTP/1.1\r\nHost: x\r\n" + auth + "Connection: close\r\n\r\n"));
        kinds.add(n -> raw("GET /api/auth/session/\u0001\u00ff HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
        kinds.add(n -> raw("FOO /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
        kinds.add(n -> raw("PATCH /api/auth/session HTTP/1.1\r\nHost: x\r\n" + auth + "Connection: close\r\n\r\n"));
        kinds.add(n -> raw("GET / HTTP/9.9\r\nHost: x\r\nConnection: close\r\n\r\n"));
        kinds.add(n -> raw("\u0016\u0003\u0001\u0000\u00a5\u0001\u0000\u0000\u00a1\u0003\u0003 not http\r\n\r\n"));
        kinds.add(n -> raw("GET " + "/a".repeat(20_000) + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
        kinds.add(n -> raw("POST /api/auth/session HTTP/1.1\r\nHost: x\r\n" + auth
                + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\nConnection: close\r\n\r\nzz\r\nbad\r\n"));
        kinds.add(n -> raw("POST /api/auth/session HTTP/1.1\r\nHost: x\r\n" + auth
                + "Content-Length: -1\r\nConnection: close\r\n\r\n"));
        kinds.add(n -> raw("GET /api/auth/sessions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                + "\u00ff".repeat(300) + "\r\nConnection: close\r\n\r\n"));
        kinds.add(n -> raw("GET /api/auth/session/x/events HTTP/1.1\r\nHost: x\r\n" + auth
                + "Accept: text/event-stream\r\nConnection: close\r\n\r\n"));
        kinds.add(n -> raw("GET /api/auth/session/x/novnc/websockify?token=%%% HTTP/1.1\r\nHost: x\r\n"
                + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"));
        kinds.add(n -> post("/api/auth/session/x/keepalive", auth, "{\"seconds\": \"forever\"}"));
        kinds.add(n -> raw("GET /api/users/..%2f..%2f/credentials/%00 HTTP/1.1\r\nHost: x\r\n" + auth
                + "Connection: close\r\n\r\n"));
        return kinds;
    }

    private static byte[] post(String path, String headers, String body) {
        byte[] content = body.getBytes(StandardCharsets.UTF_8);
        return raw("POST " + path + " HTTP/1.1\r\nHost: x\r\n" + headers + "Content-Type: application/json\r\n"
                + "Content-Length: " + content.length + "\r\nConnection: close\r\n\r\n" + body);
    }

    private static byte[] raw(String request) {
        return request.getBytes(StandardCharsets.ISO_8859_1);
    }

    /**
     * Sends one request and returns the status code of the answer, "closed" when the server closed the
     * connection without one (acceptable for garbage that is not HTTP), or "timeout" when nothing came (a hang).
     */
    private static String exchange(int port, byte[] request) {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(60_000);
            OutputStream out = socket.getOutputStream();
            try {
                out.write(request);
                out.flush();
                socket.shutdownOutput();
            } catch (IOException refusedEarly) {
                // the server answered (413, 431) and closed before we finished writing: read what it said
            }
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            int b;
            while ((b = in.read()) != -1 && b != '\n' && line.size() < 200) {
                line.write(b);
            }
            String status = line.toString(StandardCharsets.ISO_8859_1);
            if (!status.startsWith("HTTP/")) {
                return status.isEmpty() ? "closed" : "garbage:" + status;
            }
            in.transferTo(OutputStream.nullOutputStream());
            return status.split(" ")[1];
        } catch (SocketTimeoutException hang) {
            return "timeout";
        } catch (IOException reset) {
            return "closed";
        }
    }

    /** A slowloris client: dribbles a header (or a body) one byte every second until told to stop. */
    private static Void slowClient(int port, String key, boolean body, AtomicBoolean running) {
        while (running.get()) {
            try (Socket socket = new Socket("127.0.0.1", port)) {
                OutputStream out = socket.getOutputStream();
                String start = body
                        ? "POST /api/auth/session HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key
                                + "\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"
                        : "GET /api/health HTTP/1.1\r\nHost: x\r\n";
                out.write(start.getBytes(StandardCharsets.ISO_8859_1));
                while (running.get()) {
                    out.write(body ? ' ' : 'X');
                    out.flush();
                    sleep(1000);
                }
            } catch (IOException closedByServer) {
                // the server gave up on us (idle timeout): reconnect and keep holding
                sleep(200);
            }
        }
        return null;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static long rssKib(long pid) throws IOException {
        return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream().filter(l -> l.startsWith("VmRSS:"))
                .map(l -> Long.parseLong(l.replaceAll("\\D", ""))).findFirst().orElseThrow();
    }
}
