package io.vmdesk.cli;

import io.vmdesk.app.Controller;
import io.vmdesk.config.Config;
import io.vmdesk.net.Naming;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code vmdesk demo}: the main job end to end. By default the whole demo runs in a network namespace of its own, so
 * the machine's network is never touched; a loopback relay makes the live view reachable from this machine's browser.
 */
@Command(name = "demo", description = "Start the controller and one session, print its live-view URL.")
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--netns", description = "name of the private network namespace to run in (default: ${DEFAULT-VALUE})",
            defaultValue = "vmdesk-demo")
    String netns;

    @Option(names = "--host-network", description = "run in the current network namespace instead (a real host)")
    boolean hostNetwork;

    @Option(names = "--screenshot", description = "write a PNG of the live view as a user's browser shows it, then stop")
    Path screenshot;

    @Option(names = "--port", description = "loopback port of the live view (default: ${DEFAULT-VALUE})", defaultValue = "4000")
    int port;

    @Option(names = "--provider", description = "provider of the demo session (default: ${DEFAULT-VALUE})",
            defaultValue = "claude_code")
    String provider;

    @Option(names = "--env-file", description = "the .env file to read (default: ./.env when it exists)")
    Path envFile;

    @Override
    public Integer call() throws Exception {
        if (hostNetwork) {
            return runHere();
        }
        if (!"0".equals(new ProcessBuilder("id", "-u").start().inputReader().readLine())) {
            System.err.println("vmdesk demo creates network namespaces and bridges: run it as root (sudo ./vmdesk demo)");
            return 1;
        }
        return runInNamespace();
    }

    /** Outer half: make the namespace, run the inner half in it, relay the port, clean up whatever happens. */
    private int runInNamespace() throws Exception {
        if (!netns.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,31}")) {
            System.err.println("vmdesk demo: --netns '" + netns + "' is not a usable namespace name; use 1-32 letters,"
                    + " digits, '.', '_' or '-', starting with a letter or digit");
            return 2;
        }
        Map<String, String> env = new HashMap<>(System.getenv());
        // The demo's own data directory (unless DATA_DIR names one): removed again when the demo ends.
        boolean ownDataDir = !env.containsKey("DATA_DIR");
        Path dataDir = Path.of(env.getOrDefault("DATA_DIR", System.getProperty("java.io.tmpdir") + "/vmdesk-" + netns))
                .toAbsolutePath();
        Path socket = dataDir.resolve("http.sock");
        env.put("DATA_DIR", dataDir.toString());
        env.put("CONTROL_SOCKET", socket.toString());
        env.put("PORT", String.valueOf(port));
        env.put("LISTEN_ADDRESS", "127.0.0.1");
        env.putIfAbsent("PUBLIC_URL", "http://127.0.0.1:" + port);
        List<String> argv = new ArrayList<>(List.of(javaBinary(), "--enable-native-access=ALL-UNNAMED",
                "-Dvmdesk.agent.jar=" + System.getProperty("vmdesk.agent.jar", ""), "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "demo", "--host-network", "--provider", provider));
        if (envFile != null) {
            argv.add("--env-file");
            argv.add(envFile.toAbsolutePath().toString());
        }
        if (screenshot != null) {
            argv.add("--screenshot");
            argv.add(screenshot.toAbsolutePath().toString());
        }
        System.out.println("vmdesk demo: running in network namespace " + netns + " (data in " + dataDir + ")");
        PrivateNamespace ns;
        try {
            ns = PrivateNamespace.create(netns, Naming.namespacePrefix(Naming.instanceTag(dataDir)));
        } catch (IllegalStateException | io.vmdesk.host.HostCommandException e) {
            System.err.println("vmdesk demo: " + e.getMessage());
            return 1;
        }
        // Only now, with the namespace ours: a leftover socket of an earlier run goes.
        Files.createDirectories(dataDir);
        Files.deleteIfExists(socket);
        Process inner;
        try {
            inner = ns.start(argv, env, true);
        } catch (IOException | RuntimeException e) {
            ns.close();
            throw e;
        }
        // Ctrl-C or SIGTERM: the JVM runs only shutdown hooks, not this method's finally blocks, so the hook itself
        // stops the inner controller (which removes its guests) and deletes the namespace.
        Thread cleanup = new Thread(() -> {
            stop(inner);
            ns.close();
            if (ownDataDir) {
                deleteTree(dataDir);
            }
        }, "demo-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        UnixRelay relay = awaitRelay(socket, inner, port);
        try {
            return inner.waitFor();
        } finally {
            if (relay != null) {
                relay.close();
            }
            stop(inner);
            ns.close();
            if (ownDataDir) {
                deleteTree(dataDir);
            }
        }
    }

    private static void deleteTree(Path dir) {
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // already gone
        }
    }

    /** Waits for the inner controller's Unix socket, then opens the loopback port the user's browser will use. */
    private static UnixRelay awaitRelay(Path socket, Process inner, int port) throws IOException, InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofMinutes(2));
        while (!Files.exists(socket)) {
            if (!inner.isAlive() || Instant.now().isAfter(deadline)) {
                return null;
            }
            Thread.sleep(100);
        }
        return UnixRelay.start(port, socket);
    }

    private static void stop(Process inner) {
        if (inner.isAlive()) {
            inner.destroy();
            try {
                if (!inner.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
                    inner.destroyForcibly();
                }
            } catch (InterruptedException e) {
                inner.destroyForcibly();
            }
        }
    }

    private static String javaBinary() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    /** Inner half (or a real host): controller, one session, its URL; optionally a screenshot. */
    private int runHere() throws Exception {
        Config config;
        try {
            config = ConfigLoading.loadOrExplain(System.getenv(), envFile);
        } catch (ConfigLoading.ExitException e) {
            return e.status;
        }
        Controller controller = ServeCommand.startOrExplain(config, false);
        if (controller == null) {
            return ServeCommand.EXIT_HOST;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            controller.close();
            stopped.countDown();
        }, "shutdown"));
        String key = controller.createApiKey("demo", java.util.Set.of(io.vmdesk.auth.Scope.ADMIN));
        DemoSession demo = new DemoSession("http://127.0.0.1:" + controller.port(), config.publicUrl(), key);
        String url = demo.createAndAwaitReady(provider, config.readyTimeout().plusSeconds(10));
        if (url == null) {
            System.exit(1);
        }
        if (screenshot != null) {
            LiveViewBrowser.capture(config.chromiumBin(), demo.localUrl(url), screenshot);
            System.out.println("screenshot written: " + screenshot);
            demo.delete();
            System.exit(0);
        }
        System.out.println();
        System.out.println("  Live view: " + url);
        System.out.println("             (open it within LIVE_VIEW_TOKEN_TTL=" + config.liveViewTokenTtl().toSeconds()
                + "s; the session's curl below hands out a fresh link)");
        System.out.println("  Session:   curl -s -H 'Authorization: Bearer " + key + "' " + demo.sessionUrl());
        System.out.println("  Press Ctrl-C to end the session and the demo (everything it created is removed).");
        System.out.println();
        stopped.await();
        return 0;
    }
}
