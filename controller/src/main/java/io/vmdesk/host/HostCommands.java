package io.vmdesk.host;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * Runs host commands (ip, kill…) with a timeout; optional namespace wrapper so tests can run the whole host side
 * inside a test namespace: with wrapNamespace="vmdesk-t-x" every command becomes
 * {@code ip netns exec vmdesk-t-x <argv>}.
 *
 * <p>One exception to the wrapping: {@code ip netns …} commands themselves are not wrapped. They act on the
 * namespace registry ({@code /run/netns}), which is the same whatever network namespace the caller is in, and
 * {@code ip netns exec} runs its command in a private (slave) mount namespace, from which the bind mount made by
 * {@code ip netns add} never propagates back: a namespace added that way dies as soon as {@code ip} exits
 * ("Peer netns reference is invalid"). {@code ip netns exec G cmd} switches to G regardless of the wrapper, so
 * guest processes end up in the same place either way.
 */
public final class HostCommands {
    private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(2);

    private final String wrapNamespace;

    /** No wrapper: production (the controller already runs in its namespace). */
    public HostCommands() {
        this.wrapNamespace = null;
    }

    /** Tests: every command runs inside {@code wrapNamespace}. */
    public HostCommands(String wrapNamespace) {
        if (wrapNamespace == null || wrapNamespace.isBlank() || wrapNamespace.contains("/")) {
            throw new IllegalArgumentException("'" + wrapNamespace + "' is not a network namespace name");
        }
        this.wrapNamespace = wrapNamespace;
    }

    /** Runs argv and returns its exit code and output; never throws for a non-zero exit. */
    public Result run(Duration timeout, String... argv) {
        List<String> command = wrap(List.of(argv));
        ProcessBuilder builder = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(devNull()));
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new HostCommandException(command, "could not be started: " + e.getMessage(), e);
        }
        CompletableFuture<String> out = drain(process.getInputStream());
        CompletableFuture<String> err = drain(process.getErrorStream());
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                throw new HostCommandException(command, "did not finish within " + timeout.toMillis() + " ms (killed)"
                        + stderrSoFar(err), null);
            }
            return new Result(process.exitValue(), collect(out), collect(err));
        } catch (InterruptedException e) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new HostCommandException(command, "was interrupted", e);
        }
    }

    /** Like {@link #run} but throws {@link HostCommandException} (command, exit code, stderr) on a non-zero exit. */
    public Result runChecked(Duration timeout, String... argv) {
        Result result = run(timeout, argv);
        if (result.exitCode() != 0) {
            throw new HostCommandException(wrap(List.of(argv)), result.exitCode(), result.stderr());
        }
        return result;
    }

    /** The full command line for argv, for starting long-running processes with {@link ProcessBuilder}. */
    public List<String> wrap(List<String> argv) {
        Objects.requireNonNull(argv, "argv");
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("empty command");
        }
        if (wrapNamespace == null || isNetnsRegistryCommand(argv)) {
            return List.copyOf(argv);
        }
        List<String> wrapped = new ArrayList<>(argv.size() + 4);
        wrapped.addAll(List.of("ip", "netns", "exec", wrapNamespace));
        wrapped.addAll(argv);
        return List.copyOf(wrapped);
    }

    /** The namespace every command is wrapped into, or null in production. */
    public String wrapNamespace() {
        return wrapNamespace;
    }

    private static boolean isNetnsRegistryCommand(List<String> argv) {
        String first = argv.get(0);
        return (first.equals("ip") || first.endsWith("/ip")) && argv.size() > 1 && argv.get(1).equals("netns");
    }

    public record Result(int exitCode, String stdout, String stderr) {
        public boolean ok() {
            return exitCode == 0;
        }
    }

    /** A command line as a human would type it (arguments with spaces quoted). */
    static String render(List<String> command) {
        return command.stream()
                .map(a -> a.isEmpty() || a.chars().anyMatch(c -> c == ' ' || c == '\'' || c == '"' || c == '\t')
                        ? "'" + a.replace("'", "'\\''") + "'" : a)
                .collect(Collectors.joining(" "));
    }

    private static java.io.File devNull() {
        return new java.io.File("/dev/null");
    }

    private static CompletableFuture<String> drain(InputStream in) {
        CompletableFuture<String> result = new CompletableFuture<>();
        Thread.ofVirtual().name("host-command-drain").start(() -> {
            try (in) {
                result.complete(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                result.completeExceptionally(new UncheckedIOException(e));
            }
        });
        return result;
    }

    /** Output of a finished command; a grandchild still holding the pipe open must not hang us. */
    private static String collect(CompletableFuture<String> f) throws InterruptedException {
        try {
            return f.get(DRAIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            return "";
        }
    }

    private static String stderrSoFar(CompletableFuture<String> err) {
        String s;
        try {
            s = err.get(500, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            s = "";
        } catch (ExecutionException | TimeoutException e) {
            s = "";
        }
        return s == null || s.isBlank() ? "" : "; stderr: " + s.strip();
    }
}
