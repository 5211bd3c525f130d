package io.vmdesk.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmdesk.auth.ApiKeys;
import io.vmdesk.auth.Scope;
import io.vmdesk.cli.LiveViewBrowser;
import io.vmdesk.net.Namespaces;
import io.vmdesk.host.HostCommands;
import io.vmdesk.store.AuditRow;
import io.vmdesk.store.Store;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.Keys;

/**
 * Login capture end to end: a real OAuth server on the bridge side, the real agent in the guest, and a user who acts
 * only through the live view — the keystrokes travel from headless Chromium through noVNC and the controller's proxy
 * to the guest's VNC server and into the guest's browser. The platform then reads exactly the issued tokens.
 */
@Timeout(400)
class LoginCaptureEndToEndTest {
    private static final int OAUTH_PORT = 9090;
    static ControllerProcess controller;
    static Process oauth;
    static Path issued;
    static String readKey;
    static String otherKey;
    static Path providers;

    @BeforeAll
    static void start() throws Exception {
        ControllerProcess.assumeRoot();
        providers = Files.createTempFile("vmdesk-providers-", ".json");
        Files.writeString(providers, """
                {"providers": {
                  "oidc": {"login": {"type": "pkce",
                                     "authorizeUrl": "http://192.168.100.1:%d/default/authorize",
                                     "tokenUrl": "http://192.168.100.1:%d/token",
                                     "clientId": "vmdesk-e2e", "scopes": ["openid", "offline_access"]},
                           "harvest": [{"path": "~/.config/vmdesk/oidc/credentials.json",
                                        "required": ["access_token", "refresh_token"]}],
                           "timeoutSeconds": 300},
                  "stuck": {"login": {"type": "cli", "command": ["sleep", "600"]},
                            "harvest": [{"path": "~/.stuck/credentials.json", "required": []}],
                            "timeoutSeconds": 600},
                  "claude_standin": {"login": {"type": "cli", "command": %s},
                            "harvest": [{"path": "~/.claude/.credentials.json",
                                         "required": ["claudeAiOauth.accessToken", "claudeAiOauth.refreshToken"]}],
                            "timeoutSeconds": 300}
                }}
                """.formatted(OAUTH_PORT, OAUTH_PORT + 1, ControllerProcess.JSON.writeValueAsString(List.of(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                        System.getProperty("vmdesk.agent.jar") + ":" + System.getProperty("java.class.path"),
                        "io.vmdesk.agent.FakeClaudeCli", "login",
                        "http://192.168.100.1:" + OAUTH_PORT + "/default/authorize",
                        "http://192.168.100.1:" + (OAUTH_PORT + 1) + "/token", "--linger"))));
        controller = ControllerProcess.start(Map.of("PROVIDERS_FILE", providers.toString()));
        assertThat(controller.isAlive()).as(controller.log()).isTrue();
        issued = controller.dataDir.resolve("issued-tokens.jsonl");
        oauth = controller.controller.namespace().start(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), OAuthServerMain.class.getName(), String.valueOf(OAUTH_PORT),
                issued.toString()), Map.of(), false);
        BufferedReader out = new BufferedReader(new InputStreamReader(oauth.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null && !line.equals("READY")) {
            // the OAuth server's start-up chatter
        }
        assertThat(line).as("the OAuth server started").isEqualTo("READY");
        Thread.ofVirtual().start(() -> drain(oauth.getInputStream()));
        try (Store store = Store.open("jdbc:sqlite:" + controller.dataDir.resolve("vmdesk.db"))) {
            ApiKeys keys = new ApiKeys(store, Clock.systemUTC());
            readKey = keys.create("platform", Set.of(Scope.CREDENTIALS_READ));
            otherKey = keys.create("viewer", Set.of(Scope.SESSIONS_READ));
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (oauth != null) {
            oauth.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        if (controller != null) {
            controller.close();
        }
        if (providers != null) {
            Files.deleteIfExists(providers);
        }
    }

    @Test
    void aUserLogsInThroughTheLiveViewAndThePlatformReceivesExactlyTheIssuedTokens() throws Exception {
        JsonNode created = controller.createSession("oidc", "alice-platform-id");
        String id = created.get("sessionId").asText();
        List<String> events = Collections.synchronizedList(new ArrayList<>());
        Thread follower = Thread.ofVirtual().start(() -> followEvents(id, events));

        assertThat(controller.awaitSettled(id, Duration.ofSeconds(120)).get("status").asText()).isEqualTo("READY");
        try (LiveViewBrowser user = LiveViewBrowser.open("chromium", created.get("novncURL").asText())) {
            awaitStep(id, "agent.browser-opened", Duration.ofSeconds(60));
            // The guest's browser loads the provider's login form (its username field has autofocus).
            Thread.sleep(4000);
            user.screenshot(Path.of("target", "test-artifacts", "login-form.png"));
            user.type("alice");
            user.type(Keys.ENTER);
            Thread.sleep(1000);
            user.screenshot(Path.of("target", "test-artifacts", "login-typed.png"));
            JsonNode done = awaitStatus(id, "CREDENTIALS_CAPTURED", Duration.ofSeconds(90));
            assertThat(done.get("status").asText()).as(done.toString()).isEqualTo("CREDENTIALS_CAPTURED");
            user.screenshot(Path.of("target", "test-artifacts", "login-capture.png"));
        }

        // exactly what the server issued
        List<String> lines = Files.readAllLines(issued);
        JsonNode token = ControllerProcess.JSON.readTree(lines.getLast());
        HttpResponse<String> read = credentials("/api/auth/session/" + id + "/credentials", readKey);
        assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
        JsonNode body = ControllerProcess.json(read);
        assertThat(body.get("provider").asText()).isEqualTo("oidc");
        assertThat(body.get("userId").asText()).isEqualTo("alice-platform-id");
        assertThat(body.get("version").asInt()).isEqualTo(1);
        JsonNode captured = ControllerProcess.JSON.readTree(body.get("files").get(0).get("content").asText());
        assertThat(captured.get("access_token").asText()).isEqualTo(token.get("access_token").asText());
        assertThat(captured.get("refresh_token").asText()).isEqualTo(token.get("refresh_token").asText());
        String claims = new String(Base64.getUrlDecoder().decode(captured.get("access_token").asText().split("\\.")[1]),
                StandardCharsets.UTF_8);
        assertThat(ControllerProcess.JSON.readTree(claims).get("sub").asText()).as("the user typed through noVNC")
                .isEqualTo("alice");
        JsonNode latest = ControllerProcess.json(credentials("/api/users/alice-platform-id/credentials/oidc", readKey));
        assertThat(latest.get("files")).isEqualTo(body.get("files"));

        // only a key with credentials:read, and every read is audited
        assertThat(credentials("/api/auth/session/" + id + "/credentials", null).statusCode()).isEqualTo(401);
        assertThat(credentials("/api/auth/session/" + id + "/credentials", "vmd_00000000_"
                + "x".repeat(43)).statusCode()).isEqualTo(401);
        assertThat(credentials("/api/auth/session/" + id + "/credentials", otherKey).statusCode()).isEqualTo(403);
        try (Store store = Store.open("jdbc:sqlite:" + controller.dataDir.resolve("vmdesk.db"))) {
            assertThat(store.audit().recent(10)).extracting(AuditRow::action).contains("credentials.read")
                    .contains("credentials.refused"); // the refused attempts too
        }

        // the raw database holds no token
        try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + controller.dataDir.resolve("vmdesk.db"));
                ResultSet rows = db.createStatement().executeQuery("SELECT * FROM credentials")) {
            int columns = rows.getMetaData().getColumnCount();
            int count = 0;
            while (rows.next()) {
                count++;
                for (int c = 1; c <= columns; c++) {
                    byte[] raw = rows.getBytes(c);
                    String text = raw == null ? "" : new String(raw, StandardCharsets.ISO_8859_1);
                    assertThat(text).doesNotContain(token.get("access_token").asText().substring(0, 40))
                            .doesNotContain(token.get("refresh_token").asText());
                }
            }
            assertThat(count).isPositive();
        }

        // progress, in order, from the event stream; and the guest is gone
        follower.join(Duration.ofSeconds(30));
        assertThat(events).containsSubsequence("step guest.ready", "status READY", "step agent.login-started",
                "step agent.browser-opened", "step agent.credentials-found", "step credentials.stored",
                "status CREDENTIALS_CAPTURED");
        assertThat(controller.guestNamespaces()).isEmpty();
        assertThat(controller.links("vmd")).isEmpty();
    }

    @Test
    void aProviderCliRecipeIsHarvestedValidatedAndHandedBack() throws Exception {
        JsonNode created = controller.createSession("claude_standin", "carol");
        String id = created.get("sessionId").asText();
        assertThat(controller.awaitSettled(id, Duration.ofSeconds(120)).get("status").asText()).isEqualTo("READY");
        try (LiveViewBrowser user = LiveViewBrowser.open("chromium", created.get("novncURL").asText())) {
            awaitStep(id, "agent.browser-opened", Duration.ofSeconds(60));
            Thread.sleep(4000);
            user.type("carol");
            user.type(Keys.ENTER);
            JsonNode done = awaitStatus(id, "CREDENTIALS_CAPTURED", Duration.ofSeconds(90));
            assertThat(done.get("status").asText()).as(done.toString()).isEqualTo("CREDENTIALS_CAPTURED");
            assertThat(done.get("steps").findValuesAsText("name")).containsSubsequence("agent.login-started",
                    "agent.browser-opened", "agent.credentials-found", "credentials.stored", "teardown");
        }
        List<String> lines = Files.readAllLines(issued);
        JsonNode token = ControllerProcess.JSON.readTree(lines.getLast());
        JsonNode body = ControllerProcess.json(credentials("/api/auth/session/" + id + "/credentials", readKey));
        assertThat(body.get("files").get(0).get("path").asText()).isEqualTo("~/.claude/.credentials.json");
        JsonNode file = ControllerProcess.JSON.readTree(body.get("files").get(0).get("content").asText());
        assertThat(file.at("/claudeAiOauth/accessToken").asText()).isEqualTo(token.get("access_token").asText());
        assertThat(file.at("/claudeAiOauth/refreshToken").asText()).isEqualTo(token.get("refresh_token").asText());
        // the guest, with its home and the harvested file, is gone
        assertThat(controller.dataDir.resolve("sessions").resolve(id)).doesNotExist();
        assertThat(controller.guestProcesses()).isEmpty();
    }

    @Test
    void misuseOfTheAgentChannelIsRefusedAndStoresNothing() throws Exception {
        String a = controller.createSession("stuck", "mallory").get("sessionId").asText();
        String b = controller.createSession("stuck", "bob").get("sessionId").asText();
        assertThat(controller.awaitSettled(a, Duration.ofSeconds(120)).get("status").asText()).isEqualTo("READY");
        assertThat(controller.awaitSettled(b, Duration.ofSeconds(120)).get("status").asText()).isEqualTo("READY");
        awaitStep(a, "agent.login-started", Duration.ofSeconds(60));
        awaitStep(b, "agent.login-started", Duration.ofSeconds(60));
        String tokenA = agentToken(a);
        String tokenB = agentToken(b);
        String good = "{\"files\":[{\"path\":\"~/.stuck/credentials.json\",\"content\":\"{\\\"k\\\":\\\"v\\\"}\"}]}";

        assertThat(agent("GET", a, "recipe", null, null).statusCode()).isEqualTo(401);
        assertThat(agent("GET", a, "recipe", "not-the-token", null).statusCode()).isEqualTo(403);
        assertThat(agent("POST", a, "credentials", tokenB, good).statusCode()).as("another session's token")
                .isEqualTo(403);
        assertThat(agent("GET", a, "recipe", tokenA, null).statusCode()).isEqualTo(200);
        assertThat(agent("POST", a, "events", tokenA, "{\"type\":\"hacked\"}").statusCode()).isEqualTo(400);
        assertThat(agent("POST", a, "credentials", tokenA, "{\"files\":").statusCode()).isEqualTo(400);
        assertThat(agent("POST", a, "credentials", tokenA,
                "{\"files\":[{\"path\":\"/etc/shadow\",\"content\":\"x\"}]}").statusCode()).isEqualTo(400);
        // on a client of its own: the server drops a connection whose oversized body it did not read
        assertThat(agent(HttpClient.newHttpClient(), "POST", a, "credentials", tokenA,
                "{\"files\":[{\"path\":\"~/.stuck/credentials.json\",\"content\":\"" + "A".repeat(300 * 1024)
                        + "\"}]}").statusCode()).isEqualTo(413);
        controller.delete("/api/auth/session/" + a);
        assertThat(agent("POST", a, "credentials", tokenA, good).statusCode()).as("after the session ended")
                .isEqualTo(403);

        assertThat(agent("POST", b, "credentials", tokenB, good).statusCode()).isEqualTo(201);
        assertThat(agent("POST", b, "credentials", tokenB, good).statusCode()).as("a reused token").isEqualTo(403);
        assertThat(awaitStatus(b, "CREDENTIALS_CAPTURED", Duration.ofSeconds(60)).get("status").asText())
                .isEqualTo("CREDENTIALS_CAPTURED");
        try (Store store = Store.open("jdbc:sqlite:" + controller.dataDir.resolve("vmdesk.db"))) {
            assertThat(store.credentials().history("mallory", "stuck")).isEmpty();
        }
        assertThat(credentials("/api/users/mallory/credentials/stuck", readKey).statusCode()).isEqualTo(404);
        assertThat(credentials("/api/users/bob/credentials/stuck", readKey).statusCode()).isEqualTo(200);
    }

    @Test
    void theMasterKeyRotatesWhileTheControllerServes() throws Exception {
        String id = controller.createSession("stuck", "dave").get("sessionId").asText();
        assertThat(controller.awaitSettled(id, Duration.ofSeconds(120)).get("status").asText()).isEqualTo("READY");
        awaitStep(id, "agent.login-started", Duration.ofSeconds(60));
        assertThat(agent("POST", id, "credentials", agentToken(id), "{\"files\":[{\"path\":"
                + "\"~/.stuck/credentials.json\",\"content\":\"dave-secret\"}]}").statusCode()).isEqualTo(201);
        String before = ControllerProcess.json(credentials("/api/users/dave/credentials/stuck", readKey))
                .get("files").toString();
        String admin;
        try (Store store = Store.open("jdbc:sqlite:" + controller.dataDir.resolve("vmdesk.db"))) {
            admin = new ApiKeys(store, Clock.systemUTC()).create("operator", Set.of(Scope.ADMIN));
        }
        Path keyFile = controller.dataDir.resolve("vault.key");
        String oldKey = Files.readString(keyFile).strip();
        byte[] fresh = new byte[32];
        new java.security.SecureRandom().nextBytes(fresh);
        String newKey = Base64.getEncoder().encodeToString(fresh);
        Files.writeString(keyFile, newKey + "\n" + oldKey + "\n");

        assertThat(credentials("/api/admin/vault/rotate", readKey, "POST").statusCode()).as("needs admin")
                .isEqualTo(403);
        HttpResponse<String> rotated = credentials("/api/admin/vault/rotate", admin, "POST");
        assertThat(rotated.statusCode()).as(rotated.body()).isEqualTo(200);
        assertThat(ControllerProcess.json(rotated).get("rewrapped").asInt()).isPositive();
        Files.writeString(keyFile, newKey + "\n");
        assertThat(ControllerProcess.json(credentials("/api/admin/vault/rotate", admin, "POST")).get("rewrapped")
                .asInt()).isZero();
        assertThat(ControllerProcess.json(credentials("/api/users/dave/credentials/stuck", readKey)).get("files")
                .toString()).isEqualTo(before);
    }

    // ---- helpers

    private static HttpResponse<String> credentials(String path, String key) throws Exception {
        return credentials(path, key, "GET");
    }

    private static HttpResponse<String> credentials(String path, String key, String method) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(controller.baseUrl() + path))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (key != null) {
            request.header("Authorization", "Bearer " + key);
        }
        return controller.send(request.build());
    }

    private static HttpResponse<String> agent(String method, String id, String what, String token, String body)
            throws Exception {
        return agent(controller.http, method, id, what, token, body);
    }

    private static HttpResponse<String> agent(HttpClient client, String method, String id, String what, String token,
            String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(controller.baseUrl() + "/api/agent/sessions/"
                + id + "/" + what)).method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json");
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return controller.checked(client.send(request.build(), HttpResponse.BodyHandlers.ofString()));
    }

    /** The agent's token, as the guest delivered it: in the agent process's environment. */
    private static String agentToken(String sessionId) throws Exception {
        Namespaces namespaces = new Namespaces(new HostCommands());
        for (String ns : controller.guestNamespaces()) {
            if (!ns.endsWith(sessionId.replace("-", "").substring(0, 12))) {
                continue;
            }
            for (long pid : namespaces.pids(ns)) {
                String environ = new String(Files.readAllBytes(Path.of("/proc", String.valueOf(pid), "environ")),
                        StandardCharsets.UTF_8);
                for (String entry : environ.split("\0")) {
                    if (entry.startsWith("VMDESK_AGENT_TOKEN=")) {
                        return entry.substring("VMDESK_AGENT_TOKEN=".length());
                    }
                }
            }
        }
        throw new AssertionError("no agent process found for session " + sessionId);
    }

    private static void awaitStep(String id, String step, Duration timeout) throws Exception {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            JsonNode session = ControllerProcess.json(controller.get("/api/auth/session/" + id));
            if (session.get("steps").findValuesAsText("name").contains(step)) {
                return;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("no step " + step + " within " + timeout + ": "
                + controller.get("/api/auth/session/" + id).body());
    }

    private static JsonNode awaitStatus(String id, String status, Duration timeout) throws Exception {
        Instant deadline = Instant.now().plus(timeout);
        JsonNode session = ControllerProcess.json(controller.get("/api/auth/session/" + id));
        while (!session.get("status").asText().equals(status) && Instant.now().isBefore(deadline)) {
            Thread.sleep(250);
            session = ControllerProcess.json(controller.get("/api/auth/session/" + id));
        }
        return session;
    }

    /** Reads the server-sent events of a session until the stream ends, as "step NAME" / "status STATUS". */
    private static void followEvents(String id, List<String> events) {
        try {
            HttpResponse<InputStream> response = controller.http.send(HttpRequest.newBuilder(
                    URI.create(controller.baseUrl() + "/api/auth/session/" + id + "/events"))
                    .header("Accept", "text/event-stream")
                    .header("Authorization", "Bearer " + controller.controller.apiKey()).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    if (line.startsWith("data:")) {
                        JsonNode event = ControllerProcess.JSON.readTree(line.substring(5).trim());
                        String label = event.get("type").asText() + " "
                                + (event.has("name") ? event.get("name").asText() : event.get("status").asText());
                        if (events.isEmpty() || !events.getLast().equals(label)) {
                            events.add(label);
                        }
                    }
                }
            }
        } catch (Exception e) {
            events.add("stream failed: " + e);
        }
    }

    private static void drain(InputStream in) {
        try (in) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
        } catch (java.io.IOException ignored) {
            // the server was stopped
        }
    }
}
