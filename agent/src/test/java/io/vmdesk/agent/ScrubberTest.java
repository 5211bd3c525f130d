package io.vmdesk.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ScrubberTest {
    @Test
    void removesThingsThatLookLikeTokens() {
        String jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl";
        assertThat(Scrubber.scrub("got " + jwt + " ok")).isEqualTo("got [redacted] ok");
        assertThat(Scrubber.scrub("refresh sk-ant-ort01-AbC_dEf")).isEqualTo("refresh [redacted]");
        assertThat(Scrubber.scrub("gh token gho_16C7e42F292c6912E7710c838347Ae178B4a")).doesNotContain("gho_");
        assertThat(Scrubber.scrub("Authorization: Bearer abcdef.ghijk")).doesNotContain("abcdef.ghijk");
        assertThat(Scrubber.scrub("{\"access_token\": \"opaque-value\", \"n\": 1}"))
                .isEqualTo("{\"access_token\": [redacted], \"n\": 1}");
        assertThat(Scrubber.scrub("http://127.0.0.1:5/cb?code=SplxlOBeZQQYbYS6WxSbIA&state=af0ifjsldkj"))
                .isEqualTo("http://127.0.0.1:5/cb?code=[redacted]&state=[redacted]");
        assertThat(Scrubber.scrub("client_secret=hunter2hunter2")).isEqualTo("client_secret=[redacted]");
        assertThat(Scrubber.scrub("failed (access_token=abc123def456)")).isEqualTo("failed (access_token=[redacted])");
        assertThat(Scrubber.scrub("id 0f8fad5b-d9cb-469f-a165-70867728950e")).isEqualTo("id [redacted]");
        assertThat(Scrubber.scrub("the agent token is tok-XYZ-1", List.of("tok-XYZ-1")))
                .isEqualTo("the agent token is [redacted]");
    }

    @Test
    void leavesOrdinaryDiagnosticsAlone() {
        for (String s : List.of("timeout", "codex exited with code 3 before the credentials were complete",
                "~/.codex/auth.json: tokens.access_token is missing",
                "~/.claude/.credentials.json: claudeAiOauth.refreshToken is empty",
                "token endpoint answered HTTP 400 (invalid_grant)", "callback refused: state mismatch",
                "login.extraParams.state: is set by the agent and cannot be overridden",
                "/usr/lib/jvm/temurin-25-jdk-amd64/bin/java exited with code 3",
                "authorization server returned error access_denied", "provider claude_code, started codex")) {
            assertThat(Scrubber.scrub(s)).isEqualTo(s);
        }
    }

    @Test
    void redactsOnlyTheSecretValueAndLeavesTheTextAroundItIntact() {
        // prose after "key:" is not a secret: no "[redacted] run program"
        for (String s : List.of("claude auth: Cannot run program \"claude\": error=2, No such file or directory",
                "session: Cannot start the browser", "gh auth: Permission denied",
                "credentials: Missing file ~/.codex/auth.json")) {
            assertThat(Scrubber.scrub(s)).isEqualTo(s);
        }
        // a value an earlier pass redacted keeps exactly one closing bracket
        assertThat(Scrubber.scrub("token=sk-ant-api03-AbCdEf123")).isEqualTo("token=[redacted]");
        assertThat(Scrubber.scrub("access_token: eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln, expires 3600"))
                .isEqualTo("access_token: [redacted], expires 3600");
        assertThat(Scrubber.scrub("refresh_token=ghp_16C7e42F292c6912E7710c8 (expired)"))
                .isEqualTo("refresh_token=[redacted] (expired)");
        assertThat(Scrubber.scrub("Authorization: Bearer abcdef.ghijk sent"))
                .isEqualTo("Authorization: Bearer [redacted] sent");
        assertThat(Scrubber.scrub("the agent token is tok-XYZ-1 (bearer)", List.of("tok-XYZ-1")))
                .isEqualTo("the agent token is [redacted] (bearer)");
        // secrets after a colon are still caught: quoted, or with digits or symbols
        assertThat(Scrubber.scrub("password: hunter2 was rejected")).isEqualTo("password: [redacted] was rejected");
        assertThat(Scrubber.scrub("{\"client_secret\": \"plainletters\"}"))
                .isEqualTo("{\"client_secret\": [redacted]}");
        assertThat(Scrubber.scrub("api_key=plainletters; retrying")).isEqualTo("api_key=[redacted]; retrying");
        assertThat(Scrubber.detail("login failed: Cannot run program \"codex\"\nsession: Cannot start", 200,
                List.of())).isEqualTo("login failed: Cannot run program \"codex\" | session: Cannot start");
    }

    @Test
    void detailFoldsLinesAndCapsLength() {
        assertThat(Scrubber.detail("a\nb\r\n c", 100, List.of())).isEqualTo("a | b | c");
        assertThat(Scrubber.detail("x".repeat(50), 10, List.of())).hasSize(10).endsWith("…");
    }
}
