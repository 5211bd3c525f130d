package io.vmdesk.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.security.SecureRandom;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PkceTest {
    @Test
    void rfc7636AppendixBVector() {
        assertThat(Pkce.challengeS256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"))
                .isEqualTo("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    }

    @Test
    void verifiersAre43UnreservedCharactersFrom32RandomBytesAndNeverRepeat() {
        SecureRandom random = new SecureRandom();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            String v = Pkce.newVerifier(random);
            assertThat(v).hasSize(43).matches("[A-Za-z0-9._~-]+");
            assertThat(Pkce.isValidVerifier(v)).isTrue();
            assertThat(seen.add(v)).isTrue();
            assertThat(Pkce.challengeS256(v)).hasSize(43).matches("[A-Za-z0-9_-]+");
        }
        assertThat(Pkce.newState(random)).hasSize(43).isNotEqualTo(Pkce.newState(random));
    }

    @Test
    void verifierLengthAndCharsetLimits() {
        assertThat(Pkce.isValidVerifier("a".repeat(43))).isTrue();
        assertThat(Pkce.isValidVerifier("a".repeat(128))).isTrue();
        assertThat(Pkce.isValidVerifier("a".repeat(42))).isFalse();
        assertThat(Pkce.isValidVerifier("a".repeat(129))).isFalse();
        assertThat(Pkce.isValidVerifier("a".repeat(42) + "+")).isFalse();
        assertThat(Pkce.isValidVerifier("a".repeat(42) + "/")).isFalse();
        assertThat(Pkce.isValidVerifier("a".repeat(42) + "=")).isFalse();
        assertThat(Pkce.isValidVerifier("-._~" + "Z9".repeat(20))).isTrue();
        assertThatThrownBy(() -> Pkce.challengeS256("short")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void authorizeUrlCarriesEveryParameterAndKeepsAnExistingQuery() {
        var login = new Recipe.PkceLogin(URI.create("https://idp.example/authorize?tenant=a%20b"),
                URI.create("https://idp.example/token"), "vmdesk", null, List.of("openid", "offline_access"),
                "/callback", Map.of("prompt", "consent"));
        URI u = PkceLoginFlow.authorizeUrl(login, URI.create("http://127.0.0.1:5555/callback"), "st", "ch");

        assertThat(u.toString()).startsWith("https://idp.example/authorize?tenant=a%20b&response_type=code&");
        var q = PkceLoginFlow.parseQuery(u.getRawQuery());
        assertThat(q.get("tenant")).containsExactly("a b");
        assertThat(q.get("client_id")).containsExactly("vmdesk");
        assertThat(q.get("redirect_uri")).containsExactly("http://127.0.0.1:5555/callback");
        assertThat(q.get("scope")).containsExactly("openid offline_access");
        assertThat(u.getRawQuery()).contains("scope=openid%20offline_access");
        assertThat(q.get("state")).containsExactly("st");
        assertThat(q.get("code_challenge")).containsExactly("ch");
        assertThat(q.get("code_challenge_method")).containsExactly("S256");
        assertThat(q.get("prompt")).containsExactly("consent");
    }

    @Test
    void tokenFileAddsExpiresAtInEpochMillis() throws Exception {
        var tokens = FakeController.JSON.createObjectNode().put("access_token", "a").put("refresh_token", "r")
                .put("expires_in", 3600).put("token_type", "Bearer");
        var written = FakeController.JSON.readTree(PkceLoginFlow.tokenFile(tokens, 1_000_000L));
        assertThat(written.get("expires_at").asLong()).isEqualTo(1_000_000L + 3_600_000L);
        assertThat(written.get("access_token").asText()).isEqualTo("a");
        assertThat(written.get("refresh_token").asText()).isEqualTo("r");

        var noExpiry = FakeController.JSON.createObjectNode().put("access_token", "a");
        assertThat(FakeController.JSON.readTree(PkceLoginFlow.tokenFile(noExpiry, 5L)).has("expires_at")).isFalse();
    }
}
