package io.vmdesk.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code vmdesk bench}: time from POST to READY, one session after another (each kept live), then the controller's
 * memory with all of them live. Runs the real controller in a private network namespace, like the tests.
 */
@Command(name = "bench", subcommands = {ProxyBench.class, BenchRelayCommand.class}, description = "Measure POST→READY and controller memory with N live sessions.")
final class BenchCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--sessions", description = "sessions to start (default: ${DEFAULT-VALUE})", defaultValue = "10")
    int sessions;

    @Option(names = "--doctor", description = "with all sessions live, also time full doctor runs (GET /api/diagnostics)")
    boolean doctor;
    @Option(names = "--driver", description = "guest driver: netns (default; sessions stay live together) or qemu"
            + " (the test guest; each session is deleted once READY, so one guest boots at a time)",
            defaultValue = "netns")
    String driver;
    @Option(names = "--topology", description = "NETWORK_TOPOLOGY: bridge (default) or slot", defaultValue = "bridge")
    String topology;

    @Override
    public Integer call() throws Exception {
        String tag = "bench-" + UUID.randomUUID().toString().substring(0, 4);
        Map<String, String> env = new java.util.HashMap<>(Map.of("MAX_SESSIONS", String.valueOf(sessions),
                "SESSION_READY_TIMEOUT", "120s", "GUEST_DRIVER", driver, "NETWORK_TOPOLOGY", topology));
        if (!topology.equals("bridge") && !topology.equals("slot")) {
            System.err.println("vmdesk bench: --topology must be bridge or slot");
            return 2;
        }
        boolean oneAtATime = !driver.equals("netns");
        if (driver.equals("qemu")) {
            Path guest = TestGuest.build();
            env.put("KERNEL_IMAGE", guest.resolve("vmlinuz").toString());
            env.put("INITRD", guest.resolve("initrd.gz").toString());
        } else if (oneAtATime) {
            System.err.println("vmdesk bench: --driver must be netns or qemu");
            return 2;
        }
        try (IsolatedController controller = IsolatedController.start(tag, env, ns -> { }, List.of("serve"))) {
            if (!controller.isAlive()) {
                System.err.println(controller.log());
                return 1;
            }
            Memory idle = memory(controller);
            List<Long> millis = new ArrayList<>();
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < sessions; i++) {
                long t0 = System.nanoTime();
                HttpResponse<String> created = controller.post("/api/auth/session",
                        "{\"provider\":\"claude_code\",\"userId\":\"bench-" + i + "\"}");
                if (created.statusCode() != 201) {
                    System.err.println("POST answered " + created.statusCode() + ": " + created.body());
                    return 1;
                }
                String id = JSON.readTree(created.body()).get("sessionId").asText();
                ids.add(id);
                String status = awaitSettled(controller, id);
                long ms = (System.nanoTime() - t0) / 1_000_000;
                if (!status.equals("READY")) {
                    System.err.println("session " + id + " ended " + status + ": "
                            + controller.get("/api/auth/session/" + id).body());
                    return 1;
                }
                millis.add(ms);
                System.out.printf("session %2d READY after %5d ms%n", i + 1, ms);
                if (oneAtATime) {
                    controller.delete("/api/auth/session/" + id);
                }
            }
            Memory loaded = memory(controller);
            List<Long> sorted = millis.stream().sorted().toList();
            System.out.println();
            System.out.println("| measure | value |");
            System.out.println("|---|---|");
            System.out.printf("| POST → READY, %s driver, %s topology, median of %d (sequential%s) | %d ms |%n", driver,
                    topology, sessions,
                    oneAtATime ? ", one guest at a time" : "", median(sorted));
            System.out.printf("| POST → READY, min / max | %d / %d ms |%n", sorted.getFirst(), sorted.getLast());
            System.out.printf("| controller heap after GC, 0 sessions | %.1f MiB |%n", idle.heapMiB);
            System.out.printf("| controller heap after GC, %d sessions | %.1f MiB |%n", sessions, loaded.heapMiB);
            System.out.printf("| controller RSS, 0 sessions | %.1f MiB |%n", idle.rssMiB);
            System.out.printf("| controller RSS, %d sessions | %.1f MiB |%n", sessions, loaded.rssMiB);
            if (doctor) {
                timeDoctor(controller);
            }
            for (String id : ids) {
                controller.delete("/api/auth/session/" + id);
            }
        }
        return 0;
    }

    /** Three full doctor runs through the API, each timed from request to answer, with every session live. */
    private void timeDoctor(IsolatedController controller) throws Exception {
        List<Long> runs = new ArrayList<>();
        JsonNode last = null;
        for (int i = 0; i < 3; i++) {
            long t0 = System.nanoTime();
            HttpResponse<String> r = controller.get("/api/diagnostics");
            runs.add((System.nanoTime() - t0) / 1_000_000);
            last = JSON.readTree(r.body());
        }
        List<Long> sorted = runs.stream().sorted().toList();
        System.out.printf("| full doctor run (GET /api/diagnostics), %d live sessions, median of 3 | %d ms |%n",
                sessions, median(sorted));
        System.out.printf("| full doctor run, min / max | %d / %d ms |%n", sorted.getFirst(), sorted.getLast());
        System.out.printf("| checks in the report (ok / warn / fail) | %d (%s / %s / %s) |%n", last.get("checks").size(),
                last.get("summary").get("ok"), last.get("summary").get("warn"), last.get("summary").get("fail"));
        // where the time went, as the controller logged it
        controller.log().lines().filter(l -> l.contains("doctor: ")).forEach(System.err::println);
        for (JsonNode c : last.get("checks")) {
            if (!c.get("status").asText().equals("ok")) {
                System.err.println("doctor: " + c);
            }
        }
    }

    private static String awaitSettled(IsolatedController controller, String id) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofMinutes(3));
        while (Instant.now().isBefore(deadline)) {
            String status = JSON.readTree(controller.get("/api/auth/session/" + id).body()).get("status").asText();
            if (!status.equals("STARTING")) {
                return status;
            }
            Thread.sleep(20);
        }
        return "STARTING";
    }

    private static long median(List<Long> sorted) {
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private record Memory(double heapMiB, double rssMiB) {
    }

    /** Heap after a full GC (requested with jcmd) and resident size, as the controller reports them. */
    private static Memory memory(IsolatedController controller) throws Exception {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        new ProcessBuilder(jcmd.toString(), String.valueOf(controller.pid()), "GC.run")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
        JsonNode health = JSON.readTree(controller.get("/api/health").body());
        return new Memory(health.get("heapUsedBytes").asLong() / 1048576.0,
                health.get("residentBytes").asLong() / 1048576.0);
    }
}
