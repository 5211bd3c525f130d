package io.vmdesk.config;

import static io.vmdesk.config.ConfigTesting.load;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** With nothing set, the controller must come up with a consistent network: bridge .1, pool .2-.254, /24 mask. */
class DefaultsTest {

    @Test
    void an_empty_environment_yields_the_documented_defaults() throws Exception {
        Config c = load(Map.of());

        assertThat(c.port()).isEqualTo(4000);
        assertThat(c.listenAddress()).isEqualTo("0.0.0.0");
        assertThat(c.publicUrl()).isEqualTo("http://localhost:4000");
        assertThat(c.controlSocket()).isNull();
        assertThat(c.bridgeDevice()).isEqualTo("br0");
        assertThat(c.dataDir()).isEqualTo(Path.of("/var/lib/vmdesk"));
        assertThat(c.databaseUrl()).isNull();
        assertThat(c.sqliteFile()).isEqualTo(Path.of("/var/lib/vmdesk/vmdesk.db"));
        assertThat(c.guestDriver()).isEqualTo("netns");
        assertThat(c.networkTopology()).isEqualTo("bridge");
        assertThat(c.slotTopology()).isFalse();
        assertThat(c.maxSessions()).isEqualTo(10);
        assertThat(c.readyTimeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(c.maxLifetime()).isEqualTo(Duration.ofMinutes(30));
        assertThat(c.idleTimeout()).isEqualTo(Duration.ofMinutes(10));
        assertThat(c.viewerWaitTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.pingInterval()).isEqualTo(Duration.ofSeconds(15));
        assertThat(c.chromiumBin()).isEqualTo("chromium");
    }

    @Test
    void the_default_pool_is_every_host_except_the_bridge() throws Exception {
        Config c = load(Map.of());

        assertThat(c.bridgeIp()).hasToString("192.168.100.1");
        assertThat(c.gateway()).isEqualTo(c.bridgeIp());
        assertThat(c.internalNetwork()).hasToString("192.168.100.0/24");
        assertThat(c.netmask()).hasToString("255.255.255.0");
        assertThat(c.poolStart()).hasToString("192.168.100.2");
        assertThat(c.poolEnd()).hasToString("192.168.100.254");
        assertThat(c.poolSize()).isEqualTo(253);
    }

    @Test
    void a_slash_16_network_yields_netmask_255_255_0_0_and_a_pool_spanning_it() throws Exception {
        Config c = load(Map.of("INTERNAL_NETWORK", "10.20.0.0/16", "BRIDGE_IP", "10.20.0.1"));

        assertThat(c.netmask()).hasToString("255.255.0.0");
        assertThat(c.gateway()).hasToString("10.20.0.1");
        assertThat(c.poolStart()).hasToString("10.20.0.2");
        assertThat(c.poolEnd()).hasToString("10.20.255.254");
    }

    @Test
    void a_bridge_on_the_last_host_moves_the_default_pool_below_it() throws Exception {
        Config c = load(Map.of("BRIDGE_IP", "192.168.100.254"));

        assertThat(c.poolStart()).hasToString("192.168.100.1");
        assertThat(c.poolEnd()).hasToString("192.168.100.253");
    }

    @Test
    void a_pool_bound_left_unset_extends_up_to_but_not_over_the_bridge() throws Exception {
        Config c = load(Map.of("BRIDGE_IP", "192.168.100.200", "IP_POOL_START", "192.168.100.10"));

        assertThat(c.poolEnd()).hasToString("192.168.100.199");
    }

    @Test
    void public_url_defaults_to_the_configured_port_and_loses_one_trailing_slash() throws Exception {
        assertThat(load(Map.of("PORT", "8080")).publicUrl()).isEqualTo("http://localhost:8080");
        assertThat(load(Map.of("PUBLIC_URL", "https://desk.example.com/")).publicUrl())
                .isEqualTo("https://desk.example.com");
    }

    @Test
    void data_dir_is_made_absolute() throws Exception {
        Config c = load(Map.of("DATA_DIR", "relative/data"));

        assertThat(c.dataDir().isAbsolute()).isTrue();
        assertThat(c.dataDir().endsWith(Path.of("relative/data"))).isTrue();
        assertThat(c.sqliteFile()).isEqualTo(c.dataDir().resolve("vmdesk.db"));
    }

    @Test
    void a_null_or_missing_dot_env_file_is_ignored(@TempDir Path dir) throws Exception {
        assertThat(Config.load(Map.of(), null).port()).isEqualTo(4000);
        assertThat(Config.load(Map.of(), dir.resolve("does-not-exist.env")).port()).isEqualTo(4000);
    }

    @Test
    void a_blank_value_counts_as_unset() throws Exception {
        assertThat(load(Map.of("PORT", " ", "CONTROL_SOCKET", "")).port()).isEqualTo(4000);
    }

    @Test
    void every_driver_is_accepted_and_unknown_ones_are_refused() throws Exception {
        assertThat(load(Map.of("GUEST_DRIVER", "netns")).guestDriver()).isEqualTo("netns");
        for (String driver : new String[] {"qemu", "firecracker"}) {
            assertThat(load(Map.of("GUEST_DRIVER", driver, "KERNEL_IMAGE", "/boot/vmlinuz")).guestDriver())
                    .isEqualTo(driver);
        }
        assertThatThrownBy(() -> load(Map.of("GUEST_DRIVER", "docker"))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("is not a known guest driver");
    }

    @Test
    void a_vm_driver_without_a_kernel_is_refused_with_the_fix() {
        assertThatThrownBy(() -> load(Map.of("GUEST_DRIVER", "qemu"))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("KERNEL_IMAGE is not set").hasMessageContaining("./vmdesk image build test-guest");
    }

    @Test
    void every_supported_database_url_form_is_accepted() throws Exception {
        for (String url : new String[] {"jdbc:sqlite:/tmp/x.db", "jdbc:postgresql://db/vmdesk",
                "postgres://u:p@db/vmdesk", "postgresql://db/vmdesk"}) {
            assertThat(load(Map.of("DATABASE_URL", url)).databaseUrl()).isEqualTo(url);
        }
    }
}
