package io.vmdesk.agent;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the provider's own login command and watches for its credential files.
 *
 * <p>{@code browser-opened} is detected, not guessed: the CLI's {@code BROWSER} is a two-line shell shim in a
 * private work directory that touches a marker file and then {@code exec}s the guest's real BROWSER with the same
 * arguments. The harvest files are polled every 250 ms; they count as found once every file is present, valid, and
 * unchanged across two polls (or the command has exited).
 */
final class CliLoginFlow {
    static final long POLL_MILLIS = 250;
    static final int TAIL_LINES = 8;
    private static final long EXIT_GRACE_MILLIS = 2_000;
    private static final long TERM_GRACE_MILLIS = 3_000;

    private final Events events;

    CliLoginFlow(Events events) {
        this.events = events;
    }

    List<Harvester.HarvestedFile> run(Recipe recipe, Recipe.CliLogin login, AgentConfig config, Deadline deadline,
                                      Cleanup cleanup) throws LoginException {
        String realBrowser = config.browser();
        if (realBrowser == null) {
            throw new LoginException("BROWSER is not set in the agent's environment");
        }
        Path home = config.home();
        Path work;
        Path marker;
        Path shim;
        try {
            work = Files.createTempDirectory("vmdesk-agent-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            cleanup.workDir(work);
            marker = work.resolve("browser-opened");
            shim = work.resolve("browser");
            Files.writeString(shim, "#!/bin/sh\n: > " + shellQuote(marker.toString()) + "\nexec "
                    + shellQuote(realBrowser) + " \"$@\"\n");
            Files.setPosixFilePermissions(shim, PosixFilePermissions.fromString("rwx------"));
        } catch (IOException e) {
            throw new LoginException("cannot prepare the browser shim: " + e.getClass().getSimpleName(), e);
        }

        Map<String, String> env = new HashMap<>(config.childEnvironment());
        login.env().forEach((k, v) -> env.put(k, RecipeParser.expandValue(home, v)));
        env.put("HOME", home.toString());
        env.put("BROWSER", shim.toString());

        ProcessBuilder pb = new ProcessBuilder(login.command()).directory(home.toFile()).redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().putAll(env);
        Process process;
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new LoginException("cannot start " + login.command().get(0) + ": " + e.getMessage(), e);
        }
        cleanup.process(process);
        Log.info("started " + login.command().get(0) + " (pid " + process.pid() + ")");
        OutputTail tail = new OutputTail(process.getInputStream(), TAIL_LINES);
        tail.start();
        try {
            events.send(Events.LOGIN_STARTED, "provider " + recipe.provider() + ", started " + login.command().get(0));
            boolean browserReported = false;
            Harvester.Outcome previous = null;
            while (true) {
                if (!browserReported && Files.exists(marker)) {
                    events.send(Events.BROWSER_OPENED, "the login command opened the guest browser");
                    browserReported = true;
                }
                boolean exited = !process.isAlive();
                Harvester.Outcome now = Harvester.collect(home, recipe.harvest());
                if (now.complete() && (exited || now.sameContentAs(previous))) {
                    stop(process, true);
                    Harvester.Outcome last = Harvester.collect(home, recipe.harvest());
                    if (!browserReported && Files.exists(marker)) {
                        events.send(Events.BROWSER_OPENED, "the login command opened the guest browser");
                    }
                    return (last.complete() ? last : now).files();
                }
                previous = now.complete() ? now : null;
                if (exited) {
                    int code = process.exitValue();
                    tail.awaitEnd();
                    if (code != 0) {
                        throw new LoginException(login.command().get(0) + " exited with code " + code
                                + " before the credentials were complete" + tail.describe(config.token()));
                    }
                    throw new LoginException(login.command().get(0) + " exited with code 0 but " + now.problem());
                }
                if (deadline.passed()) {
                    throw new LoginException("timeout");
                }
                Thread.sleep(POLL_MILLIS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LoginException("interrupted");
        } finally {
            stop(process, false);
            try {
                process.getOutputStream().close();
            } catch (IOException ignored) {
                // already gone
            }
        }
    }

    /**
     * Ends the login command and everything it started. After success it first gets a short grace period to exit
     * by itself (many CLIs exit right after saving their credentials).
     */
    private static void stop(Process process, boolean graceful) {
        try {
            if (graceful && process.waitFor(EXIT_GRACE_MILLIS, TimeUnit.MILLISECONDS)) {
                return;
            }
            if (!process.isAlive()) {
                return;
            }
            List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
            tree.add(process.toHandle());
            tree.forEach(ProcessHandle::destroy);
            long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TERM_GRACE_MILLIS);
            for (ProcessHandle h : tree) {
                long left = end - System.nanoTime();
                try {
                    h.onExit().get(Math.max(1, left), TimeUnit.NANOSECONDS);
                } catch (Exception e) {
                    Log.warn("pid " + h.pid() + " ignored SIGTERM; killing it");
                    h.destroyForcibly();
                }
            }
            Log.info("stopped the login command (pid " + process.pid() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
    }

    static String shellQuote(String s) {
        return "'" + s.replace("'", "'\"'\"'") + "'";
    }

    /** Keeps the last lines of the command's output (drained continuously so the command never blocks). */
    static final class OutputTail extends Thread {
        private static final int MAX_LINE_CHARS = 200;
        private final InputStream in;
        private final int max;
        private final Deque<String> lines = new ArrayDeque<>();

        OutputTail(InputStream in, int max) {
            super("login-command-output");
            setDaemon(true);
            this.in = in;
            this.max = max;
        }

        @Override
        public void run() {
            var decoder = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE);
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, decoder))) {
                String line;
                while ((line = r.readLine()) != null) {
                    String clean = line.replaceAll("\\x1B\\[[0-9;?]*[A-Za-z]", "").strip();
                    if (clean.isEmpty()) {
                        continue;
                    }
                    synchronized (lines) {
                        lines.addLast(clean.length() > MAX_LINE_CHARS ? clean.substring(0, MAX_LINE_CHARS) : clean);
                        while (lines.size() > max) {
                            lines.removeFirst();
                        }
                    }
                }
            } catch (IOException e) {
                // the stream closes when the command is stopped
            }
        }

        void awaitEnd() throws InterruptedException {
            join(1_000);
        }

        /** "; last output: a | b" scrubbed of anything that looks like a token, or "" without output. */
        String describe(String agentToken) {
            String joined;
            synchronized (lines) {
                joined = String.join("\n", lines);
            }
            if (joined.isEmpty()) {
                return "";
            }
            return "; last output: " + Scrubber.detail(joined, 600, List.of(agentToken));
        }
    }
}
