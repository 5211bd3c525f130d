package io.vmdesk.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code vmdesk session create --wait} on a session that cannot become ready (the host drops its guests' packets): it waits
 * through ENDING, while the doctor examines the guest and it is torn down, until the session is FAILED with its
 * diagnosis, prints that diagnosis and exits 1.
 */
@Timeout(300)
class SessionCliWaitTest {
    static ControllerProcess controller;

    @BeforeAll
    static void start() throws Exception {
        // the host drops what guests send it, so no session can prove itself reachable (as DiagnosticsApiTest)
        controller = ControllerProcess.start(Map.of("SESSION_READY_TIMEOUT", "3s"), host -> {
            host.runChecked(Duration.ofSeconds(10), "nft", "add", "table", "inet", "filter");
            host.runChecked(Duration.ofSeconds(10), "nft",
                    "add chain inet filter input { type filter hook input priority 0 ; policy drop ; }");
        });
    }

    @AfterAll
    static void stop() throws Exception {
        if (controller != null) {
            controller.close();
        }
    }

    @Test
    void waitReturnsOnlyOnceTheFailedSessionsDiagnosisIsWrittenAndPrintsIt() throws Exception {
        SessionCliTest.Run text = SessionCliTest.sessionOf(controller, "create", "--provider", "codex", "--user",
                "cli-fails", "--wait", "--timeout", "0");
        assertThat(text.status()).as(text.out() + text.err()).isEqualTo(1);
        assertThat(text.out()).containsPattern("status\\s+FAILED").contains("diagnosis:").contains("doctor:")
                .contains("netfilter.input");
        String id = text.out().lines().filter(l -> l.startsWith("session ")).findFirst().orElseThrow()
                .split("\\s+")[1];
        assertThat(text.err()).startsWith("vmdesk: session " + id + " is FAILED (")
                .contains("its diagnosis is above");

        SessionCliTest.Run json = SessionCliTest.sessionOf(controller, "create", "--provider", "codex", "--user",
                "cli-fails", "--wait", "--json");
        assertThat(json.status()).as(json.err()).isEqualTo(1);
        JsonNode session = json.json();
        assertThat(session.get("status").asText()).isEqualTo("FAILED");
        assertThat(session.get("diagnosis").asText()).isNotBlank();
        // what --wait printed is the session's final record: the controller has nothing newer
        assertThat(ControllerProcess.json(controller.get("/api/auth/session/" + session.get("sessionId").asText()))
                .get("diagnosis")).isEqualTo(session.get("diagnosis"));
    }
}
