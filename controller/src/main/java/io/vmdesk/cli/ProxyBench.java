package io.vmdesk.cli;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code vmdesk bench proxy}: the live-view relay against websockify and against direct TCP, with one client and
 * one TigerVNC Xvnc upstream, on loopback. Xvnc answers an update request at once (x11vnc polls), so the figures
 * are the relays', not the VNC server's timers. Prints a Markdown table.
 */
@Command(name = "proxy", description = "Compare vmdesk's live-view relay, websockify and direct TCP to Xvnc.")
final class ProxyBench implements Callable<Integer> {
    @Option(names = "--seconds", description = "throughput run per target and round (default: ${DEFAULT-VALUE})",
            defaultValue = "4")
    int seconds;

    @Option(names = "--rounds", description = "rounds, targets interleaved (default: ${DEFAULT-VALUE})",
            defaultValue = "3")
    int rounds;

    @Option(names = "--samples", description = "1x1 round trips per target and round (default: ${DEFAULT-VALUE})",
            defaultValue = "3000")
    int samples;

    @Option(names = "--connections", description = "idle connections held per target (default: ${DEFAULT-VALUE})",
            defaultValue = "1000")
    int connections;

    @Option(names = "--buffer", description = "the relay's LIVE_VIEW_BUFFER in bytes (default: ${DEFAULT-VALUE})",
            defaultValue = "262144")
    int buffer;

    @Option(names = "--relay-java-option", description = "extra JVM option for the relay process (profiling)")
    List<String> relayJavaOptions = new ArrayList<>();

    private final List<Process> started = new ArrayList<>();

    /** One way to reach the VNC server. */
    private record Target(String name, int port, String path, long pid) {
        RfbBenchClient open(int bufferBytes) throws IOException {
            return path == null ? RfbBenchClient.tcp(port, bufferBytes) : RfbBenchClient.webSocket(port, path, bufferBytes);
        }
    }

    /** What one target measured. */
    private static final class Result {
        final List<Double> mbPerSecond = new ArrayList<>();
        final List<Long> rttNanos = new ArrayList<>();
        long relayCpuTicks;
        long bytesRelayed;
        long held;
        double memoryPerConnectionKiB = Double.NaN;
        double rssPerConnectionKiB = Double.NaN;
        double rssAfterMiB = Double.NaN;
    }

    @Override
    public Integer call() throws Exception {
        Runtime.getRuntime().addShutdownHook(new Thread(this::stopAll));
        try {
            int vncPort = freePort();
            int display = freeDisplay();
            Path logs = Files.createTempDirectory("vmdesk-bench-proxy");
            Process xvnc = start(logs.resolve("xvnc.log"), "Xvnc", ":" + display, "-geometry", "1280x800", "-depth",
                    "24", "-rfbport", String.valueOf(vncPort), "-localhost", "-SecurityTypes", "None",
                    "-AlwaysShared", "-nolisten", "unix");
            awaitBanner(vncPort, xvnc, logs.resolve("xvnc.log"));
            int wsPort = freePort();
            Process websockify = start(logs.resolve("websockify.log"), "websockify", "127.0.0.1:" + wsPort,
                    "127.0.0.1:" + vncPort);
            int relayPort = freePort();
            Path java = Path.of(System.getProperty("java.home"), "bin", "java");
            List<String> relayCommand = new ArrayList<>(List.of(java.toString(), "-Xmx256m"));
            relayCommand.addAll(relayJavaOptions);
            relayCommand.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(), "bench",
                    "relay", "--port", String.valueOf(relayPort), "--vnc-port", String.valueOf(vncPort),
                    "--buffer", String.valueOf(buffer)));
            Process relay = start(logs.resolve("relay.log"), relayCommand.toArray(String[]::new));
            Target direct = new Target("direct TCP to Xvnc", vncPort, null, xvnc.pid());
            Target vmdesk = new Target("vmdesk relay", relayPort, "/websockify", relay.pid());
            Target wsfy = new Target("websockify " + websockifyVersion(), wsPort, "/websockify", websockify.pid());
            List<Target> targets = List.of(direct, vmdesk, wsfy);
            for (Target t : targets) {
                awaitRfb(t, logs);
            }
            Map<Target, Result> results = new LinkedHashMap<>();
            targets.forEach(t -> results.put(t, new Result()));
            for (Target t : targets) { // warm up (the JIT compiler's work is not counted)
                throughput(t, new Result(), -1);
                roundTrips(t, new Result());
            }
            String load = Files.readString(Path.of("/proc/loadavg")).strip();
            for (int round = 1; round <= rounds; round++) {
                for (Target t : targets) {
                    throughput(t, results.get(t), t == direct ? -1 : t.pid);
                    roundTrips(t, results.get(t));
                }
                System.err.printf("round %d of %d done%n", round, rounds);
            }
            for (Target t : targets) {
                idleConnections(t, results.get(t), t == vmdesk, relayPort);
            }
            print(results, load, Files.readString(Path.of("/proc/loadavg")).strip());
            return 0;
        } finally {
            stopAll();
        }
    }

    /** Full-screen Raw updates, one request at a time, for {@code seconds}. */
    private void throughput(Target t, Result r, long relayPid) throws IOException {
        try (RfbBenchClient c = t.open(4 << 20).handshake()) {
            c.update(0, 0, c.width(), c.height()); // warm up
            long cpu0 = relayPid > 0 ? cpuTicks(relayPid) : 0;
            long bytes = 0;
            long t0 = System.nanoTime();
            long end = t0 + seconds * 1_000_000_000L;
            long now;
            do {
                bytes += c.update(0, 0, c.width(), c.height());
                now = System.nanoTime();
            } while (now < end);
            if (relayPid > 0) {
                r.relayCpuTicks += cpuTicks(relayPid) - cpu0;
            }
            r.bytesRelayed += bytes;
            r.mbPerSecond.add(bytes / 1e6 / ((now - t0) / 1e9));
        }
    }

    /** Round trips of a 1x1 update. */
    private void roundTrips(Target t, Result r) throws IOException {
        try (RfbBenchClient c = t.open(64 * 1024).handshake()) {
            for (int i = 0; i < 300; i++) {
                c.update(0, 0, 1, 1);
            }
            for (int i = 0; i < samples; i++) {
                long t0 = System.nanoTime();
                c.update(0, 0, 1, 1);
                r.rttNanos.add(System.nanoTime() - t0);
            }
        }
    }

    /**
     * Opens {@code connections} viewers that finish the RFB handshake and then idle; measures and checks them. A path
     * that refuses more (websockify's select() cannot watch descriptors above 1023) is measured with those it took.
     */
    private void idleConnections(Target t, Result r, boolean isVmdesk, int relayPort) throws Exception {
        long heap0 = isVmdesk ? heapUsed(relayPort) : 0;
        long mem0 = memoryKiB(t.pid);
        List<RfbBenchClient> open = new ArrayList<>();
        try {
            for (int i = 0; i < connections; i++) {
                try {
                    open.add(t.open(16 * 1024).handshake());
                } catch (IOException e) {
                    System.err.printf("%s: connection %d failed: %s%n", t.name, open.size() + 1, e.getMessage());
                    break;
                }
            }
            Thread.sleep(2000); // held, idle
            long heap1 = isVmdesk ? heapUsed(relayPort) : 0;
            long mem1 = memoryKiB(t.pid);
            long alive = 0;
            for (RfbBenchClient c : open) {
                try {
                    c.update(0, 0, 1, 1);
                    alive++;
                } catch (IOException e) {
                    // counted as not held
                }
            }
            r.held = alive;
            int n = Math.max(1, open.size());
            if (isVmdesk) {
                r.memoryPerConnectionKiB = (heap1 - heap0) / 1024.0 / n;
            }
            r.rssPerConnectionKiB = (mem1 - mem0) / (double) n;
            r.rssAfterMiB = mem1 / 1024.0;
        } finally {
            for (RfbBenchClient c : open) {
                c.close();
            }
        }
        Thread.sleep(1000);
    }

    private void print(Map<Target, Result> results, String loadBefore, String loadAfter) {
        System.out.printf("%nXvnc 1280x800x32bpp (Raw: %.1f MB per full update), %d rounds of %d s and %d round"
                + " trips per target, %d idle connections; load before %s, after %s%n%n", 1280 * 800 * 4 / 1e6,
                rounds, seconds, samples, connections, loadBefore, loadAfter);
        System.out.println("| path | Raw full updates, MB/s (median; rounds) | 1x1 round trip p50 / p99 | relay CPU"
                + " per MB relayed | memory per idle connection | idle connections held, process memory |");
        System.out.println("|---|---|---|---|---|---|");
        for (Map.Entry<Target, Result> e : results.entrySet()) {
            Target t = e.getKey();
            Result r = e.getValue();
            List<Double> mb = r.mbPerSecond.stream().sorted().toList();
            List<Long> rtt = r.rttNanos.stream().sorted().toList();
            boolean relay = t.path != null;
            String cpu = relay ? String.format("%.2f ms", r.relayCpuTicks * 10.0 / (r.bytesRelayed / 1e6)) : "–";
            String memory = t.name.startsWith("vmdesk")
                    ? String.format("%.1f KiB heap (%.1f KiB RSS)", r.memoryPerConnectionKiB, r.rssPerConnectionKiB)
                    : relay ? String.format("%.1f KiB PSS", r.rssPerConnectionKiB)
                    : String.format("(Xvnc: %.1f KiB RSS)", r.rssPerConnectionKiB);
            System.out.printf("| %s | %.0f (%s) | %.3f / %.3f ms | %s | %s | %d of %d, %.0f MiB |%n", t.name,
                    mb.get(mb.size() / 2), String.join(", ", r.mbPerSecond.stream().map(v -> String.format("%.0f", v))
                            .toList()), percentile(rtt, 0.50) / 1e6, percentile(rtt, 0.99) / 1e6, cpu, memory, r.held,
                    connections, r.rssAfterMiB);
        }
    }

    private static double percentile(List<Long> sorted, double p) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.floor(p * sorted.size())));
    }

    /** user+system CPU of a process and its live descendants, in clock ticks (1/100 s). */
    private static long cpuTicks(long pid) {
        return family(pid).mapToLong(p -> {
            try {
                String stat = Files.readString(Path.of("/proc", String.valueOf(p), "stat"));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                return Long.parseLong(f[11]) + Long.parseLong(f[12]);
            } catch (IOException | RuntimeException e) {
                return 0; // exited meanwhile
            }
        }).sum();
    }

    /** Proportional set size of a process and its live descendants (websockify forks one per connection), KiB. */
    private static long memoryKiB(long pid) {
        return family(pid).mapToLong(p -> {
            try {
                for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(p), "smaps_rollup"))) {
                    if (line.startsWith("Pss:")) {
                        return Long.parseLong(line.replaceAll("\\D", ""));
                    }
                }
            } catch (IOException | RuntimeException e) {
                // exited meanwhile
            }
            return 0;
        }).sum();
    }

    private static Stream<Long> family(long pid) {
        return ProcessHandle.of(pid).map(h -> Stream.concat(Stream.of(h), h.descendants()).map(ProcessHandle::pid))
                .orElse(Stream.empty());
    }

    private static long heapUsed(int relayPort) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + relayPort + "/heap")).build(), HttpResponse.BodyHandlers.ofString());
        return Long.parseLong(r.body().replaceAll("\\D", ""));
    }

    private Process start(Path log, String... command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        started.add(p);
        return p;
    }

    private void stopAll() {
        for (Process p : started) {
            p.descendants().forEach(ProcessHandle::destroy);
            p.destroy();
        }
        started.clear();
    }

    private static void awaitBanner(int port, Process process, Path log) throws Exception {
        for (int i = 0; i < 200; i++) {
            try (RfbBenchClient c = RfbBenchClient.tcp(port, 4096)) {
                return;
            } catch (IOException e) {
                if (!process.isAlive()) {
                    throw new IOException("Xvnc exited: " + Files.readString(log));
                }
                Thread.sleep(50);
            }
        }
        throw new IOException("Xvnc did not listen on " + port);
    }

    private static void awaitRfb(Target t, Path logs) throws Exception {
        IOException last = null;
        for (int i = 0; i < 300; i++) {
            try (RfbBenchClient c = t.open(64 * 1024).handshake()) {
                return;
            } catch (IOException e) {
                last = e;
                Thread.sleep(100);
            }
        }
        throw new IOException(t.name + " did not relay RFB (logs in " + logs + ")", last);
    }

    private static String websockifyVersion() {
        try {
            Process p = new ProcessBuilder("dpkg-query", "-W", "-f=${Version}", "websockify").start();
            return new String(p.getInputStream().readAllBytes()).strip();
        } catch (IOException e) {
            return "";
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** An X display number nobody uses (no lock file, no socket). */
    private static int freeDisplay() {
        for (int d = 140; d < 400; d++) {
            if (!Files.exists(Path.of("/tmp/.X" + d + "-lock")) && !Files.exists(Path.of("/tmp/.X11-unix/X" + d))) {
                return d;
            }
        }
        throw new IllegalStateException("no free X display between :140 and :399");
    }
}
