package io.vmdesk.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * SESSION_IDLE_TIMEOUT with short durations: idle means no viewer attached and no agent progress; a keepalive or a
 * watching viewer holds a session, refused reconnect attempts do not; expiry ends it with idle-limit.
 */
@Timeout(240)
class IdleTimerTest {
    private static final Duration IDLE = Duration.ofSeconds(8);

    private static void awaitReady(ControllerProcess controller, String id) throws Exception {
        JsonNode session = controller.awaitSettled(id, Duration.ofSeconds(120));
        assertThat(session.get("status").asText()).as(session.toString()).isEqualTo("READY");
    }

    private static JsonNode session(ControllerProcess controller, String id) throws Exception {
        return ControllerProcess.json(controller.get("/api/auth/session/" + id));
    }

    private static JsonNode awaitEnded(ControllerProcess controller, String id, Duration within) throws Exception {
        Instant deadline = Instant.now().plus(within);
        JsonNode session = session(controller, id);
        while (session.get("status").asText().matches("READY|ENDING") && Instant.now().isBefore(deadline)) {
            Thread.sleep(250);
            session = session(controller, id);
        }
        return session;
    }

    @Test
    void keepalivesAndAWatchingViewerHoldASessionRefusedReconnectsDoNotAndExpiryEndsItWithIdleLimit()
            throws Exception {
        try (ControllerProcess controller = ControllerProcess.start(Map.of("SESSION_IDLE_TIMEOUT",
                IDLE.toSeconds() + "s"))) {
            // started together, so they become READY within moments of each other
            String kept = controller.createSession("gemini", "kept").get("sessionId").asText();
            String watched = controller.createSession("gemini", "watched").get("sessionId").asText();
            String knocked = controller.createSession("gemini", "knocked").get("sessionId").asText();
            for (String id : new String[] {kept, watched, knocked}) {
                awaitReady(controller, id);
            }
            RfbViewer viewer = RfbViewer.connect(controller.liveViewSocket(watched)).handshake();
            String bare = controller.baseUrl().replaceFirst("^http", "ws") + "/api/auth/session/" + knocked
                    + "/novnc/websockify";

            // the agent's progress (it reports that gemini is missing) also counts, so allow for it
            Instant until = Instant.now().plus(IDLE.multipliedBy(2));
            while (Instant.now().isBefore(until)
                    && session(controller, knocked).get("status").asText().matches("READY|ENDING")) {
                HttpResponse<String> keepalive = controller.post("/api/auth/session/" + kept + "/keepalive", "");
                assertThat(keepalive.statusCode()).as(keepalive.body()).isEqualTo(200);
                assertThat(ControllerProcess.json(keepalive).get("idleDeadline").asText()).isNotBlank();
                // a reconnect loop that never reaches the guest
                assertThat(RfbViewer.connect(bare).closed.get(10, TimeUnit.SECONDS)).startsWith("1008");
                Thread.sleep(1000);
            }
            Thread.sleep(2000); // and the others stay READY past that
            assertThat(controller.post("/api/auth/session/" + kept + "/keepalive", "").statusCode()).isEqualTo(200);
            assertThat(session(controller, kept).get("status").asText()).isEqualTo("READY");
            assertThat(session(controller, watched).get("status").asText()).isEqualTo("READY");
            JsonNode idle = awaitEnded(controller, knocked, Duration.ofSeconds(30)); // teardown may still be running
            assertThat(idle.get("status").asText()).isEqualTo("ENDED");
            assertThat(idle.get("endedReason").asText()).startsWith("idle-limit: no viewer, no agent progress");
            assertThat(controller.post("/api/auth/session/" + knocked + "/keepalive", "").statusCode()).isEqualTo(409);

            // once nobody keeps them, both end after the idle limit, not before
            viewer.abort();
            Instant left = Instant.now();
            JsonNode keptEnded = awaitEnded(controller, kept, IDLE.plusSeconds(10));
            JsonNode watchedEnded = awaitEnded(controller, watched, IDLE.plusSeconds(10));
            assertThat(Duration.between(left, Instant.now())).isGreaterThanOrEqualTo(IDLE.minusSeconds(1));
            assertThat(keptEnded.get("endedReason").asText()).startsWith("idle-limit");
            assertThat(watchedEnded.get("endedReason").asText()).startsWith("idle-limit");
            assertThat(controller.guestNamespaces()).isEmpty();
            // every keepalive through the API is in the audit log, with the session it held
            try (io.vmdesk.store.Store store = io.vmdesk.store.Store.open("jdbc:sqlite:"
                    + controller.dataDir.resolve("vmdesk.db"))) {
                assertThat(store.audit().recent(100)).filteredOn(a -> a.action().equals("session.keepalive"))
                        .isNotEmpty().allSatisfy(a -> assertThat(a.sessionId()).isEqualTo(kept));
            }
        }
    }
}
