package io.vmdesk.e2e;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The contract check itself: it accepts what the description says and refuses what drifts from it. */
class OpenApiContractTest {
    private static final String SESSION = "{\"sessionId\":\"0f8fad5b-d9cb-469f-a165-70867728950e\",\"userId\":\"u\","
            + "\"provider\":\"codex\",\"status\":\"READY\",\"novncURL\":\"http://h/x\",\"browserIP\":\"192.168.100.2\","
            + "\"mac\":null,\"createdAt\":\"2026-01-01T00:00:00Z\",\"expiresAt\":\"2026-01-01T00:30:00Z\","
            + "\"readyAt\":null,\"endedAt\":null,\"endedReason\":null,\"lastDisconnect\":null,\"diagnosis\":null,"
            + "\"steps\":[{\"type\":\"step\",\"name\":\"net.lease\",\"outcome\":\"ok\","
            + "\"startedAt\":\"2026-01-01T00:00:00Z\",\"millis\":3,\"detail\":null}]}";
    private static final String PATH = "/api/auth/session/0f8fad5b-d9cb-469f-a165-70867728950e";
    private static OpenApiContract contract;

    @BeforeAll
    static void load() throws Exception {
        try (InputStream in = OpenApiContractTest.class.getResourceAsStream("/openapi.json")) {
            contract = new OpenApiContract(new ObjectMapper().readTree(in));
        }
    }

    @Test
    void aResponseAsDescribedPasses() {
        assertThatCode(() -> contract.check("GET", PATH, 200, "application/json", SESSION)).doesNotThrowAnyException();
        assertThatCode(() -> contract.check("GET", PATH, 404, "application/json",
                "{\"success\":false,\"error\":\"session-not-found\",\"detail\":\"no session\"}"))
                .doesNotThrowAnyException();
        assertThatCode(() -> contract.check("GET", PATH + "/novnc/app/ui.js", 200, "text/javascript", "x"))
                .doesNotThrowAnyException();
    }

    @Test
    void aFieldTheDescriptionDoesNotKnowOrLacksIsRefused() {
        assertThatThrownBy(() -> contract.check("GET", PATH, 200, "application/json",
                SESSION.replace("\"mac\":null", "\"macAddress\":null"))).hasMessageContaining("macAddress");
        assertThatThrownBy(() -> contract.check("GET", PATH, 200, "application/json",
                SESSION.replace("\"status\":\"READY\"", "\"status\":\"SLEEPING\""))).hasMessageContaining("status");
        assertThatThrownBy(() -> contract.check("GET", PATH, 400, "application/json", "{\"error\":\"x\"}"))
                .hasMessageContaining("detail");
    }

    @Test
    void anUndescribedStatusOrContentTypeIsRefused() {
        assertThatThrownBy(() -> contract.check("GET", "/api/health", 204, "", ""))
                .hasMessageContaining("not in the description");
        assertThatThrownBy(() -> contract.check("GET", PATH, 200, "text/html", "<p>"))
                .hasMessageContaining("text/html");
        assertThatThrownBy(() -> contract.check("GET", "/api/nothing-here", 404, "text/plain", "Not found"))
                .hasMessageContaining("text/plain");
    }

    @Test
    void literalPathsWinOverParameters() {
        org.assertj.core.api.Assertions.assertThat(contract.template(PATH + "/novnc/status"))
                .isEqualTo("/api/auth/session/{id}/novnc/status");
        org.assertj.core.api.Assertions.assertThat(contract.template(PATH + "/novnc/core/rfb.js"))
                .isEqualTo("/api/auth/session/{id}/novnc/{file}");
    }
}
