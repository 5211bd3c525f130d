package io.vmdesk.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** `session logs --follow` tells a controller that went away from a session that ended: exit 3, not 0. */
@Timeout(240)
class SessionCliFollowTest {

    @Test
    void followingASessionWhoseControllerDiesExitsThreeSayingSo() throws Exception {
        try (ControllerProcess controller = ControllerProcess.start(Map.of())) {
            String id = controller.createSession("codex", "follow-user").get("sessionId").asText();
            JsonNode ready = controller.awaitSettled(id, Duration.ofSeconds(120));
            assertThat(ready.get("status").asText()).as(ready.toString()).isEqualTo("READY");

            CompletableFuture<SessionCliTest.Run> follow = CompletableFuture.supplyAsync(
                    () -> SessionCliTest.sessionOf(controller, "logs", id, "--follow"));
            Thread.sleep(2000); // the stream is open and has replayed the steps
            assertThat(follow).isNotDone();
            controller.kill9();

            SessionCliTest.Run run = follow.get(60, TimeUnit.SECONDS);
            assertThat(run.out()).contains("guest.ready");
            assertThat(run.status()).as(run.err()).isEqualTo(3);
            assertThat(run.err()).contains("ended the event stream before the session ended");
        }
    }
}
