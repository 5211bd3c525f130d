package io.vmdesk.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmdesk.net.Naming;
import io.vmdesk.store.SessionRow;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Crash recovery (issue 7): {@code kill -9} of the controller while a session is at each named step of create
 * (net.lease, net.wire, guest.prepare, guest.start, guest.ready) and of delete (teardown.begin, teardown.process,
 * teardown.directory, teardown.recorded), and of the restart itself (controller.revived: the start-up reconciliation
 * has revived a session and not yet ended the others), then a restart on the same DATA_DIR. Afterwards every session is either
 * READY with a working live view (an RFB handshake through the controller's WebSocket proxy) or final with an
 * endedReason, and no host resource is left without a live owner (listed from the host and the store before the
 * kill, after it and after the restart). The controller stops at a step through its test hook
 * ({@code -Dvmdesk.test.pauseAt}, {@link io.vmdesk.host.TestHook}), so every crash lands where it is meant to.
 *
 * <p>One controller namespace serves all steps; a READY session made at the start lives through every crash (it is
 * revived each time) and shows that revival and cleanup do not hurt a healthy neighbour.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(600)
class CrashAtEachStepTest {
    private static final Set<String> FINAL = Set.of("ENDED", "FAILED", "CREDENTIALS_CAPTURED");
    /** Every pause point, in the order of the parameters below. */
    private static final List<String> POINTS = List.of("net.lease", "net.wire", "guest.prepare", "guest.start",
            "guest.ready", "teardown.begin", "teardown.process", "teardown.directory", "teardown.recorded");
    private ControllerProcess controller;
    private String tag;
    private String bystander;
    /** The point the running controller would pause at (each restart is armed for the next step: one JVM less). */
    private String armedFor;

    @BeforeAll
    void start() throws Exception {
        controller = ControllerProcess.start(Map.of());
        tag = Naming.instanceTag(controller.dataDir);
        bystander = controller.createSession("copilot", "bystander").get("sessionId").asText();
        assertThat(controller.awaitSettled(bystander, Duration.ofSeconds(120)).get("status").asText())
                .as(controller.log()).isEqualTo("READY");
    }

    @AfterAll
    void stop() throws Exception {
        if (controller != null) {
            controller.close();
        }
    }

    @ParameterizedTest(name = "kill -9 at {0}")
    @Order(1)
    @ValueSource(strings = {"net.lease", "net.wire", "guest.prepare", "guest.start", "guest.ready",
            "teardown.begin", "teardown.process", "teardown.directory", "teardown.recorded"}) // = POINTS
    void aCrashAtThisStepLeavesEverySessionLiveOrEndedAndNothingUnowned(String point) throws Exception {
        boolean deleting = point.startsWith("teardown.");
        int logOffset = controller.log().length();
        if (!point.equals(armedFor)) {
            // restart armed for this step (a crash of an idle controller: the bystander survives it)
            controller.kill9();
            controller.jvmOptions("-Dvmdesk.test.pauseAt=" + point);
            controller.launch();
            assertThat(controller.isAlive()).as(controller.log()).isTrue();
        }
        armedFor = null;

        String victim;
        if (deleting) {
            victim = controller.createSession("gemini", "victim").get("sessionId").asText();
            assertThat(controller.awaitSettled(victim, Duration.ofSeconds(120)).get("status").asText()).isEqualTo("READY");
            send(HttpRequest.newBuilder(URI.create(controller.baseUrl() + "/api/auth/session/" + victim)).DELETE());
        } else {
            send(HttpRequest.newBuilder(URI.create(controller.baseUrl() + "/api/auth/session"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"provider\":\"gemini\",\"userId\":\"victim\"}")));
            victim = null;
        }
        String paused = awaitPause(point, logOffset);
        if (victim != null) {
            assertThat(paused).isEqualTo(victim);
        }
        victim = paused;

        // the crash lands where it is meant to: the session holds what this step has made so far
        HostResources before = HostResources.of(controller);
        SessionRow row = before.rows().get(victim);
        assertThat(row.status()).isEqualTo(deleting ? "ENDING" : "STARTING");
        // a process launched just before the pause may still be `ip netns exec … setpriv` (root) for a moment
        for (int i = 0; i < 50 && row.browserIp() != null
                && before.processesOf(tag, row.browserIp()).size() < processesAt(point); i++) {
            Thread.sleep(100);
            before = HostResources.of(controller);
        }
        expectHeld(point, before, row);
        List<Long> victimPids = row.browserIp() == null ? List.of() : before.processesOf(tag, row.browserIp());

        controller.kill9();
        // the restart is armed for the next step; the hook waits until the reconciliation is over
        int next = POINTS.indexOf(point) + 1;
        armedFor = next < POINTS.size() ? POINTS.get(next) : null;
        controller.jvmOptions(armedFor == null ? new String[0] : new String[] {"-Dvmdesk.test.pauseAt=" + armedFor});
        restartAndCheck(point, before, victim, victimPids);
    }

    /**
     * A crash of the restart itself: kill -9 while the start-up reconciliation has revived the bystander and not yet
     * ended a READY session whose guest broke while the controller was down; the next start must finish the job.
     */
    @Test
    @Order(2)
    void aCrashDuringTheStartUpReconciliationLeavesEverySessionLiveOrEndedAndNothingUnowned() throws Exception {
        String point = "controller.revived";
        if (armedFor != null) {
            controller.kill9();
            controller.jvmOptions();
            controller.launch();
            armedFor = null;
        }
        String broken = controller.createSession("gemini", "victim").get("sessionId").asText();
        assertThat(controller.awaitSettled(broken, Duration.ofSeconds(120)).get("status").asText()).isEqualTo("READY");
        controller.kill9();
        HostResources down = HostResources.of(controller);
        String address = down.rows().get(broken).browserIp();
        List<Long> brokenPids = down.processesOf(tag, address);
        // while the controller is down, the session's VNC server dies: it cannot be revived
        int killed = 0;
        for (long pid : brokenPids) {
            if (HostResources.cmdline(pid).contains("x11vnc")) {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
                killed++;
            }
        }
        assertThat(killed).isEqualTo(1);

        controller.jvmOptions("-Dvmdesk.test.pauseAt=" + point);
        int logOffset = controller.log().length();
        controller.launchWithoutWaiting();
        assertThat(awaitPause(point, logOffset)).isEqualTo(bystander);
        HostResources before = HostResources.of(controller);
        assertThat(before.rows().get(broken).status()).as("not ended yet").isEqualTo("READY");
        assertThat(before.namespaces()).contains(Naming.namespaceName(tag, broken));
        assertThat(before.directories()).contains(broken);
        assertThat(before.leases()).containsKey(broken);

        controller.kill9();
        controller.jvmOptions();
        restartAndCheck(point, before, broken, brokenPids);
    }

    /** Restarts after the crash at point and checks the outcome: every session live or ended, nothing unowned. */
    private void restartAndCheck(String point, HostResources before, String victim, List<Long> victimPids)
            throws Exception {
        HostResources crashed = HostResources.of(controller);
        assertThat(crashed.namespaces()).as("the crash itself removes nothing").containsAll(before.namespaces());
        assertThat(crashed.directories()).containsAll(before.directories());

        int restartOffset = controller.log().length();
        controller.launch();
        assertThat(controller.isAlive()).as(controller.log()).isTrue();
        String restartLog = controller.log().substring(restartOffset);
        assertThat(restartLog).as("the reconciliation met no problem").contains("reconciled in")
                .doesNotContain("problem(s):");

        HostResources after = HostResources.of(controller);
        // every session is live again or ended with a reason
        List<String> live = new ArrayList<>();
        for (SessionRow r : after.rows().values()) {
            if (r.status().equals("READY")) {
                live.add(r.id());
                RfbViewer viewer = RfbViewer.connect(controller.liveViewSocket(r.id())).handshake();
                // generous: x11vnc's first client after its start can wait 10-15 s for its first update (benchmarks)
                viewer.requestUpdateAndAwaitData(Duration.ofSeconds(60));
                viewer.abort();
            } else {
                assertThat(FINAL).as("session %s after the restart: %s", r.id(), r).contains(r.status());
                assertThat(r.endedReason()).as("session %s", r.id()).isNotBlank();
            }
        }
        assertThat(live).as("the bystander was revived").contains(bystander);
        SessionRow ended = after.rows().get(victim);
        assertThat(ended.status()).isEqualTo("ENDED");
        assertThat(ended.endedReason()).startsWith("controller-restarted");
        JsonNode api = ControllerProcess.json(controller.get("/api/auth/session/" + victim));
        assertThat(api.get("endedReason").asText()).startsWith("controller-restarted");

        // no host resource without a live owner, and the victim's processes are gone
        assertThat(after.ownedOnlyBy(tag, Set.copyOf(live))).as("unowned after the restart at %s", point).isEmpty();
        assertThat(ControllerProcess.alive(victimPids)).as("the victim's guest processes").isEmpty();
        assertThat(after.leases().keySet()).containsExactlyInAnyOrderElementsOf(live);
        assertThat(after.nonFinal().stream().map(SessionRow::id).collect(Collectors.toSet()))
                .containsExactlyInAnyOrderElementsOf(live);
    }

    /** What the session holds at each pause point, as TestHook documents it. */
    private void expectHeld(String point, HostResources held, SessionRow row) {
        String id = row.id();
        boolean leased = !point.equals("teardown.recorded");
        boolean wired = !point.equals("net.lease") && !point.equals("teardown.recorded");
        boolean directory = List.of("guest.prepare", "guest.start", "guest.ready", "teardown.begin", "teardown.process")
                .contains(point);
        int processes = processesAt(point);
        String what = "held at " + point + ": " + held;
        assertThat(held.leases().containsKey(id)).as(what).isEqualTo(leased);
        assertThat(held.namespaces().contains(Naming.namespaceName(tag, id))).as(what).isEqualTo(wired);
        assertThat(held.interfaces().contains(Naming.interfaceName(id))).as(what).isEqualTo(wired);
        assertThat(held.directories().contains(id)).as(what).isEqualTo(directory);
        if (row.browserIp() != null) {
            List<Long> pids = held.processesOf(tag, row.browserIp());
            if (processes == 0 && !point.equals("teardown.directory")) {
                assertThat(pids).as(what).isEmpty();
            } else {
                assertThat(pids.size()).as(what).isGreaterThanOrEqualTo(processes);
            }
        }
    }

    /** How many processes of the session's guest user at least run at each pause point. */
    private static int processesAt(String point) {
        return switch (point) {
            case "guest.start" -> 2;           // Xvfb, openbox
            case "guest.ready", "teardown.begin" -> 4; // + x11vnc, Chromium (and its helpers, the agent)
            case "teardown.process" -> 3;      // the newest stopped, the others still running
            default -> 0;
        };
    }

    /** Sends without waiting: the controller stops inside this request and never answers it. */
    private void send(HttpRequest.Builder request) {
        controller.http.sendAsync(request.header("Authorization", "Bearer " + controller.controller.apiKey())
                .timeout(Duration.ofSeconds(300)).build(), HttpResponse.BodyHandlers.discarding());
    }

    /** Waits for the hook's log line after offset; @return the paused session's id */
    private String awaitPause(String point, int offset) throws InterruptedException {
        Pattern line = Pattern.compile("TEST HOOK: session=(\\S+) paused at " + Pattern.quote(point) + " ");
        Instant deadline = Instant.now().plus(Duration.ofSeconds(120));
        while (Instant.now().isBefore(deadline)) {
            String log = controller.log();
            Matcher m = line.matcher(log.substring(Math.min(offset, log.length())));
            if (m.find()) {
                return m.group(1);
            }
            assertThat(controller.isAlive()).as(controller.log()).isTrue();
            Thread.sleep(100);
        }
        throw new AssertionError("the controller never paused at " + point + "; log:\n" + controller.log().substring(offset));
    }
}
