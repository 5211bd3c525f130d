package io.vmdesk.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Admission on the real controller: the per-user limit, MAX_SESSIONS and the creation rate each answer 429. */
@Timeout(240)
class AdmissionTest {

    private static HttpResponse<String> create(ControllerProcess controller, String user) throws Exception {
        return controller.post("/api/auth/session", "{\"provider\":\"gemini\",\"userId\":\"" + user + "\"}");
    }

    private static String created(HttpResponse<String> response) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        return ControllerProcess.json(response).get("sessionId").asText();
    }

    private static long refused(HttpResponse<String> response, String error) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(429);
        JsonNode body = ControllerProcess.json(response);
        assertThat(body.get("error").asText()).isEqualTo(error);
        assertThat(body.get("detail").asText()).isNotBlank();
        return Long.parseLong(response.headers().firstValue("Retry-After").orElseThrow());
    }

    @Test
    void theUserLimitAndTheHostLimitRefuseWith429AndRetryAfter() throws Exception {
        try (ControllerProcess controller = ControllerProcess.start(Map.of("MAX_SESSIONS", "2",
                "MAX_SESSIONS_PER_USER", "1"))) {
            String first = created(create(controller, "alice"));
            assertThat(refused(create(controller, "alice"), "too-many-sessions-for-user")).isPositive();
            created(create(controller, "bob"));
            assertThat(refused(create(controller, "carol"), "too-many-sessions")).isPositive();
            // a user below their limit again may create
            assertThat(controller.delete("/api/auth/session/" + first).statusCode()).isEqualTo(200);
            created(create(controller, "alice"));
        }
    }

    @Test
    void creationsAboveTheRateAreRefusedWith429AndTheTimeToTheNextToken() throws Exception {
        try (ControllerProcess controller = ControllerProcess.start(Map.of("SESSION_CREATE_RATE", "2"))) {
            created(create(controller, "alice"));
            created(create(controller, "bob"));
            long retryAfter = refused(create(controller, "carol"), "rate-limited");
            // 2 per minute: the next token is at most 30 s away
            assertThat(retryAfter).isBetween(1L, 30L);
            assertThat(controller.get("/api/health").statusCode()).isEqualTo(200);
        }
    }
}
