package io.vmdesk.cli.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Where {@code vmdesk session} looks for the controller when --url is not given. */
class ControllerOptionsTest {

    @Test
    void urlThenVmdeskUrlThenPublicUrlThenTheLoopbackAtPort() {
        Map<String, String> all = Map.of("VMDESK_URL", "http://a:1", "PUBLIC_URL", "https://desk.example.com",
                "PORT", "4100");
        assertThat(ControllerOptions.baseUrl("http://given:2", all)).isEqualTo("http://given:2");
        assertThat(ControllerOptions.baseUrl(null, all)).isEqualTo("http://a:1");
        assertThat(ControllerOptions.baseUrl(null, Map.of("PUBLIC_URL", "https://desk.example.com", "PORT", "4100")))
                .isEqualTo("https://desk.example.com");
        assertThat(ControllerOptions.baseUrl(null, Map.of("PORT", "4100"))).isEqualTo("http://127.0.0.1:4100");
        assertThat(ControllerOptions.baseUrl(null, Map.of())).isEqualTo("http://127.0.0.1:4000");
        assertThat(ControllerOptions.baseUrl(" ", Map.of("VMDESK_URL", ""))).isEqualTo("http://127.0.0.1:4000");
    }
}
