package io.vmdesk.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmdesk.config.Config;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Who counts as a guest: an address of the guest network other than the bridge's, however the listener writes it. */
class FromGuestTest {
    @Test
    void guestAddressesInEveryNotationAreGuestsTheBridgeAndOthersAreNot() throws Exception {
        Config config = Config.load(Map.of(), null);
        assertThat(ApiServer.fromGuest(config, "192.168.100.7")).isTrue();
        assertThat(ApiServer.fromGuest(config, "::ffff:192.168.100.7")).as("IPv4-mapped, dual-stack").isTrue();
        assertThat(ApiServer.fromGuest(config, "[::ffff:192.168.100.7]")).isTrue();
        assertThat(ApiServer.fromGuest(config, "192.168.100.1")).as("the bridge: the host itself").isFalse();
        assertThat(ApiServer.fromGuest(config, "127.0.0.1")).isFalse();
        assertThat(ApiServer.fromGuest(config, "10.0.0.5")).isFalse();
    }
}
