package io.vmdesk.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class BootArgsTest {

    private static String ip(String guest, String gateway, String network) {
        return BootArgs.ipArgument(Ipv4Address.parse(guest), Ipv4Address.parse(gateway), Ipv4Network.parse(network));
    }

    @Test
    void slash16TakesItsNetmaskFromTheNetworkNotA24() {
        assertThat(ip("192.168.100.23", "192.168.0.1", "192.168.0.0/16"))
                .isEqualTo("ip=192.168.100.23::192.168.0.1:255.255.0.0::eth0:off");
    }

    @Test
    void slash24() {
        assertThat(ip("192.168.100.23", "192.168.100.1", "192.168.100.0/24"))
                .isEqualTo("ip=192.168.100.23::192.168.100.1:255.255.255.0::eth0:off");
    }

    @Test
    void slash28() {
        assertThat(ip("10.20.30.44", "10.20.30.33", "10.20.30.32/28"))
                .isEqualTo("ip=10.20.30.44::10.20.30.33:255.255.255.240::eth0:off");
    }

    @Test
    void addressesOutsideTheNetworkAreRefused() {
        assertThatThrownBy(() -> ip("10.20.30.50", "10.20.30.33", "10.20.30.32/28"))
                .hasMessageContaining("10.20.30.50 is outside 10.20.30.32/28");
        assertThatThrownBy(() -> ip("192.168.100.23", "192.168.0.1", "192.168.100.0/24"))
                .hasMessageContaining("gateway 192.168.0.1 is outside");
    }

    @Test
    void commandLineStartsWithTheBaseAndEndsWithExtraWords() {
        String line = BootArgs.commandLine(Ipv4Address.parse("192.168.100.2"), Ipv4Address.parse("192.168.100.1"),
                Ipv4Network.parse("192.168.100.0/24"), List.of("vmdesk.test.drop_ip_after=5"));
        assertThat(line).isEqualTo("console=ttyS0 reboot=k panic=1 pci=off "
                + "ip=192.168.100.2::192.168.100.1:255.255.255.0::eth0:off vmdesk.test.drop_ip_after=5");
    }

    @Test
    void extraWordsCannotSplitOrOverrideTheAddress() {
        Ipv4Address guest = Ipv4Address.parse("192.168.100.2");
        Ipv4Address gw = Ipv4Address.parse("192.168.100.1");
        Ipv4Network net = Ipv4Network.parse("192.168.100.0/24");
        assertThatThrownBy(() -> BootArgs.commandLine(guest, gw, net, List.of("a b")))
                .hasMessageContaining("'a b' is not allowed");
        assertThatThrownBy(() -> BootArgs.commandLine(guest, gw, net, List.of("ip=10.0.0.2::10.0.0.1:255.0.0.0::eth0:off")))
                .hasMessageContaining("not ip=");
    }
}
