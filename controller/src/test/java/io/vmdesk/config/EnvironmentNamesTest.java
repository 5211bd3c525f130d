package io.vmdesk.config;

import static io.vmdesk.config.ConfigTesting.failure;
import static io.vmdesk.config.ConfigTesting.onlyProblem;
import static org.assertj.core.api.Assertions.assertThat;

import io.vmdesk.config.ConfigException.Problem;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The process environment holds everyone's variables, so unknown names there are errors only when they look like
 * ours. False positives would stop the controller for no reason, hence the lists of ordinary names below.
 */
class EnvironmentNamesTest {

    @ParameterizedTest
    @ValueSource(strings = {"VMDESK_PORT", "VMDESK_ANYTHING", "VM_IP_POOL_START", "MY_BRIDGE_DEVICE",
            "IP_POOL_STRAT", "INTERNAL_NETWROK", "DATABASE_URI", "data_dir"})
    void names_that_look_like_ours_are_errors(String name) {
        Problem p = onlyProblem(failure(Map.of(name, "x")));

        assertThat(p.variable()).isEqualTo(name);
        assertThat(p.message()).startsWith(name + " is not a vmdesk setting").contains("process environment");
    }

    @Test
    void a_misnamed_environment_variable_gets_a_suggestion() {
        Problem p = onlyProblem(failure(Map.of("VM_IP_POOL_START", "192.168.100.2")));

        assertThat(p.message()).contains("VM_IP_POOL_START is not a vmdesk setting; did you mean IP_POOL_START?");
        assertThat(p.fix()).isEqualTo("rename VM_IP_POOL_START to IP_POOL_START in the process environment");
    }

    @Test
    void our_prefix_on_a_known_name_suggests_the_plain_name() {
        assertThat(onlyProblem(failure(Map.of("VMDESK_MAX_SESSIONS", "3"))).message())
                .contains("did you mean MAX_SESSIONS?");
    }

    @Test
    void the_session_clis_variables_are_accepted_in_the_environment_and_in_dot_env(@org.junit.jupiter.api.io.TempDir
            java.nio.file.Path dir) throws Exception {
        Map<String, String> env = Map.of("VMDESK_URL", "http://127.0.0.1:4000", "VMDESK_API_KEY", "vmd_x");
        java.nio.file.Path dotEnv = ConfigTesting.writeDotEnv(dir, "VMDESK_URL=http://127.0.0.1:4000",
                "VMDESK_API_KEY=vmd_x", "PORT=4000");

        assertThat(Config.load(env, dotEnv).port()).isEqualTo(4000);
        assertThat(SettingNames.looksLikeOurs("VMDESK_URL")).isFalse();
        assertThat(SettingNames.looksLikeOurs("VMDESK_URI")).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"PATH", "HOME", "PWD", "OLDPWD", "HOSTNAME", "USER", "LOGNAME", "SHELL", "SHLVL", "TERM",
            "LANG", "LC_ALL", "JAVA_HOME", "MAVEN_OPTS", "MAVEN_HOME", "M2_HOME", "SSH_PORT", "SSH_AUTH_SOCK",
            "SSH_CONNECTION", "DISPLAY", "XDG_RUNTIME_DIR", "XDG_DATA_DIRS", "XDG_CONFIG_HOME", "TMPDIR", "TZ",
            "EDITOR", "PAGER", "MAIL", "HTTP_PROXY", "NO_PROXY", "LD_LIBRARY_PATH", "CLASSPATH", "JAVA_TOOL_OPTIONS",
            "JDK_JAVA_OPTIONS", "INVOCATION_ID", "JOURNAL_STREAM", "NOTIFY_SOCKET", "LISTEN_PID", "LISTEN_FDS",
            "STATE_DIRECTORY", "RUNTIME_DIRECTORY", "KUBERNETES_SERVICE_PORT", "KUBERNETES_PORT", "DOCKER_HOST",
            "SESSION_MANAGER", "DESKTOP_SESSION", "CONTAINER_NAME", "DEBIAN_FRONTEND", "PYENV_ROOT", "HISTSIZE",
            "DBUS_SESSION_BUS_ADDRESS", "SERVER_PORT", "APP_PORT", "_"})
    void ordinary_environment_variables_are_not_flagged(String name) {
        assertThat(SettingNames.looksLikeOurs(name)).as(name).isFalse();
    }

    @Test
    void the_real_environment_of_this_machine_raises_no_unknown_name_problems() {
        // Copy, so a PORT or similar that happens to be set here cannot fail the load for an unrelated reason.
        Map<String, String> env = new HashMap<>(System.getenv());
        env.keySet().removeIf(name -> Setting.find(name).isPresent());
        try {
            Config.load(env, null);
        } catch (ConfigException e) {
            List<String> unknown = e.problems().stream().map(Problem::message)
                    .filter(m -> m.contains("is not a vmdesk setting")).toList();
            assertThat(unknown).as("false positives from System.getenv()").isEmpty();
        }
    }

    @Test
    void the_distance_counts_a_swap_of_neighbours_as_one_edit() {
        assertThat(SettingNames.distance("IP_POOL_STRAT", "IP_POOL_START")).isEqualTo(1);
        assertThat(SettingNames.distance("PORT", "PORT")).isZero();
        assertThat(SettingNames.distance("", "ABC")).isEqualTo(3);
    }
}
