package io.vmdesk.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CLI recipes: a stand-in CLI (a child JVM) performs its own PKCE login against a real authorization server,
 * opening the sign-in page through BROWSER, and writes a Claude-style credentials file.
 */
class CliLoginEndToEndTest {
    static final String HARVEST = "~/.claude/.credentials.json";
    static final List<String> REQUIRED = List.of("claudeAiOauth.accessToken", "claudeAiOauth.refreshToken");

    @TempDir
    Path home;
    @TempDir
    Path tools;

    MockOAuth2Server oauth;
    TokenRecordingProxy tokens;
    FakeController controller;
    String browser;

    @BeforeEach
    void start() throws Exception {
        oauth = Fixtures.startOAuthServer();
        tokens = new TokenRecordingProxy(Fixtures.tokenUrl(oauth));
        controller = new FakeController();
        browser = Fixtures.script(tools, "guest-browser", FakeUserBrowser.class).toString();
    }

    @AfterEach
    void stop() {
        controller.close();
        tokens.close();
        oauth.shutdown();
    }

    private int runAgent() throws Exception {
        return new Agent(Fixtures.config(home, controller, browser), url -> {
            throw new AssertionError("CLI recipes open the browser through the CLI");
        }).run();
    }

    @Test
    void harvestsValidatesHandsBackAndWipesTheClisCredentials() throws Exception {
        controller.recipe = Fixtures.cliRecipe(
                Fixtures.java(FakeClaudeCli.class, "login", Fixtures.authorizeUrl(oauth).toString(),
                        tokens.url().toString(), "--linger"),
                Map.of("CLAUDE_CONFIG_DIR", "~/.claude"), HARVEST, REQUIRED, 120);

        int rc = runAgent();

        assertThat(rc).isEqualTo(Agent.OK);
        assertThat(controller.eventTypes()).containsExactly("login-started", "browser-opened", "credentials-found");
        assertThat(controller.unauthorized).hasValue(0);

        assertThat(tokens.issued).hasSize(1);
        JsonNode issued = tokens.issued.get(0);
        JsonNode files = controller.credentials.get("files");
        assertThat(files).hasSize(1);
        assertThat(files.get(0).get("path").asText()).isEqualTo(HARVEST);
        JsonNode oauthBlock = FakeController.JSON.readTree(files.get(0).get("content").asText()).get("claudeAiOauth");
        assertThat(oauthBlock.get("accessToken").asText()).isEqualTo(issued.get("access_token").asText()).isNotBlank();
        assertThat(oauthBlock.get("refreshToken").asText()).isEqualTo(issued.get("refresh_token").asText()).isNotBlank();
        assertThat(oauthBlock.get("expiresAt").asLong()).isGreaterThan(System.currentTimeMillis());

        assertThat(home.resolve(".claude/.credentials.json")).doesNotExist();
        long pid = Long.parseLong(Files.readString(home.resolve("fake-cli.pid")).strip());
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).as("the lingering CLI was stopped")
                .isIn(Optional.empty(), Optional.of(false));
    }

    @Test
    void reportsTheExitCodeAndScrubbedOutputWhenTheCliFails() throws Exception {
        controller.recipe = Fixtures.cliRecipe(Fixtures.java(FakeClaudeCli.class, "fail"), Map.of(), HARVEST,
                REQUIRED, 60);

        int rc = runAgent();

        assertThat(rc).isEqualTo(Agent.FAILED);
        assertThat(controller.eventTypes()).containsExactly("login-started", "error");
        String detail = controller.lastEvent().detail();
        assertThat(detail).contains("exited with code 3", "Starting login", "last output")
                .doesNotContain("sk-ant-ort01", "abcdefghijklmnopqrstuvwxyz0123456789", "abc123def456ghi789jkl012");
        assertThat(controller.credentials).isNull();
    }

    @Test
    void timesOutAndStopsTheCli() throws Exception {
        controller.recipe = Fixtures.cliRecipe(Fixtures.java(FakeClaudeCli.class, "hang"), Map.of(), HARVEST,
                REQUIRED, 3);

        long started = System.nanoTime();
        int rc = runAgent();

        assertThat(rc).isEqualTo(Agent.FAILED);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(20));
        assertThat(controller.eventTypes()).containsExactly("login-started", "error");
        assertThat(controller.lastEvent().detail()).isEqualTo("timeout");
        long pid = Long.parseLong(Files.readString(home.resolve("fake-cli.pid")).strip());
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).isIn(Optional.empty(), Optional.of(false));
    }

    @Test
    void invalidCredentialsAreNotHandedBack() throws Exception {
        // A "CLI" that writes the file without a refresh token and exits 0.
        controller.recipe = Fixtures.cliRecipe(List.of("/bin/sh", "-c",
                        "mkdir -p \"$HOME/.claude\" && printf '{\"claudeAiOauth\":{\"accessToken\":\"a1\",\"refreshToken\":\"\"}}' "
                                + "> \"$HOME/.claude/.credentials.json\""),
                Map.of(), HARVEST, REQUIRED, 30);

        int rc = runAgent();

        assertThat(rc).isEqualTo(Agent.FAILED);
        assertThat(controller.eventTypes()).containsExactly("login-started", "error");
        assertThat(controller.lastEvent().detail())
                .isEqualTo("/bin/sh exited with code 0 but ~/.claude/.credentials.json: claudeAiOauth.refreshToken is empty");
        assertThat(controller.credentials).isNull();
        assertThat(home.resolve(".claude/.credentials.json")).as("wiped on failure too").doesNotExist();
    }
}
