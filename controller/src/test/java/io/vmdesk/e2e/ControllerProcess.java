package io.vmdesk.e2e;

import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vmdesk.cli.IsolatedController;
import io.vmdesk.host.HostCommands;
import io.vmdesk.net.Namespaces;
import io.vmdesk.net.Naming;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Test view of {@link IsolatedController}: the real controller in a namespace this test creates and deletes, plus
 * what the tests look at — API calls, and the host resources a session holds.
 */
final class ControllerProcess implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();

    final IsolatedController controller;
    final Path dataDir;
    final HostCommands inNamespace;
    final HttpClient http;

    private ControllerProcess(IsolatedController controller) {
        this.controller = controller;
        this.dataDir = controller.dataDir();
        this.inNamespace = controller.namespace().commands();
        this.http = controller.http();
    }

    static void assumeRoot() throws IOException {
        String uid = new String(new ProcessBuilder("id", "-u").start().getInputStream().readAllBytes()).trim();
        assumeThat(uid).as("these tests create network namespaces and bridges: run them as root").isEqualTo("0");
    }

    static ControllerProcess start(Map<String, String> extraEnv, String... args) throws Exception {
        return start(extraEnv, host -> { }, args);
    }

    /** As above, with {@code setup} run in the new namespace before the controller starts (to build a fault). */
    static ControllerProcess start(Map<String, String> extraEnv, Consumer<HostCommands> setup, String... args)
            throws Exception {
        assumeRoot();
        Map<String, String> env = new java.util.HashMap<>(Map.of("SESSION_READY_TIMEOUT", "90s"));
        env.putAll(extraEnv);
        return new ControllerProcess(IsolatedController.start(UUID.randomUUID().toString().substring(0, 8), env,
                ns -> setup.accept(ns.commands()), List.of(args)));
    }

    void launch() throws Exception {
        controller.launch();
    }

    /** Starts the controller and returns at once, before its port opens. */
    void launchWithoutWaiting() throws Exception {
        controller.launch(false);
    }

    /** Changes a setting for the next {@link #launch()}. */
    void setting(String name, String value) {
        controller.setting(name, value);
    }

    /** Extra JVM options for the next {@link #launch()}. */
    void jvmOptions(String... options) {
        controller.jvmOptions(List.of(options));
    }

    /** The controller's pid (the JVM itself: nsenter execs it). */
    long pid() {
        return controller.pid();
    }

    boolean isAlive() {
        return controller.isAlive();
    }

    int awaitExit(Duration timeout) throws InterruptedException {
        return controller.awaitExit(timeout);
    }

    String log() {
        return controller.log();
    }

    String baseUrl() {
        return controller.baseUrl();
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return checked(controller.get(path));
    }

    HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
        return checked(controller.post(path, body));
    }

    HttpResponse<String> delete(String path) throws IOException, InterruptedException {
        return checked(controller.delete(path));
    }

    /** Sends a request of the test's own making; the response is checked like every other. */
    HttpResponse<String> send(java.net.http.HttpRequest request) throws IOException, InterruptedException {
        return checked(http.send(request, HttpResponse.BodyHandlers.ofString()));
    }

    /** Holds a response against the controller's API description, /api/openapi.json; @return it */
    HttpResponse<String> checked(HttpResponse<String> response) {
        return OpenApiContract.served(baseUrl(), http).check(response);
    }

    void kill9() throws InterruptedException {
        controller.kill9();
    }

    int stop(Duration timeout) throws InterruptedException {
        return controller.stop(timeout);
    }

    static JsonNode json(HttpResponse<String> response) throws IOException {
        return JSON.readTree(response.body());
    }

    /** Creates a session and returns the POST answer. */
    JsonNode createSession(String provider, String user) throws IOException, InterruptedException {
        HttpResponse<String> response = post("/api/auth/session",
                "{\"provider\":\"" + provider + "\",\"userId\":\"" + user + "\"}");
        if (response.statusCode() != 201) {
            throw new AssertionError("POST answered " + response.statusCode() + " " + response.body());
        }
        return json(response);
    }

    /**
     * The live-view WebSocket URL of a novncURL, with its token as a query parameter (as a client without the
     * page's cookie would send it).
     */
    static String socketOf(String novncUrl) {
        int query = novncUrl.indexOf('?');
        return novncUrl.substring(0, query).replaceFirst("^http", "ws") + "/websockify" + novncUrl.substring(query);
    }

    /** A session's live-view WebSocket URL with a fresh token (every GET of the session hands one out). */
    String liveViewSocket(String id) throws IOException, InterruptedException {
        return socketOf(json(get("/api/auth/session/" + id)).get("novncURL").asText());
    }

    /** Polls until the session leaves STARTING; returns its record. */
    JsonNode awaitSettled(String id, Duration timeout) throws IOException, InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        JsonNode session = json(get("/api/auth/session/" + id));
        while (session.get("status").asText().equals("STARTING") && Instant.now().isBefore(deadline)) {
            Thread.sleep(200);
            session = json(get("/api/auth/session/" + id));
        }
        return session;
    }

    /** Polls until the session has a final status (not STARTING, not ENDING); returns its record. */
    JsonNode awaitFinal(String id, Duration timeout) throws IOException, InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        JsonNode session = json(get("/api/auth/session/" + id));
        while (List.of("STARTING", "ENDING").contains(session.get("status").asText()) && Instant.now().isBefore(deadline)) {
            Thread.sleep(200);
            session = json(get("/api/auth/session/" + id));
        }
        return session;
    }

    /** Links in the test namespace (the controller's host side) whose names start with prefix. */
    List<String> links(String prefix) {
        return inNamespace.run(Duration.ofSeconds(10), "ip", "-o", "link", "show").stdout().lines()
                .map(l -> l.split(":\\s+")[1].split("@")[0]).filter(n -> n.startsWith(prefix)).toList();
    }

    List<String> guestNamespaces() {
        return new Namespaces(new HostCommands()).list(Naming.namespacePrefix(Naming.instanceTag(dataDir)));
    }

    /** Every process running in this controller's guest namespaces. */
    List<Long> guestPids() {
        Namespaces namespaces = new Namespaces(new HostCommands());
        return guestNamespaces().stream().flatMap(ns -> namespaces.pids(ns).stream()).toList();
    }

    /**
     * The guests' desktop processes (X server, window manager, VNC server, browser), without the login agent, which
     * exits by itself when its login ends, and Chromium's helpers (--type=…), which Chromium starts and ends at will.
     */
    List<Long> guestDesktopPids() {
        return guestPids().stream().filter(pid -> {
            try {
                String cmdline = Files.readString(Path.of("/proc", pid.toString(), "cmdline"));
                return !cmdline.contains("--type=") && !cmdline.contains("vmdesk-agent");
            } catch (IOException gone) {
                return false;
            }
        }).toList();
    }

    static List<Long> alive(List<Long> pids) {
        return pids.stream().filter(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).toList();
    }

    /** Processes whose command line mentions this controller's session directories (guest processes do). */
    List<String> guestProcesses() throws IOException {
        List<String> found = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    String cmdline = Files.readString(p.resolve("cmdline")).replace('\0', ' ');
                    if (cmdline.contains(dataDir.resolve("sessions").toString())) {
                        found.add(p.getFileName() + " " + cmdline);
                    }
                } catch (IOException gone) {
                    // the process ended while we looked
                }
            }
        }
        return found;
    }

    @Override
    public void close() throws Exception {
        controller.close();
    }
}
