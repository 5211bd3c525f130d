package io.vmdesk.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** kill -9 with a live session, restart: the session is ended with a reason and nothing it held survives. */
@Timeout(300)
class RestartReconciliationTest {

    @Test
    void aRestartAfterKillNineEndsTheOrphanAndRemovesEverythingItHeld() throws Exception {
        try (ControllerProcess controller = ControllerProcess.start(Map.of())) {
            String id = controller.createSession("copilot", "crash-user").get("sessionId").asText();
            assertThat(controller.awaitSettled(id, Duration.ofSeconds(120)).get("status").asText()).isEqualTo("READY");
            List<Long> guestPids = controller.guestPids();
            assertThat(guestPids).hasSizeGreaterThanOrEqualTo(4);
            controller.kill9();
            assertThat(controller.guestNamespaces()).as("the crash left the guest behind").hasSize(1);
            assertThat(controller.links("vmd")).hasSize(1);

            controller.launch();
            assertThat(controller.isAlive()).as(controller.log()).isTrue();
            JsonNode session = ControllerProcess.json(controller.get("/api/auth/session/" + id));
            assertThat(session.get("status").asText()).isEqualTo("ENDED");
            assertThat(session.get("endedReason").asText()).startsWith("controller-restarted");
            assertThat(controller.guestNamespaces()).isEmpty();
            assertThat(controller.links("vmd")).isEmpty();
            assertThat(controller.guestProcesses()).isEmpty();
            assertThat(ControllerProcess.alive(guestPids)).isEmpty();
            assertThat(controller.dataDir.resolve("sessions").resolve(id)).doesNotExist();

            // and the controller works again: the same address is leased anew
            String next = controller.createSession("copilot", "crash-user").get("sessionId").asText();
            JsonNode ready = controller.awaitSettled(next, Duration.ofSeconds(120));
            assertThat(ready.get("status").asText()).isEqualTo("READY");
            assertThat(ready.get("browserIP").asText()).isEqualTo("192.168.100.2");
        }
    }
}
