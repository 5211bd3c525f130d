package io.vmdesk.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * SIGTERM: viewers get 1001; with SHUTDOWN_LEAVE_GUESTS the guests keep running and the next start revives them
 * (READY, live view working), otherwise they are torn down within SHUTDOWN_TIMEOUT.
 */
@Timeout(300)
class GracefulShutdownTest {

    @Test
    void leftGuestsAreRevivedByTheNextStartAndATearingDownShutdownStaysWithinItsBound() throws Exception {
        try (ControllerProcess controller = ControllerProcess.start(Map.of("SHUTDOWN_LEAVE_GUESTS", "true"))) {
            String id = controller.createSession("gemini", "stays").get("sessionId").asText();
            assertThat(controller.awaitSettled(id, Duration.ofSeconds(120)).get("status").asText()).isEqualTo("READY");
            RfbViewer viewer = RfbViewer.connect(controller.liveViewSocket(id)).handshake();
            List<Long> guestPids = controller.guestDesktopPids();

            controller.stop(Duration.ofSeconds(30));
            assertThat(viewer.closed.get(10, TimeUnit.SECONDS)).isEqualTo("1001 controller-shutdown");
            assertThat(ControllerProcess.alive(guestPids)).as("the guest's desktop keeps running")
                    .hasSameSizeAs(guestPids);

            controller.setting("SHUTDOWN_LEAVE_GUESTS", "false");
            controller.setting("SHUTDOWN_TIMEOUT", "20s");
            controller.launch();
            assertThat(controller.isAlive()).as(controller.log()).isTrue();
            JsonNode session = ControllerProcess.json(controller.get("/api/auth/session/" + id));
            assertThat(session.get("status").asText()).isEqualTo("READY");
            RfbViewer again = RfbViewer.connect(controller.liveViewSocket(id)).handshake();
            again.requestUpdateAndAwaitData(Duration.ofSeconds(10));

            long t0 = System.nanoTime();
            controller.stop(Duration.ofSeconds(40));
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(25));
            assertThat(again.closed.get(10, TimeUnit.SECONDS)).isEqualTo("1001 controller-shutdown");
            assertThat(controller.guestNamespaces()).isEmpty();
            assertThat(ControllerProcess.alive(guestPids)).isEmpty();
        }
    }
}
