package io.vmdesk.cli.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where {@code vmdesk session} looks for the controller when --url is not given: as the controller finds its own
 * configuration, the environment over the env file (--env-file, else ./.env).
 */
class ControllerOptionsTest {
    @TempDir
    Path dir;

    private String url(String url, Map<String, String> env) throws Exception {
        return ControllerOptions.baseUrl(url, env, null, dir.resolve("absent.env"));
    }

    @Test
    void urlThenVmdeskUrlThenPublicUrlThenTheLoopbackAtPort() throws Exception {
        Map<String, String> all = Map.of("VMDESK_URL", "http://a:1", "PUBLIC_URL", "https://desk.example.com",
                "PORT", "4100");
        assertThat(url("http://given:2", all)).isEqualTo("http://given:2");
        assertThat(url(null, all)).isEqualTo("http://a:1");
        assertThat(url(null, Map.of("PUBLIC_URL", "https://desk.example.com", "PORT", "4100")))
                .isEqualTo("https://desk.example.com");
        assertThat(url(null, Map.of("PORT", "4100"))).isEqualTo("http://127.0.0.1:4100");
        assertThat(url(null, Map.of())).isEqualTo("http://127.0.0.1:4000");
        assertThat(url(" ", Map.of("VMDESK_URL", ""))).isEqualTo("http://127.0.0.1:4000");
        assertThat(url("http://given:2/", Map.of())).isEqualTo("http://given:2");
    }

    @Test
    void portAndPublicUrlComeFromTheDotEnvFileUnlessTheEnvironmentSetsThem() throws Exception {
        Path dotEnv = Files.writeString(dir.resolve(".env"), "# the controller's\nPORT=4321\nBRIDGE_IP=10.0.0.1\n");
        assertThat(ControllerOptions.baseUrl(null, Map.of(), null, dotEnv)).isEqualTo("http://127.0.0.1:4321");
        assertThat(ControllerOptions.baseUrl(null, Map.of("PORT", "4400"), null, dotEnv))
                .isEqualTo("http://127.0.0.1:4400");
        Path other = Files.writeString(dir.resolve("vmdesk.env"), "export PUBLIC_URL=\"https://desk.example.com/\"\n");
        assertThat(ControllerOptions.baseUrl(null, Map.of(), other, dotEnv)).isEqualTo("https://desk.example.com");
        assertThat(ControllerOptions.baseUrl(null, Map.of("VMDESK_URL", "http://v:1"), other, dotEnv))
                .isEqualTo("http://v:1");
    }

    @Test
    void whatCannotBeAControllersAddressIsAUsageErrorNamingTheFix() throws Exception {
        assertThatThrownBy(() -> url("notaurl", Map.of())).isInstanceOf(ControllerOptions.BadUsage.class)
                .hasMessage("--url 'notaurl' is not an http:// or https:// URL with a host name; give the controller's "
                        + "address, e.g. --url http://127.0.0.1:4000");
        assertThatThrownBy(() -> url(null, Map.of("VMDESK_URL", "ftp://x"))).hasMessageStartingWith(
                "VMDESK_URL 'ftp://x' is not an http:// or https:// URL");
        assertThatThrownBy(() -> url("http://127.0.0.1:4000/api", Map.of())).isInstanceOf(
                ControllerOptions.BadUsage.class).hasMessageContaining("has a path, query or fragment");
        assertThat(url("http://127.0.0.1:4000/", Map.of())).isEqualTo("http://127.0.0.1:4000");
        assertThatThrownBy(() -> ControllerOptions.baseUrl(null, Map.of(), dir.resolve("nope.env"), null))
                .hasMessageStartingWith("--env-file " + dir.resolve("nope.env") + " does not exist");
        Path dotEnv = Files.writeString(dir.resolve(".env"), "PORT=70000\n");
        assertThatThrownBy(() -> ControllerOptions.baseUrl(null, Map.of(), null, dotEnv))
                .hasMessageContaining("PORT (from " + dotEnv + ") is not between 1 and 65535")
                .hasMessageContaining("fix: set PORT to the controller's port");
        Path twice = Files.writeString(dir.resolve("twice.env"), "PORT=1\nPORT=2\n");
        assertThatThrownBy(() -> ControllerOptions.baseUrl(null, Map.of(), twice, null))
                .hasMessageContaining("PORT is set twice");
    }
}
