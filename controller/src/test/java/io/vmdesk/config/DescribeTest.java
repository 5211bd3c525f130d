package io.vmdesk.config;

import static io.vmdesk.config.ConfigTesting.load;
import static io.vmdesk.config.ConfigTesting.writeDotEnv;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** describe() is what an operator reads at startup: every setting, where it came from, never a password. */
class DescribeTest {

    @Test
    void the_process_environment_wins_over_dot_env_and_each_line_says_where_its_value_came_from(@TempDir Path dir)
            throws Exception {
        Path file = writeDotEnv(dir, "PORT=5000", "MAX_SESSIONS=20");

        Config c = Config.load(Map.of("PORT", "6000"), file);

        assertThat(c.port()).isEqualTo(6000);
        assertThat(c.maxSessions()).isEqualTo(20);
        assertThat(c.describe()).contains("PORT=6000 (env)", "MAX_SESSIONS=20 (.env)", "BRIDGE_DEVICE=br0 (default)",
                "IP_POOL_START=192.168.100.2 (default)", "SESSION_READY_TIMEOUT=60s (default)");
    }

    @Test
    void there_is_one_line_per_setting_in_table_order() throws Exception {
        List<String> names = load(Map.of()).describe().stream().map(l -> l.substring(0, l.indexOf('='))).toList();

        assertThat(names).containsExactlyElementsOf(Arrays.stream(Setting.values()).map(Enum::name).toList());
    }

    @Test
    void a_postgres_password_in_user_info_is_redacted() throws Exception {
        Config c = load(Map.of("DATABASE_URL", "postgres://vmdesk:hunter2@db:5432/vmdesk"));

        assertThat(c.describe()).contains("DATABASE_URL=postgres://vmdesk:***@db:5432/vmdesk (env)");
        assertThat(String.join("\n", c.describe())).doesNotContain("hunter2");
        assertThat(c.databaseUrl()).contains("hunter2"); // only the display is redacted
    }

    @Test
    void a_password_parameter_is_redacted() throws Exception {
        Config c = load(Map.of("DATABASE_URL", "jdbc:postgresql://db/vmdesk?user=vm&password=hunter2&ssl=true"));

        assertThat(c.describe()).contains("DATABASE_URL=jdbc:postgresql://db/vmdesk?user=vm&password=***&ssl=true (env)");
    }

    @Test
    void the_default_database_is_described_as_the_sqlite_file() throws Exception {
        assertThat(load(Map.of()).describe())
                .contains("DATABASE_URL= (default: SQLite file /var/lib/vmdesk/vmdesk.db)");
    }

    @Test
    void a_config_built_in_code_is_described_without_inventing_sources() throws Exception {
        Config loaded = load(Map.of());
        Config copy = new Config(loaded.port(), loaded.listenAddress(), loaded.publicUrl(), null,
                loaded.bridgeDevice(), loaded.bridgeIp(), loaded.internalNetwork(), loaded.poolStart(),
                loaded.poolEnd(), loaded.dataDir(), null, null, null, loaded.guestDriver(), loaded.maxSessions(),
                loaded.readyTimeout(), loaded.maxLifetime(), loaded.idleTimeout(), loaded.viewerWaitTimeout(),
                loaded.pingInterval(), loaded.viewerPolicy(), loaded.chromiumBin(), null, null,
                loaded.liveViewTokenTtl(), loaded.maxSessionsPerUser(), loaded.createRatePerMinute(),
                loaded.shutdownTimeout(), loaded.shutdownLeaveGuests(),
                loaded.liveViewUpstream(), loaded.liveViewBuffer(), loaded.liveViewStallTimeout(),
                null, null, null, List.of(), 1, 256, "qemu-system-x86_64", "firecracker", null, "bridge");

        assertThat(copy).isEqualTo(loaded);
        assertThat(copy.describe()).contains("PORT=4000 (given)");
        assertThat(loaded.describe()).contains("PORT=4000 (default)");
    }
}
