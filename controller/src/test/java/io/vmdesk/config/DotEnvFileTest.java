package io.vmdesk.config;

import static io.vmdesk.config.ConfigTesting.failure;
import static io.vmdesk.config.ConfigTesting.onlyProblem;
import static io.vmdesk.config.ConfigTesting.writeDotEnv;
import static org.assertj.core.api.Assertions.assertThat;

import io.vmdesk.config.ConfigException.Problem;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The .env file is where the predecessor's mistakes lived; every line must either count or be reported. */
class DotEnvFileTest {

    @TempDir
    Path dir;

    @Test
    void comments_blank_lines_export_prefix_and_quotes_are_understood() throws Exception {
        Path file = writeDotEnv(dir,
                "# vmdesk settings",
                "",
                "export PORT=5000",
                "BRIDGE_DEVICE='vmbr0'",
                "CHROMIUM_BIN=\"/usr/bin/chromium browser\"  # quoted because of the space",
                "MAX_SESSIONS=20 # inline comment",
                "   GUEST_DRIVER=netns   ");

        Config c = Config.load(Map.of(), file);

        assertThat(c.port()).isEqualTo(5000);
        assertThat(c.bridgeDevice()).isEqualTo("vmbr0");
        assertThat(c.chromiumBin()).isEqualTo("/usr/bin/chromium browser");
        assertThat(c.maxSessions()).isEqualTo(20);
    }

    @Test
    void a_line_that_is_not_name_equals_value_names_the_file_and_line() throws Exception {
        Path file = writeDotEnv(dir, "PORT=4000", "# fine", "IP_POOL_START 192.168.100.2");

        Problem p = onlyProblem(failure(Map.of(), file));

        assertThat(p.variable()).isEqualTo(file.toString());
        assertThat(p.message()).contains(file + " line 3").contains("not NAME=value");
        assertThat(p.fix()).contains("NAME=value");
    }

    @Test
    void an_unterminated_quote_is_an_error_with_its_line() throws Exception {
        Path file = writeDotEnv(dir, "CHROMIUM_BIN=\"chromium");

        assertThat(onlyProblem(failure(Map.of(), file)).message()).contains(file + " line 1").contains("closing");
    }

    @Test
    void a_malformed_line_is_not_echoed_because_it_may_hold_a_password() throws Exception {
        Path file = writeDotEnv(dir, "postgres://vm:hunter2@db/vmdesk");

        assertThat(failure(Map.of(), file).getMessage()).doesNotContain("hunter2");
    }

    @Test
    void an_unknown_name_close_to_a_known_one_gets_a_suggestion() throws Exception {
        Path file = writeDotEnv(dir, "IP_POOL_STRAT=192.168.100.2");

        Problem p = onlyProblem(failure(Map.of(), file));

        assertThat(p.variable()).isEqualTo("IP_POOL_STRAT");
        assertThat(p.message()).contains("IP_POOL_STRAT is not a vmdesk setting; did you mean IP_POOL_START?")
                .contains(file + " line 1");
        assertThat(p.fix()).contains("rename IP_POOL_STRAT to IP_POOL_START");
    }

    @Test
    void every_unknown_name_in_dot_env_is_an_error_even_without_a_suggestion() throws Exception {
        Path file = writeDotEnv(dir, "FAVOURITE_COLOUR=blue");

        Problem p = onlyProblem(failure(Map.of(), file));

        assertThat(p.message()).isEqualTo("FAVOURITE_COLOUR is not a vmdesk setting (set in " + file + " line 1)");
        assertThat(p.fix()).contains("IP_POOL_START"); // lists the real names
    }

    @Test
    void the_predecessors_dot_env_fails_with_a_suggestion_for_each_misnamed_pool_bound() throws Exception {
        Path file = writeDotEnv(dir,
                "VM_IP_POOL_START=192.168.100.2",
                "VM_IP_POOL_END=192.168.100.254",
                "BRIDGE_DEVICE=br0");

        ConfigException e = failure(Map.of(), file);

        assertThat(e.problems()).extracting(Problem::message).containsExactly(
                "VM_IP_POOL_START is not a vmdesk setting; did you mean IP_POOL_START? (set in " + file + " line 1)",
                "VM_IP_POOL_END is not a vmdesk setting; did you mean IP_POOL_END? (set in " + file + " line 2)");
    }

    @Test
    void a_setting_assigned_twice_is_an_error_naming_both_lines() throws Exception {
        Path file = writeDotEnv(dir, "PORT=4000", "MAX_SESSIONS=5", "PORT=5000");

        Problem p = onlyProblem(failure(Map.of(), file));

        assertThat(p.variable()).isEqualTo("PORT");
        assertThat(p.message()).contains("set twice").contains("lines 1 and 3");
    }

    @Test
    void a_bad_value_in_dot_env_says_which_line_it_is_on() throws Exception {
        Path file = writeDotEnv(dir, "# ports", "PORT=eighty");

        assertThat(onlyProblem(failure(Map.of(), file)).message())
                .isEqualTo("PORT='eighty' is not a whole number (set in " + file + " line 2)");
    }
}
