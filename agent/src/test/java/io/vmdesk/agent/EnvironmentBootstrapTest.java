package io.vmdesk.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EnvironmentBootstrapTest {
    static final String TOKEN = "one-time-token-0123456789abcdef";

    @TempDir
    Path home;

    Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        env.put("VMDESK_SESSION_ID", "s-1");
        env.put("VMDESK_AGENT_URL", "http://192.168.100.1:4000/");
        env.put("VMDESK_AGENT_TOKEN", TOKEN);
        env.put("HOME", home.toString());
        env.put("PATH", "/usr/bin:/bin");
        env.put("BROWSER", "/usr/local/bin/guest-browser");
        env.put("COPY_OF_IT", "Bearer " + TOKEN);
        return env;
    }

    @Test
    void readsTheThreeVariablesAndKeepsTheTokenAwayFromChildren() throws Exception {
        AgentConfig c = new EnvironmentBootstrap(env()).load();
        assertThat(c.sessionId()).isEqualTo("s-1");
        assertThat(c.agentUrl()).isEqualTo(URI.create("http://192.168.100.1:4000"));
        assertThat(c.token()).isEqualTo(TOKEN);
        assertThat(c.home()).isEqualTo(home);
        assertThat(c.browser()).isEqualTo("/usr/local/bin/guest-browser");
        assertThat(c.childEnvironment()).containsOnlyKeys("HOME", "PATH", "BROWSER");
        assertThat(c.childEnvironment().values()).noneMatch(v -> v.contains(TOKEN));
        assertThat(c.toString()).doesNotContain(TOKEN).contains("token=[redacted]");
    }

    @Test
    void missingOrMalformedValuesAreNamed() {
        var e = env();
        e.remove("VMDESK_AGENT_TOKEN");
        assertThatThrownBy(() -> new EnvironmentBootstrap(e).load()).isInstanceOf(BootstrapException.class)
                .hasMessage("VMDESK_AGENT_TOKEN is not set (the one-time bearer token the controller issued for this session)");

        var u = env();
        u.put("VMDESK_AGENT_URL", "ftp://192.168.100.1:4000");
        assertThatThrownBy(() -> new EnvironmentBootstrap(u).load())
                .hasMessage("VMDESK_AGENT_URL must be an absolute http(s) URL like http://192.168.100.1:4000");

        var s = env();
        s.put("VMDESK_SESSION_ID", "../etc");
        assertThatThrownBy(() -> new EnvironmentBootstrap(s).load()).hasMessageStartingWith("VMDESK_SESSION_ID must be");

        var t = env();
        t.put("VMDESK_AGENT_TOKEN", "has space in it");
        assertThatThrownBy(() -> new EnvironmentBootstrap(t).load())
                .hasMessage("VMDESK_AGENT_TOKEN must be 8-4096 printable characters without spaces")
                .hasMessageNotContaining("has space");

        var h = env();
        h.put("HOME", home.resolve("nope").toString());
        assertThatThrownBy(() -> new EnvironmentBootstrap(h).load()).hasMessageStartingWith("HOME must be an existing");
    }

    @Test
    void aConfigCannotBeBuiltWithTheTokenInTheChildEnvironment() {
        assertThatThrownBy(() -> new AgentConfig("s", URI.create("http://c"), TOKEN, home, Map.of("X", TOKEN)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
