package io.vmdesk.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmdesk.net.Naming;
import io.vmdesk.store.SessionRow;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * No leaks (issue 7): N create/delete cycles against the real controller, 1–4 at once (random), each session deleted
 * at a random moment: while still starting, once READY, or once READY with a live-view viewer attached (closed by the
 * DELETE). Afterwards no interface, namespace, lease, open ledger entry, guest process, session directory, Chromium
 * /tmp directory or non-final row is left, and the controller's open file descriptors (/proc/PID/fd) and its heap
 * after a full GC ({@code jcmd PID GC.run}, then {@code GC.heap_info}) are back near where they were after a warm-up.
 *
 * <p>N is {@code -Dvmdesk.leak.cycles} (the 200 for a benchmark run, see docs/benchmarks.md); 20 in the normal
 * suite. {@code -Dvmdesk.leak.seed} repeats a run's random choices (the seed is printed).
 */
@Timeout(3600)
class LeakCycleTest {
    /** Fds the controller may hold beyond its baseline: HTTP connections of the test's client pool come and go. */
    private static final int FD_SLACK = 8;
    /** Heap after GC may grow this much beyond its baseline (caches, JIT, metrics series settling). */
    private static final long HEAP_SLACK_BYTES = 8L << 20;
    private static final Pattern USED = Pattern.compile("used (\\d+)K");

    @Test
    void createDeleteCyclesAtRandomConcurrencyLeaveNothingBehindAndFdsAndHeapReturnToBaseline() throws Exception {
        int cycles = Integer.getInteger("vmdesk.leak.cycles", 20);
        long seed = Long.getLong("vmdesk.leak.seed", System.nanoTime());
        System.out.println("LeakCycleTest: " + cycles + " cycles, seed " + seed);
        Random random = new Random(seed);
        try (ControllerProcess controller = ControllerProcess.start(Map.of("SESSION_CREATE_RATE", "100000",
                "MAX_SESSIONS", "10", "MAX_SESSIONS_PER_USER", "10"));
                ExecutorService pool = Executors.newFixedThreadPool(4)) {
            try {
                cycles(controller, pool, cycles, seed, random);
            } finally {
                Path log = Path.of("target", "test-artifacts", "leak-cycles-controller.log");
                Files.createDirectories(log.getParent());
                Files.writeString(log, controller.log());
            }
        }
    }

    private static void cycles(ControllerProcess controller, ExecutorService pool, int cycles, long seed,
            Random random) throws Exception {
        {
            String tag = Naming.instanceTag(controller.dataDir);
            AtomicInteger users = new AtomicInteger();
            AtomicInteger ready = new AtomicInteger();
            AtomicInteger early = new AtomicInteger();
            AtomicInteger viewed = new AtomicInteger();

            // warm-up: one batch of 4 (class loading, JIT, the HTTP connection pools), then the baseline
            runBatch(controller, pool, 4, random, users, ready, early, viewed);
            assertThat(HostResources.of(controller).ownedOnlyBy(tag, Set.of())).isEmpty();
            long fdBefore = openFds(controller);
            long heapBefore = heapAfterGc(controller);
            ready.set(0);
            early.set(0);
            viewed.set(0);

            long t0 = System.nanoTime();
            int done = 0;
            int batches = 0;
            while (done < cycles) {
                int n = Math.min(1 + random.nextInt(4), cycles - done);
                runBatch(controller, pool, n, random, users, ready, early, viewed);
                done += n;
                batches++;
            }
            Duration took = Duration.ofNanos(System.nanoTime() - t0);

            HostResources after = HostResources.of(controller);
            assertThat(after.ownedOnlyBy(tag, Set.of())).as("left behind after %d cycles", cycles).isEmpty();
            assertThat(after.nonFinal()).as("non-final rows").isEmpty();
            assertThat(after.rows()).as("the warm-up's 4 and the cycles'").hasSize(cycles + 4);
            assertThat(controller.guestProcesses()).isEmpty();
            JsonNode health = ControllerProcess.json(controller.get("/api/health"));
            assertThat(health.get("status").asText()).isEqualTo("ok");
            assertThat(health.get("liveSessions").asInt()).isZero();
            long fdAfter = openFds(controller);
            long heapAfter = heapAfterGc(controller);
            String result = String.format("cycles=%d batches=%d (1-4 at once) seed=%d duration=%ds"
                    + " deleted-while-starting=%d deleted-ready=%d with-viewer=%d"
                    + " fds=%d->%d heap-after-gc=%.1fMiB->%.1fMiB", cycles, batches, seed, took.toSeconds(),
                    early.get(), ready.get(), viewed.get(), fdBefore, fdAfter, heapBefore / 1048576.0,
                    heapAfter / 1048576.0);
            System.out.println("LeakCycleTest: " + result);
            Path report = Path.of("target", "test-artifacts", "leak-cycles.txt");
            Files.createDirectories(report.getParent());
            Files.writeString(report, result + "\n");
            assertThat(fdAfter).as(result).isLessThanOrEqualTo(fdBefore + FD_SLACK);
            assertThat(heapAfter).as(result).isLessThanOrEqualTo(heapBefore + HEAP_SLACK_BYTES);
        }
    }

    /** n cycles at once; each creates a session and deletes it at a random moment, and checks its final record. */
    private static void runBatch(ControllerProcess controller, ExecutorService pool, int n, Random random,
            AtomicInteger users, AtomicInteger ready, AtomicInteger early, AtomicInteger viewed) throws Exception {
        List<Future<?>> running = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int kind = random.nextInt(10);           // 0-1: delete while starting, 2-4: with a viewer, else READY
            long delay = random.nextInt(1500);
            String user = "leak-" + users.incrementAndGet();
            running.add(pool.submit(() -> {
                String id = controller.createSession("copilot", user).get("sessionId").asText();
                RfbViewer viewer = null;
                if (kind < 2) {
                    Thread.sleep(delay);
                    early.incrementAndGet();
                } else {
                    JsonNode settled = controller.awaitSettled(id, Duration.ofSeconds(120));
                    assertThat(settled.get("status").asText()).as(settled.toString()).isEqualTo("READY");
                    ready.incrementAndGet();
                    if (kind < 5) {
                        try {
                            viewer = RfbViewer.connect(controller.liveViewSocket(id)).handshake();
                            // generous: on a loaded machine x11vnc's first client after its start may get ServerInit
                            // at once and its first update 10-15 s later (its log: "client_set_net: … 10.0")
                            viewer.requestUpdateAndAwaitData(Duration.ofSeconds(60));
                        } catch (Exception | AssertionError e) {
                            throw new AssertionError("live view of " + id + ": " + e + "\nits record: "
                                    + controller.get("/api/auth/session/" + id).body() + "\nits logs: "
                                    + controller.get("/api/auth/session/" + id + "/logs?lines=40").body(), e);
                        }
                        viewed.incrementAndGet();
                    }
                }
                JsonNode deleted = ControllerProcess.json(controller.delete("/api/auth/session/" + id));
                assertThat(deleted.get("status").asText()).as(deleted.toString()).isIn("ENDED", "FAILED");
                assertThat(deleted.get("endedReason").asText()).as(deleted.toString()).isNotBlank();
                if (viewer != null) {
                    assertThat(viewer.closed.get(10, TimeUnit.SECONDS)).startsWith("1000");
                }
                return null;
            }));
        }
        for (Future<?> f : running) {
            f.get(300, TimeUnit.SECONDS);
        }
    }

    private static long openFds(ControllerProcess controller) throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc", String.valueOf(controller.pid()), "fd"))) {
            return fds.count();
        }
    }

    /** The controller's used heap after a full GC, from {@code jcmd GC.heap_info}. */
    private static long heapAfterGc(ControllerProcess controller) throws IOException, InterruptedException {
        jcmd(controller, "GC.run");
        String info = jcmd(controller, "GC.heap_info");
        Matcher m = USED.matcher(info);
        assertThat(m.find()).as(info).isTrue();
        return Long.parseLong(m.group(1)) * 1024;
    }

    private static String jcmd(ControllerProcess controller, String command) throws IOException, InterruptedException {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Process p = new ProcessBuilder(jcmd.toString(), String.valueOf(controller.pid()), command)
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }
}
