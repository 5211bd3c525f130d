package io.vmdesk.cli;

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
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The real controller as a child process inside a network namespace made for it, reached from here through a
 * loopback relay to its Unix socket. Used by the tests and the benchmarks: whatever the controller does to the
 * network stays in that namespace. Closing stops it and deletes the namespace, its guests and its data directory.
 */
public final class IsolatedController implements AutoCloseable {
    private final PrivateNamespace namespace;
    private final Path dataDir;
    private final Map<String, String> env;
    private final List<String> args;
    private List<String> jvmOptions = List.of();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private Process process;
    private UnixRelay relay;
    private String apiKey;

    private IsolatedController(PrivateNamespace namespace, Path dataDir, Map<String, String> env, List<String> args) {
        this.namespace = namespace;
        this.dataDir = dataDir;
        this.env = env;
        this.args = args;
    }

    /**
     * Creates namespace {@code vmdesk-t-<tag>} and a data directory, runs {@code setup} in the namespace (to build a
     * fault before the controller sees it), then starts {@code vmdesk <args>} there.
     */
    public static IsolatedController start(String tag, Map<String, String> extraEnv, Consumer<PrivateNamespace> setup,
            List<String> args) throws IOException, InterruptedException {
        Path dataDir = Files.createTempDirectory("vmdesk-t-" + tag + "-");
        PrivateNamespace ns = PrivateNamespace.create("vmdesk-t-" + tag,
                Naming.namespacePrefix(Naming.instanceTag(dataDir)));
        Map<String, String> env = new HashMap<>();
        env.put("DATA_DIR", dataDir.toString());
        env.put("CONTROL_SOCKET", dataDir.resolve("http.sock").toString());
        env.put("PORT", "4000");
        env.putAll(extraEnv);
        IsolatedController controller = new IsolatedController(ns, dataDir, env, args.isEmpty() ? List.of("serve") : args);
        try {
            setup.accept(ns);
            controller.launch();
        } catch (IOException | InterruptedException | RuntimeException | Error e) {
            controller.close();
            throw e;
        }
        return controller;
    }

    /** (Re)starts the controller process with the same namespace, data and settings; returns once it answers or exits. */
    public void launch() throws IOException, InterruptedException {
        launch(true);
    }

    /**
     * As {@link #launch()}; with {@code awaitHealth} false it returns as soon as the process runs (a test that stops
     * the controller before its port opens).
     */
    public void launch(boolean awaitHealth) throws IOException, InterruptedException {
        if (relay == null) {
            relay = UnixRelay.start(0, dataDir.resolve("http.sock"));
        }
        Map<String, String> processEnv = new HashMap<>(env);
        processEnv.putIfAbsent("PUBLIC_URL", baseUrl());
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "--enable-native-access=ALL-UNNAMED",
                "-Dvmdesk.agent.jar=" + System.getProperty("vmdesk.agent.jar", "")));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(args);
        if (Files.exists(dataDir.resolve(".env"))) {
            command.add("--env-file");
            command.add(dataDir.resolve(".env").toString());
        }
        // The socket file a killed controller left stays: the controller must cope with it (as after a real crash).
        List<String> inNamespace = new ArrayList<>(namespace.enter());
        inNamespace.addAll(command);
        ProcessBuilder builder = new ProcessBuilder(inNamespace);
        // Only what we set: the controller flags unknown variables that look like its own.
        builder.environment().clear();
        builder.environment().put("PATH", System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"));
        builder.environment().putAll(processEnv);
        builder.redirectErrorStream(true);
        builder.redirectOutput(ProcessBuilder.Redirect.appendTo(dataDir.resolve("controller.log").toFile()));
        process = builder.start();
        if (!awaitHealth) {
            return;
        }
        // generous: on a shared, loaded machine a JVM can take long to start
        Instant deadline = Instant.now().plus(Duration.ofSeconds(120));
        while (process.isAlive()) {
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("the controller did not answer /api/health within 120 s; log:\n" + log());
            }
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

    /** Changes a setting for the next {@link #launch()} (a restart with another configuration). */
    public void setting(String name, String value) {
        env.put(name, value);
    }

    /** Extra JVM options for the next {@link #launch()} (the crash tests' {@code -Dvmdesk.test.pauseAt=…}). */
    public void jvmOptions(List<String> options) {
        jvmOptions = List.copyOf(options);
    }

    public PrivateNamespace namespace() {
        return namespace;
    }

    public Path dataDir() {
        return dataDir;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + relay.port();
    }

    /** The loopback port this side of the relay listens on. */
    public int relayPort() {
        return relay.port();
    }

    public HttpClient http() {
        return http;
    }

    /**
     * An admin API key of this controller, made on first use directly in its store (as `vmdesk apikey create`
     * would); every request below carries it.
     */
    public synchronized String apiKey() {
        if (apiKey == null) {
            try (io.vmdesk.store.Store store = io.vmdesk.store.Store.open("jdbc:sqlite:" + dataDir.resolve("vmdesk.db"))) {
                apiKey = new io.vmdesk.auth.ApiKeys(store, java.time.Clock.systemUTC()).create("isolated-controller",
                        java.util.Set.of(io.vmdesk.auth.Scope.ADMIN));
            }
        }
        return apiKey;
    }

    private HttpRequest.Builder request(String path, Duration timeout) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(baseUrl() + path)).timeout(timeout);
        if (!path.startsWith("/api/health")) {
            builder.header("Authorization", "Bearer " + apiKey());
        }
        return builder;
    }

    public HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(request(path, Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
        return http.send(request(path, Duration.ofSeconds(30)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<String> delete(String path) throws IOException, InterruptedException {
        return http.send(request(path, Duration.ofSeconds(60)).DELETE().build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Waits for the process to exit (e.g. a refused configuration) and returns its status. */
    public int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("controller did not exit within " + timeout + "; log:\n" + log());
        }
        return process.exitValue();
    }

    public String log() {
        try {
            return Files.readString(dataDir.resolve("controller.log"));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    public void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** SIGTERM and wait: the controller's own shutdown path. */
    public int stop(Duration timeout) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
            throw new IllegalStateException("controller did not stop within " + timeout + " of SIGTERM");
        }
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException, IOException {
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
