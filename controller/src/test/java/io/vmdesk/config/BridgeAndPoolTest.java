package io.vmdesk.config;

import static io.vmdesk.config.ConfigTesting.failure;
import static io.vmdesk.config.ConfigTesting.onlyProblem;
import static io.vmdesk.config.ConfigTesting.problemFor;
import static org.assertj.core.api.Assertions.assertThat;

import io.vmdesk.config.ConfigException.Problem;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Bridge, network and pool must agree; the predecessor ran with a bridge on 192.168.0.1/16 and a pool in
 * 192.168.100.0/24. Each fix must propose concrete corrected values.
 */
class BridgeAndPoolTest {

    @Test
    void a_bridge_outside_the_internal_network_is_rejected_with_both_ways_out() {
        Problem p = onlyProblem(failure(Map.of("BRIDGE_IP", "192.168.0.1")));

        assertThat(p.variable()).isEqualTo("BRIDGE_IP");
        assertThat(p.message()).contains("BRIDGE_IP=192.168.0.1").contains("outside")
                .contains("INTERNAL_NETWORK=192.168.100.0/24 (default)");
        assertThat(p.fix()).contains("set BRIDGE_IP=192.168.100.1").contains("INTERNAL_NETWORK=192.168.0.0/24");
    }

    @Test
    void a_bridge_on_the_network_address_is_rejected() {
        Problem p = onlyProblem(failure(Map.of("BRIDGE_IP", "192.168.100.0")));

        assertThat(p.variable()).isEqualTo("BRIDGE_IP");
        assertThat(p.message()).contains("network address");
        assertThat(p.fix()).contains("set BRIDGE_IP=192.168.100.1");
    }

    @Test
    void a_bridge_on_the_broadcast_address_is_rejected() {
        Problem p = onlyProblem(failure(Map.of("BRIDGE_IP", "192.168.100.255")));

        assertThat(p.message()).contains("broadcast address");
        assertThat(p.fix()).contains("set BRIDGE_IP=192.168.100.1");
    }

    @Test
    void a_reversed_pool_is_rejected_with_the_swapped_values() {
        Problem p = onlyProblem(failure(Map.of("IP_POOL_START", "192.168.100.200", "IP_POOL_END", "192.168.100.100")));

        assertThat(p.variable()).isEqualTo("IP_POOL_START");
        assertThat(p.message()).contains("reversed");
        assertThat(p.fix()).contains("set IP_POOL_START=192.168.100.100 and IP_POOL_END=192.168.100.200");
    }

    @Test
    void a_pool_start_outside_the_network_proposes_a_start_inside_it() {
        Problem p = onlyProblem(failure(Map.of("IP_POOL_START", "192.168.0.2")));

        assertThat(p.variable()).isEqualTo("IP_POOL_START");
        assertThat(p.message()).contains("IP_POOL_START=192.168.0.2").contains("outside");
        assertThat(p.fix()).contains("set IP_POOL_START=192.168.100.2");
    }

    @Test
    void a_pool_end_outside_the_network_proposes_an_end_inside_it() {
        Problem p = onlyProblem(failure(Map.of("IP_POOL_END", "192.168.101.10")));

        assertThat(p.variable()).isEqualTo("IP_POOL_END");
        assertThat(p.fix()).contains("set IP_POOL_END=192.168.100.254");
    }

    @Test
    void a_pool_containing_the_network_address_is_rejected() {
        Problem p = onlyProblem(failure(Map.of("IP_POOL_START", "192.168.100.0", "BRIDGE_IP", "192.168.100.254",
                "IP_POOL_END", "192.168.100.253")));

        assertThat(p.variable()).isEqualTo("IP_POOL_START");
        assertThat(p.message()).contains("network address 192.168.100.0");
        assertThat(p.fix()).contains("set IP_POOL_START=192.168.100.1");
    }

    @Test
    void a_pool_containing_the_broadcast_address_is_rejected() {
        Problem p = onlyProblem(failure(Map.of("IP_POOL_END", "192.168.100.255")));

        assertThat(p.variable()).isEqualTo("IP_POOL_END");
        assertThat(p.message()).contains("broadcast address 192.168.100.255");
        assertThat(p.fix()).contains("set IP_POOL_END=192.168.100.254");
    }

    @Test
    void a_pool_containing_the_bridge_proposes_starting_after_it() {
        Problem p = onlyProblem(failure(Map.of("IP_POOL_START", "192.168.100.1")));

        assertThat(p.message()).contains("contains BRIDGE_IP=192.168.100.1");
        assertThat(p.fix()).contains("set IP_POOL_START=192.168.100.2");
    }

    @Test
    void a_bridge_in_the_middle_of_the_pool_proposes_either_side() {
        Problem p = onlyProblem(failure(Map.of("BRIDGE_IP", "192.168.100.50",
                "IP_POOL_START", "192.168.100.10", "IP_POOL_END", "192.168.100.200")));

        assertThat(p.fix()).contains("set IP_POOL_START=192.168.100.51").contains("set IP_POOL_END=192.168.100.49");
    }

    @Test
    void a_pool_smaller_than_max_sessions_names_both_numbers_and_both_fixes() {
        Problem p = onlyProblem(failure(Map.of("IP_POOL_START", "192.168.100.2", "IP_POOL_END", "192.168.100.5",
                "MAX_SESSIONS", "10")));

        assertThat(p.variable()).isEqualTo("MAX_SESSIONS");
        assertThat(p.message()).contains("holds 4 addresses").contains("MAX_SESSIONS=10");
        assertThat(p.fix()).contains("set MAX_SESSIONS=4").contains("set IP_POOL_END=192.168.100.11");
    }

    @Test
    void a_network_too_small_for_max_sessions_proposes_a_larger_network() {
        Problem p = onlyProblem(failure(Map.of("INTERNAL_NETWORK", "192.168.100.0/29", "MAX_SESSIONS", "10")));

        assertThat(p.variable()).isEqualTo("MAX_SESSIONS");
        assertThat(p.message()).contains("holds 5 addresses");
        assertThat(p.fix()).contains("set MAX_SESSIONS=5").contains("INTERNAL_NETWORK=192.168.100.0/28");
    }

    @Test
    void a_network_with_no_room_for_bridge_and_pool_is_rejected() {
        Problem p = onlyProblem(failure(Map.of("INTERNAL_NETWORK", "192.168.100.0/31")));

        assertThat(p.variable()).isEqualTo("INTERNAL_NETWORK");
        assertThat(p.fix()).contains("INTERNAL_NETWORK=192.168.100.0/24");
    }

    @Test
    void changing_only_the_network_flags_the_default_bridge_that_no_longer_fits() {
        // The bridge default does not silently follow the network: the operator must state the gateway.
        ConfigException e = failure(Map.of("INTERNAL_NETWORK", "10.0.0.0/24"));

        Problem p = problemFor(e, "BRIDGE_IP");
        assertThat(p.message()).contains("BRIDGE_IP=192.168.100.1 (default)");
        assertThat(p.fix()).contains("set BRIDGE_IP=10.0.0.1");
    }
}
