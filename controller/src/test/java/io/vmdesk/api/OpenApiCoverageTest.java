package io.vmdesk.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vmdesk.agentapi.AgentRoutes;
import io.vmdesk.config.Config;
import io.vmdesk.metrics.ControllerMetrics;
import io.vmdesk.session.SessionManager;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every route the controller registers is in openapi.json, and everything openapi.json describes is a route. */
class OpenApiCoverageTest {
    private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "options", "head", "patch",
            "trace");

    @Test
    void theDescriptionAndTheRegisteredRoutesAreTheSame(@TempDir Path dataDir) throws Exception {
        Config config = Config.load(Map.of("DATA_DIR", dataDir.toString()), null);
        // The routes are registered when the server is built; nothing here is called, so no store or guests.
        SessionManager sessions = new SessionManager(config, null, null, null, null, null, null, null, null,
                new ControllerMetrics(), Clock.systemUTC());
        Set<String> registered = new TreeSet<>();
        try (sessions) {
            ApiServer api = new ApiServer(config, sessions, null, new AgentRoutes(sessions, null, null), null, null,
                    null, null, new ControllerMetrics(), Map::of, null);
            for (String route : api.routes()) {
                // a WebSocket is described as the GET that upgrades; Javalin's <file> (may hold slashes) as {file}
                registered.add(route.replaceFirst("^WS ", "GET ").replaceAll("<([^>]+)>", "{$1}"));
            }
        }
        Set<String> described = new TreeSet<>();
        JsonNode paths;
        try (InputStream in = OpenApiCoverageTest.class.getResourceAsStream("/openapi.json")) {
            paths = new ObjectMapper().readTree(in).get("paths");
        }
        paths.properties().forEach(path -> path.getValue().properties().stream().map(Map.Entry::getKey).filter(METHODS::contains)
                .forEach(method -> described.add(method.toUpperCase(Locale.ROOT) + " " + path.getKey())));

        assertThat(registered).as("routes registered in Javalin").hasSizeGreaterThan(20);
        assertThat(described).as("openapi.json against the routes").containsExactlyElementsOf(registered);
    }
}
