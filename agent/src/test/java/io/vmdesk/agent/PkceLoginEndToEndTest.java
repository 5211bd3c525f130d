package io.vmdesk.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The built-in PKCE login against a real authorization server, with a fake controller and a simulated user. */
class PkceLoginEndToEndTest {
    static final String HARVEST = "~/.config/vmdesk/oidc/credentials.json";

    @TempDir
    Path home;

    MockOAuth2Server oauth;
    TokenRecordingProxy tokens;
    FakeController controller;

    @BeforeEach
    void start() throws Exception {
        oauth = Fixtures.startOAuthServer();
        tokens = new TokenRecordingProxy(Fixtures.tokenUrl(oauth));
        controller = new FakeController();
        controller.recipe = Fixtures.pkceRecipe(Fixtures.authorizeUrl(oauth), tokens.url(), HARVEST, 60);
    }

    @AfterEach
    void stop() {
        controller.close();
        tokens.close();
        oauth.shutdown();
    }

    @Test
    void signsInHandsBackExactlyTheIssuedTokensAndWipes() throws Exception {
        Path file = home.resolve(".config/vmdesk/oidc/credentials.json");
        AtomicReference<Set<PosixFilePermission>> modeAtHandBack = new AtomicReference<>();
        controller.onCredentials = () -> {
            try {
                modeAtHandBack.set(Files.getPosixFilePermissions(file));
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        };
        InProcessBrowser browser = new InProcessBrowser("alice", u -> u);

        int rc = new Agent(Fixtures.config(home, controller, null), browser).run();

        assertThat(rc).isEqualTo(Agent.OK);
        assertThat(controller.eventTypes()).containsExactly("login-started", "browser-opened", "credentials-found");
        assertThat(controller.unauthorized).hasValue(0);
        assertThat(controller.events).allSatisfy(e -> assertThat(e.detail()).doesNotContain(controller.token));

        SimulatedUser.Result page = browser.result.get(10, TimeUnit.SECONDS);
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.body()).contains("Login complete — you can close this window");

        URI opened = browser.opened;
        Map<String, java.util.List<String>> q = PkceLoginFlow.parseQuery(opened.getRawQuery());
        assertThat(q.get("code_challenge_method")).containsExactly("S256");
        assertThat(q.get("redirect_uri").get(0)).matches("http://127\\.0\\.0\\.1:\\d+/callback");
        assertThat(q.get("scope")).containsExactly("openid offline_access");
        assertThat(q.get("prompt")).containsExactly("login");

        assertThat(tokens.issued).hasSize(1);
        JsonNode issued = tokens.issued.get(0);
        JsonNode files = controller.credentials.get("files");
        assertThat(files).hasSize(1);
        assertThat(files.get(0).get("path").asText()).isEqualTo(HARVEST);
        JsonNode handedBack = FakeController.JSON.readTree(files.get(0).get("content").asText());
        assertThat(handedBack.get("access_token").asText()).isEqualTo(issued.get("access_token").asText()).isNotBlank();
        assertThat(handedBack.get("refresh_token").asText()).isEqualTo(issued.get("refresh_token").asText()).isNotBlank();
        assertThat(handedBack.get("expires_at").asLong())
                .isCloseTo(System.currentTimeMillis() + issued.get("expires_in").asLong() * 1000, org.assertj.core.data.Offset.offset(60_000L));
        assertThat(modeAtHandBack.get()).isEqualTo(PosixFilePermissions.fromString("rw-------"));

        // The handed-back refresh token is a live one: the server accepts it.
        HttpResponse<String> refreshed = HttpClient.newHttpClient().send(HttpRequest.newBuilder(Fixtures.tokenUrl(oauth))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("grant_type=refresh_token&client_id=vmdesk&refresh_token="
                        + handedBack.get("refresh_token").asText())).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(refreshed.statusCode()).isEqualTo(200);

        assertThat(file).doesNotExist();
        assertThat(home.resolve(".config")).as("directories the agent created are removed").doesNotExist();
    }

    @Test
    void aRejectedHandBackIsReportedAndTheFileStillWiped() throws Exception {
        controller.credentialsStatus = 422;

        int rc = new Agent(Fixtures.config(home, controller, null), new InProcessBrowser("alice", u -> u)).run();

        assertThat(rc).isEqualTo(Agent.FAILED);
        assertThat(controller.eventTypes()).containsExactly("login-started", "browser-opened", "credentials-found", "error");
        assertThat(controller.lastEvent().detail()).isEqualTo("hand-back failed: POST credentials answered HTTP 422");
        assertThat(home.resolve(".config/vmdesk/oidc/credentials.json")).doesNotExist();
    }

    @Test
    void refusesACallbackWithTheWrongState() throws Exception {
        InProcessBrowser browser = new InProcessBrowser("mallory", u -> URI.create(u.toString()
                .replaceAll("state=[^&]*", "state=forged")));

        int rc = new Agent(Fixtures.config(home, controller, null), browser).run();

        assertThat(rc).isEqualTo(Agent.FAILED);
        SimulatedUser.Result page = browser.result.get(10, TimeUnit.SECONDS);
        assertThat(page.status()).isEqualTo(400);
        assertThat(page.body()).contains("state mismatch");
        assertThat(controller.eventTypes()).containsExactly("login-started", "browser-opened", "error");
        assertThat(controller.lastEvent().detail()).contains("state mismatch");
        assertThat(controller.credentials).isNull();
        assertThat(tokens.issued).as("the code is never exchanged").isEmpty();
        assertThat(home.resolve(".config/vmdesk/oidc/credentials.json")).doesNotExist();
    }

    @Test
    void reportsTheProvidersErrorResponse() throws Exception {
        BrowserOpener deny = url -> {
            Map<String, java.util.List<String>> q = PkceLoginFlow.parseQuery(url.getRawQuery());
            URI back = URI.create(q.get("redirect_uri").get(0) + "?error=access_denied&error_description=User+said+no"
                    + "&state=" + q.get("state").get(0));
            Thread.ofVirtual().start(() -> {
                try {
                    HttpClient.newHttpClient().send(HttpRequest.newBuilder(back).build(), HttpResponse.BodyHandlers.discarding());
                } catch (Exception ignored) {
                    // the agent's answer is not what this test checks
                }
            });
        };

        int rc = new Agent(Fixtures.config(home, controller, null), deny).run();

        assertThat(rc).isEqualTo(Agent.FAILED);
        assertThat(controller.eventTypes()).containsExactly("login-started", "browser-opened", "error");
        assertThat(controller.lastEvent().detail()).isEqualTo("authorization server returned error access_denied");
    }

    @Test
    void timesOutWhenNobodySignsIn() throws Exception {
        controller.recipe = Fixtures.pkceRecipe(Fixtures.authorizeUrl(oauth), tokens.url(), HARVEST, 1);

        int rc = new Agent(Fixtures.config(home, controller, null), url -> {}).run();

        assertThat(rc).isEqualTo(Agent.FAILED);
        assertThat(controller.eventTypes()).containsExactly("login-started", "browser-opened", "error");
        assertThat(controller.lastEvent().detail()).isEqualTo("timeout");
    }

    @Test
    void reportsAnInvalidRecipe() throws Exception {
        controller.recipe = "{\"provider\":\"x\",\"login\":{\"type\":\"saml\"},\"harvest\":[{\"path\":\"~/a\"}]}";

        int rc = new Agent(Fixtures.config(home, controller, null), url -> {}).run();

        assertThat(rc).isEqualTo(Agent.FAILED);
        assertThat(controller.events).containsExactly(new FakeController.Event("error",
                "invalid recipe: login.type: must be \"pkce\" or \"cli\" (got \"saml\")"));
    }

    @Test
    void aWrongTokenIsRefusedByTheControllerAndNothingRuns() throws Exception {
        AgentConfig real = Fixtures.config(home, controller, null);
        AgentConfig wrong = new AgentConfig(real.sessionId(), real.agentUrl(), "not-the-token", real.home(),
                real.childEnvironment());
        InProcessBrowser browser = new InProcessBrowser("alice", u -> u);

        int rc = new Agent(wrong, browser).run();

        assertThat(rc).isEqualTo(Agent.FAILED);
        assertThat(browser.opened).isNull();
        assertThat(controller.unauthorized.get()).isGreaterThanOrEqualTo(1);
        assertThat(controller.events).isEmpty();
    }
}
