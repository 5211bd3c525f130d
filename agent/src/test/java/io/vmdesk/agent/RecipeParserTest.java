package io.vmdesk.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RecipeParserTest {
    static final String PKCE = """
            { "provider": "oidc",
              "login": { "type": "pkce", "authorizeUrl": "http://idp.test/authorize", "tokenUrl": "http://idp.test/token",
                         "clientId": "vmdesk", "clientSecret": null, "scopes": ["openid", "offline_access"],
                         "redirectPath": "/callback", "extraParams": {} },
              "harvest": [ { "path": "~/.config/vmdesk/oidc/credentials.json", "required": ["access_token"] } ],
              "timeoutSeconds": 600 }""";

    static final String CLI = """
            { "provider": "codex",
              "login": {"type": "cli", "command": ["codex", "login"], "env": {"CODEX_HOME": "~/.codex"}},
              "harvest": [{"path": "~/.codex/auth.json", "required": ["tokens.access_token", "tokens.refresh_token"]}],
              "timeoutSeconds": 300, "someFutureField": true }""";

    @Test
    void parsesTheContractsPkceExample() throws Exception {
        Recipe r = RecipeParser.parse(PKCE);
        assertThat(r.provider()).isEqualTo("oidc");
        assertThat(r.timeout()).isEqualTo(Duration.ofSeconds(600));
        assertThat(r.login()).isInstanceOfSatisfying(Recipe.PkceLogin.class, p -> {
            assertThat(p.authorizeUrl()).isEqualTo(URI.create("http://idp.test/authorize"));
            assertThat(p.tokenUrl()).isEqualTo(URI.create("http://idp.test/token"));
            assertThat(p.clientId()).isEqualTo("vmdesk");
            assertThat(p.clientSecret()).isNull();
            assertThat(p.scopes()).containsExactly("openid", "offline_access");
            assertThat(p.redirectPath()).isEqualTo("/callback");
            assertThat(p.extraParams()).isEmpty();
        });
        assertThat(r.harvest()).containsExactly(
                new Recipe.Harvest("~/.config/vmdesk/oidc/credentials.json", List.of("access_token")));
    }

    @Test
    void parsesTheContractsCliExampleIgnoringUnknownFields() throws Exception {
        Recipe r = RecipeParser.parse(CLI);
        assertThat(r.login()).isEqualTo(new Recipe.CliLogin(List.of("codex", "login"), Map.of("CODEX_HOME", "~/.codex")));
        assertThat(r.harvest().get(0).required()).containsExactly("tokens.access_token", "tokens.refresh_token");
        assertThat(r.timeout()).isEqualTo(Duration.ofSeconds(300));
    }

    @Test
    void defaults() throws Exception {
        Recipe r = RecipeParser.parse("""
                {"provider":"p","login":{"type":"pkce","authorizeUrl":"https://a/x","tokenUrl":"https://a/t",
                 "clientId":"c"},"harvest":[{"path":"~/f"}]}""");
        var p = (Recipe.PkceLogin) r.login();
        assertThat(p.redirectPath()).isEqualTo("/callback");
        assertThat(p.scopes()).isEmpty();
        assertThat(r.harvest().get(0).required()).isEmpty();
        assertThat(r.timeout()).isEqualTo(Duration.ofSeconds(600));
    }

    @Test
    void theClientSecretNeverAppearsInToStringOrErrors() throws Exception {
        Recipe r = RecipeParser.parse(PKCE.replace("\"clientSecret\": null", "\"clientSecret\": \"s3cr3t-value\""));
        assertThat(((Recipe.PkceLogin) r.login()).clientSecret()).isEqualTo("s3cr3t-value");
        assertThat(r.toString()).doesNotContain("s3cr3t-value").contains("clientSecret=[redacted]");
        assertThatThrownBy(() -> RecipeParser.parse(PKCE.replace("\"clientSecret\": null", "\"clientSecret\": 42")))
                .hasMessage("login.clientSecret: must be a string");
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            "provider": "oidc"                          | "provider": ""                      | provider: must not be empty
            "provider": "oidc",                         | ``                                  | provider: is missing
            "type": "pkce"                              | "type": "saml"                      | login.type: must be "pkce" or "cli" (got "saml")
            "authorizeUrl": "http://idp.test/authorize" | "authorizeUrl": "ftp://idp.test/a"  | login.authorizeUrl: must be an absolute http(s) URL
            "authorizeUrl": "http://idp.test/authorize" | "authorizeUrl": "/authorize"        | login.authorizeUrl: must be an absolute http(s) URL
            "tokenUrl": "http://idp.test/token"         | "tokenUrl": "http://idp.test/t#x"   | login.tokenUrl: must not carry a query, a fragment or user info
            "clientId": "vmdesk",                       | ``                                  | login.clientId: is missing
            "scopes": ["openid", "offline_access"]      | "scopes": "openid"                  | login.scopes: must be an array of strings
            "scopes": ["openid", "offline_access"]      | "scopes": ["open id"]               | login.scopes: each scope must be a non-empty word of printable ASCII
            "redirectPath": "/callback"                 | "redirectPath": "callback"          | login.redirectPath: must be a URL path starting with / (no query or fragment)
            "redirectPath": "/callback"                 | "redirectPath": "/cb?x=1"           | login.redirectPath: must be a URL path starting with / (no query or fragment)
            "extraParams": {}                           | "extraParams": {"state": "x"}       | login.extraParams.state: is set by the agent and cannot be overridden
            "extraParams": {}                           | "extraParams": {"prompt": 1}        | login.extraParams.prompt: must be a string
            "path": "~/.config                          | "path": "/etc/passwd", "x": "~/.config | harvest[0].path: must start with ~/ and name a file under the agent's HOME (got '/etc/passwd')
            "path": "~/.config                          | "path": "~/../../etc/x", "x": "~/.config | harvest[0].path: must not contain '..'
            "required": ["access_token"]                | "required": ["a..b"]                | harvest[0].required[0]: must be dot-separated non-empty names without spaces (e.g. tokens.access_token)
            "required": ["access_token"]                | "required": "access_token"          | harvest[0].required: must be an array of strings
            "timeoutSeconds": 600                       | "timeoutSeconds": 0                 | timeoutSeconds: must be a whole number from 1 to 86400
            "timeoutSeconds": 600                       | "timeoutSeconds": "600"             | timeoutSeconds: must be a whole number from 1 to 86400
            "timeoutSeconds": 600                       | "timeoutSeconds": 1.5               | timeoutSeconds: must be a whole number from 1 to 86400
            """)
    void badPkceRecipesGetAClearMessage(String from, String to, String message) {
        assertThat(PKCE).contains(from);
        assertThatThrownBy(() -> RecipeParser.parse(PKCE.replace(from, to)))
                .isInstanceOf(RecipeException.class).hasMessage(message);
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            "command": ["codex", "login"]   | "command": []                  | login.command: must name the program to run, e.g. ["codex", "login"]
            "command": ["codex", "login"]   | "command": "codex login"       | login.command: must be an array of strings
            "command": ["codex", "login"]   | "command": [" ", "login"]      | login.command[0]: must name the program to run
            "env": {"CODEX_HOME": "~/.codex"} | "env": {"HOME": "/tmp"}      | login.env.HOME: is set by the agent and cannot be overridden
            "env": {"CODEX_HOME": "~/.codex"} | "env": {"VMDESK_AGENT_TOKEN": "x"} | login.env.VMDESK_AGENT_TOKEN: is set by the agent and cannot be overridden
            "env": {"CODEX_HOME": "~/.codex"} | "env": {"A B": "x"}          | login.env: 'A B' is not a valid environment variable name
            "harvest": [{"path": "~/.codex/auth.json", "required": ["tokens.access_token", "tokens.refresh_token"]}] | "harvest": [] | harvest: must be a non-empty array of {"path": …, "required": […]}
            "harvest": [{"path": "~/.codex/auth.json", "required": ["tokens.access_token", "tokens.refresh_token"]}] | "harvest": [{"path": "~/a"}, {"path": "~/./a"}] | harvest[1].path: names the same file as an earlier entry
            "harvest": [{"path": "~/.codex/auth.json", "required": ["tokens.access_token", "tokens.refresh_token"]}] | "harvest": [{"path": "~/"}] | harvest[0].path: must start with ~/ and name a file under the agent's HOME (got '~/')
            """)
    void badCliRecipesGetAClearMessage(String from, String to, String message) {
        assertThat(CLI).contains(from);
        assertThatThrownBy(() -> RecipeParser.parse(CLI.replace(from, to)))
                .isInstanceOf(RecipeException.class).hasMessage(message);
    }

    @Test
    void malformedDocuments() {
        assertThatThrownBy(() -> RecipeParser.parse("")).hasMessage("recipe is empty");
        assertThatThrownBy(() -> RecipeParser.parse("[1]")).hasMessage("recipe must be a JSON object");
        assertThatThrownBy(() -> RecipeParser.parse("{\"provider\": ")).hasMessageStartingWith("recipe is not valid JSON at line 1");
        assertThatThrownBy(() -> RecipeParser.parse("{\"provider\":\"a\",\"provider\":\"b\"}"))
                .hasMessageStartingWith("recipe is not valid JSON").hasMessageContaining("Duplicate field 'provider'");
        assertThatThrownBy(() -> RecipeParser.parse("{\"provider\":\"a\"}")).hasMessage("login: is missing");
        assertThatThrownBy(() -> RecipeParser.parse("{\"provider\":\"a\",\"login\":{\"type\":\"cli\",\"command\":[\"x\"]}}"))
                .hasMessage("harvest: is missing (list the credential files to hand back)");
    }

    @Test
    void tildeExpandsToHome() {
        Path home = Path.of("/home/agent");
        assertThat(RecipeParser.expand(home, "~/.codex/auth.json")).isEqualTo(Path.of("/home/agent/.codex/auth.json"));
        assertThat(RecipeParser.expandValue(home, "~/.codex")).isEqualTo("/home/agent/.codex");
        assertThat(RecipeParser.expandValue(home, "~")).isEqualTo("/home/agent");
        assertThat(RecipeParser.expandValue(home, "file")).isEqualTo("file");
        assertThat(RecipeParser.expandValue(home, "a~/b")).isEqualTo("a~/b");
    }
}
