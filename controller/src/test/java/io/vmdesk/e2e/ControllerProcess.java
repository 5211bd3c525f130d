package io.vmdesk.e2e;

import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vmdesk.cli.Main;
import io.vmdesk.cli.PrivateNamespace;
import io.vmdesk.cli.UnixRelay;
import io.vmdesk.host.HostCommands;
import io.vmdesk.net.Naming;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The real controller, started as its own process inside a network namespace this test creates (so no interface or
 * traffic ever reaches the machine's own namespace), reached through a loopback relay to its Unix socket. Closing
 * stops it and deletes the namespace, its guest namespaces and the data directory.
 */
final class ControllerProcess implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();

    final PrivateNamespace namespace;
    final Path dataDir;
    final HostCommands inNamespace;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final Map<String, String> env;
    private final List<String> args;
    private Process process;
    private UnixRelay relay;
    private int relayPort;

    private ControllerProcess(PrivateNamespace namespace, Path dataDir, Map<String, String> env, List<String> args) {
        this.namespace = namespace;
        this.dataDir = dataDir;
        this.env = env;
        this.args = args;
        this.inNamespace = new HostCommands(namespace.name());
    }

    static void assumeRoot() throws IOException {
        String uid = new String(new ProcessBuilder("id", "-u").start().getInputStream().readAllBytes()).trim();
        assumeThat(uid).as("these tests create network namespaces and bridges: run them as root").isEqualTo("0");
    }

    /** Starts {@code vmdesk serve} (or other args) in a fresh namespace; returns once it answers, or has exited. */
    static ControllerProcess start(Map<String, String> extraEnv, String... args) throws Exception {
        return start(extraEnv, host -> { }, args);
    }

    /** As above, with {@code setup} run in the new namespace before the controller starts (to build a fault). */
    static ControllerProcess start(Map<String, String> extraEnv, java.util.function.Consumer<HostCommands> setup,
            String... args) throws Exception {
        assumeRoot();
        String tag = UUID.randomUUID().toString().substring(0, 8);
        Path dataDir = Files.createTempDirectory("vmdesk-t-" + tag + "-");
        PrivateNamespace ns = PrivateNamespace.create("vmdesk-t-" + tag,
                Naming.namespacePrefix(Naming.instanceTag(dataDir)));
        Map<String, String> env = new HashMap<>();
        env.put("DATA_DIR", dataDir.toString());
        env.put("CONTROL_SOCKET", dataDir.resolve("http.sock").toString());
        env.put("PORT", "4000");
        env.put("SESSION_READY_TIMEOUT", "90s");
        env.putAll(extraEnv);
        List<String> argv = args.length == 0 ? List.of("serve") : List.of(args);
        ControllerProcess controller = new ControllerProcess(ns, dataDir, env, argv);
        try {
            setup.accept(controller.inNamespace);
            controller.launch();
        } catch (Exception | AssertionError e) {
            controller.close();
            throw e;
        }
        return controller;
    }

    /** (Re)starts the controller process with the same namespace, data and settings. */
    void launch() throws Exception {
        if (relay == null) {
            relay = UnixRelay.start(0, dataDir.resolve("http.sock"));
            relayPort = relay.port();
        }
        Map<String, String> processEnv = new HashMap<>(env);
        processEnv.putIfAbsent("PUBLIC_URL", "http://127.0.0.1:" + relayPort);
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(args);
        command.add("--env-file");
        command.add(dataDir.resolve(".env").toString());
        Files.deleteIfExists(dataDir.resolve("http.sock"));
        ProcessBuilder builder = new ProcessBuilder(prefixed(command));
        builder.environment().clear();
        builder.environment().put("PATH", System.getenv("PATH"));
        builder.environment().putAll(processEnv);
        builder.redirectErrorStream(true);
        builder.redirectOutput(ProcessBuilder.Redirect.appendTo(dataDir.resolve("controller.log").toFile()));
        process = builder.start();
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        while (Instant.now().isBefore(deadline) && process.isAlive()) {
            if (Files.exists(dataDir.resolve("http.sock"))) {
                try {
                    if (get("/api/health").statusCode() == 200) {
                        return;
                    }
                } catch (IOException notYet) {
                    // the socket exists a moment before Jetty accepts on it
                }
            }
            Thread.sleep(100);
        }
    }

    private List<String> prefixed(List<String> command) {
        List<String> all = new ArrayList<>(List.of("ip", "netns", "exec", namespace.name()));
        all.addAll(command);
        return all;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Waits for the process to exit (e.g. a refused configuration) and returns its status. */
    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("controller did not exit within " + timeout + "; log:\n" + log());
        }
        return process.exitValue();
    }

    String log() {
        try {
            return Files.readString(dataDir.resolve("controller.log"));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    String baseUrl() {
        return "http://127.0.0.1:" + relayPort;
    }

    int relayPort() {
        return relayPort;
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(baseUrl() + path)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(baseUrl() + path)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> delete(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(baseUrl() + path)).timeout(Duration.ofSeconds(60))
                .DELETE().build(), HttpResponse.BodyHandlers.ofString());
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

    /** Host resources as seen in the test namespace and on the file system. */
    List<String> links(String prefix) {
        return inNamespace.run(Duration.ofSeconds(10), "ip", "-o", "link", "show").stdout().lines()
                .map(l -> l.split(":\\s+")[1].split("@")[0]).filter(n -> n.startsWith(prefix)).toList();
    }

    List<String> guestNamespaces() {
        return new io.vmdesk.net.Namespaces(new HostCommands())
                .list(Naming.namespacePrefix(Naming.instanceTag(dataDir)));
    }

    /** Processes whose command line mentions this controller's data directory (guest processes do). */
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

    void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** SIGTERM and wait: the controller's own shutdown path. */
    int stop(Duration timeout) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError("controller did not stop within " + timeout + " of SIGTERM");
        }
        return process.exitValue();
    }

    @Override
    public void close() throws Exception {
        try {
            if (process != null && process.isAlive()) {
                stop(Duration.ofSeconds(60));
            }
        } finally {
            if (relay != null) {
                relay.close();
            }
            namespace.close();
            try (Stream<Path> walk = Files.walk(dataDir)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
