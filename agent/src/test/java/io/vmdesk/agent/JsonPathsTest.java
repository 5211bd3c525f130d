package io.vmdesk.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

class JsonPathsTest {
    static JsonNode json(String s) throws Exception {
        return FakeController.JSON.readTree(s);
    }

    @Test
    void presentAndNonEmptyValuesPass() throws Exception {
        JsonNode codex = json("""
                {"OPENAI_API_KEY": null, "tokens": {"id_token": "eyJ", "access_token": "at", "refresh_token": "rt",
                 "account_id": "acc"}, "last_refresh": "2026-01-01T00:00:00Z", "n": 0, "b": false,
                 "list": [{"token": "x"}], "obj": {"k": 1}}""");
        assertThat(JsonPaths.valueProblem(codex, "tokens.access_token")).isNull();
        assertThat(JsonPaths.valueProblem(codex, "tokens.refresh_token")).isNull();
        assertThat(JsonPaths.valueProblem(codex, "n")).isNull();
        assertThat(JsonPaths.valueProblem(codex, "b")).isNull();
        assertThat(JsonPaths.valueProblem(codex, "list.0.token")).isNull();
        assertThat(JsonPaths.valueProblem(codex, "obj")).isNull();
    }

    @Test
    void missingNullAndEmptyValuesFail() throws Exception {
        JsonNode claude = json("""
                {"claudeAiOauth": {"accessToken": "a", "refreshToken": "", "scopes": [], "extra": {}, "none": null}}""");
        assertThat(JsonPaths.valueProblem(claude, "claudeAiOauth.accessToken")).isNull();
        assertThat(JsonPaths.valueProblem(claude, "claudeAiOauth.refreshToken")).isEqualTo("empty");
        assertThat(JsonPaths.valueProblem(claude, "claudeAiOauth.scopes")).isEqualTo("empty");
        assertThat(JsonPaths.valueProblem(claude, "claudeAiOauth.extra")).isEqualTo("empty");
        assertThat(JsonPaths.valueProblem(claude, "claudeAiOauth.none")).isEqualTo("missing");
        assertThat(JsonPaths.valueProblem(claude, "claudeAiOauth.expiresAt")).isEqualTo("missing");
        assertThat(JsonPaths.valueProblem(claude, "claudeAiOauth.accessToken.deeper")).isEqualTo("missing");
        assertThat(JsonPaths.valueProblem(claude, "other.accessToken")).isEqualTo("missing");
        assertThat(JsonPaths.valueProblem(claude, "claudeAiOauth.scopes.0")).isEqualTo("missing");
        assertThat(JsonPaths.valueProblem(json("\"   \""), "x")).isEqualTo("missing");
    }

    @Test
    void syntax() {
        assertThat(JsonPaths.syntaxProblem("tokens.access_token")).isNull();
        assertThat(JsonPaths.syntaxProblem("a")).isNull();
        assertThat(JsonPaths.syntaxProblem("")).isEqualTo("is empty");
        assertThat(JsonPaths.syntaxProblem("a..b")).isNotNull();
        assertThat(JsonPaths.syntaxProblem(".a")).isNotNull();
        assertThat(JsonPaths.syntaxProblem("a.")).isNotNull();
        assertThat(JsonPaths.syntaxProblem("a b")).isNotNull();
    }
}
