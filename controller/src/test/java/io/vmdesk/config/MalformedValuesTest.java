package io.vmdesk.config;

import static io.vmdesk.config.ConfigTesting.failure;
import static io.vmdesk.config.ConfigTesting.onlyProblem;
import static org.assertj.core.api.Assertions.assertThat;

import io.vmdesk.config.ConfigException.Problem;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A malformed value must name the variable, quote what was given, and say what is expected with an example. */
class MalformedValuesTest {

    private static Problem problemWith(String variable, String value) {
        Problem p = onlyProblem(failure(Map.of(variable, value)));
        assertThat(p.variable()).isEqualTo(variable);
        assertThat(p.message()).contains(variable + "='" + value + "'").contains("set in the process environment");
        assertThat(p.fix()).contains("e.g. " + variable + "=");
        return p;
    }

    @Test
    void a_port_that_is_not_a_number_is_rejected_with_an_example() {
        Problem p = problemWith("PORT", "80a");
        assertThat(p.message()).contains("not a whole number");
        assertThat(p.fix()).contains("1 to 65535").contains("PORT=4000");
    }

    @Test
    void a_network_topology_other_than_bridge_or_slot_is_rejected_naming_both() {
        ConfigException.Problem p = problemWith("NETWORK_TOPOLOGY", "slots");
        assertThat(p.message()).contains("not a network topology");
        assertThat(p.fix()).contains("bridge or slot");
    }

    @Test
    void a_port_out_of_range_is_rejected() {
        assertThat(problemWith("PORT", "70000").message()).contains("not between 1 and 65535");
        assertThat(problemWith("PORT", "0").message()).contains("not between 1 and 65535");
    }

    @Test
    void a_listen_address_that_is_not_ipv4_is_rejected() {
        assertThat(problemWith("LISTEN_ADDRESS", "localhost").message()).contains("not an IPv4 address");
    }

    @Test
    void a_bridge_ip_that_is_not_an_address_is_rejected() {
        assertThat(problemWith("BRIDGE_IP", "192.168.100").message()).contains("not an IPv4 address");
    }

    @Test
    void an_internal_network_with_host_bits_set_proposes_the_network_it_probably_meant() {
        // The predecessor wrote the bridge as 192.168.0.1/16; as a network that is a mistake with an obvious fix.
        Problem p = onlyProblem(failure(Map.of("INTERNAL_NETWORK", "192.168.100.1/24")));
        assertThat(p.variable()).isEqualTo("INTERNAL_NETWORK");
        assertThat(p.message()).contains("host bits set");
        assertThat(p.fix()).contains("INTERNAL_NETWORK=192.168.100.0/24");
    }

    @Test
    void an_internal_network_without_a_prefix_is_rejected() {
        assertThat(problemWith("INTERNAL_NETWORK", "192.168.100.0").message()).contains("CIDR");
    }

    @Test
    void a_malformed_duration_is_rejected_with_the_accepted_forms() {
        Problem p = problemWith("SESSION_IDLE_TIMEOUT", "10 minutes");
        assertThat(p.message()).contains("not a duration");
        assertThat(p.fix()).contains("500ms").contains("90s").contains("5m").contains("2h");
    }

    @Test
    void a_ping_interval_below_one_second_is_rejected() {
        assertThat(problemWith("PROXY_PING_INTERVAL", "500ms").message()).contains("shorter than 1s");
    }

    @Test
    void max_sessions_below_one_is_rejected() {
        assertThat(problemWith("MAX_SESSIONS", "0").message()).contains("less than 1");
        assertThat(problemWith("MAX_SESSIONS", "ten").message()).contains("not a whole number");
    }

    @Test
    void an_unknown_guest_driver_lists_the_allowed_ones() {
        Problem p = problemWith("GUEST_DRIVER", "docker");
        assertThat(p.fix()).contains("netns");
    }

    @Test
    void a_public_url_must_be_scheme_host_and_port_only() {
        assertThat(problemWith("PUBLIC_URL", "localhost:4000").message()).contains("http:// or https://");
        assertThat(problemWith("PUBLIC_URL", "http://desk.example.com/app").message()).contains("has a path");
        assertThat(problemWith("PUBLIC_URL", "http://desk.example.com?x=1").message()).contains("query");
    }

    @Test
    void an_invalid_interface_name_is_rejected() {
        assertThat(problemWith("BRIDGE_DEVICE", "a-very-long-bridge0").message()).contains("at most 15");
        assertThat(problemWith("BRIDGE_DEVICE", "br/0").message()).contains("'/'");
        assertThat(problemWith("BRIDGE_DEVICE", "br 0").message()).contains("whitespace");
        assertThat(problemWith("BRIDGE_DEVICE", "..").message()).contains("not allowed");
    }

    @Test
    void a_control_socket_path_longer_than_the_kernel_allows_is_rejected() {
        assertThat(problemWith("CONTROL_SOCKET", "/run/" + "x".repeat(120)).message()).contains("at most 107");
    }

    @Test
    void an_unsupported_database_url_is_rejected_without_showing_its_password() {
        Problem p = onlyProblem(failure(Map.of("DATABASE_URL", "mysql://vm:hunter2@db/vmdesk")));
        assertThat(p.variable()).isEqualTo("DATABASE_URL");
        assertThat(p.message()).contains("mysql://vm:***@db/vmdesk").doesNotContain("hunter2");
        assertThat(p.fix()).contains("jdbc:sqlite:").contains("postgres://");
    }
}
