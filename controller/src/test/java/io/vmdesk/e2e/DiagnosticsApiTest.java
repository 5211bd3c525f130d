package io.vmdesk.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The doctor inside the real controller: a host whose input chain drops the guests' answers (built with nft in the
 * controller's namespace before it starts). The session fails readiness and its diagnosis carries the doctor's
 * findings; {@code /api/diagnostics} and the session's diagnostics name the same rule, for admin keys only.
 */
@Timeout(180)
class DiagnosticsApiTest {

    @Test
    void aSessionThatFailsReadinessIsDiagnosedAndTheDiagnosticsApiNamesTheCause() throws Exception {
        try (ControllerProcess controller = ControllerProcess.start(Map.of("SESSION_READY_TIMEOUT", "6s"), host -> {
            host.runChecked(Duration.ofSeconds(10), "nft", "add", "table", "inet", "filter");
            host.runChecked(Duration.ofSeconds(10), "nft",
                    "add chain inet filter input { type filter hook input priority 0 ; policy drop ; }");
        })) {
            assertThat(controller.isAlive()).as(controller.log()).isTrue();
            String id = controller.createSession("claude_code", "diag").get("sessionId").asText();
            JsonNode session = controller.awaitSettled(id, Duration.ofSeconds(60));
            for (int i = 0; i < 300 && session.get("status").asText().equals("ENDING"); i++) {
                Thread.sleep(100); // the doctor runs, then the teardown
                session = ControllerProcess.json(controller.get("/api/auth/session/" + id));
            }
            assertThat(session.get("status").asText()).isEqualTo("FAILED");
            assertThat(session.get("endedReason").asText()).contains("guest.ready failed");
            String diagnosis = session.get("diagnosis").asText();
            assertThat(diagnosis).contains("doctor:").contains("netfilter.input").contains("guest.tcp")
                    .contains("ct state established,related accept");

            HttpResponse<String> host = controller.get("/api/diagnostics");
            assertThat(host.statusCode()).as(host.body()).isEqualTo(200);
            JsonNode report = ControllerProcess.json(host);
            assertThat(report.get("summary").get("fail").asInt()).isPositive();
            assertThat(report.get("checks").findValuesAsText("id")).contains("netfilter.input", "bridge.address");
            for (JsonNode check : report.get("checks")) {
                assertThat(check.fieldNames()).toIterable().containsExactly("id", "status", "target", "evidence", "fix");
            }

            HttpResponse<String> own = controller.get("/api/auth/session/" + id + "/diagnostics");
            assertThat(own.statusCode()).as(own.body()).isEqualTo(200);
            assertThat(ControllerProcess.json(own).get("checks").get(0).get("evidence").asText())
                    .contains("the session is FAILED");
            assertThat(controller.get("/api/auth/session/" + UUID.randomUUID() + "/diagnostics").statusCode())
                    .isEqualTo(404);
            HttpResponse<String> anonymous = controller.send(HttpRequest.newBuilder(
                    URI.create(controller.baseUrl() + "/api/diagnostics")).build());
            assertThat(anonymous.statusCode()).isEqualTo(401);
            assertThat(ControllerProcess.json(anonymous).get("error").asText()).isEqualTo("missing-api-key");
        }
    }
}
