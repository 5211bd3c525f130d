package io.vmdesk.net;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmdesk.guest.GuestSpec;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a guest sees inside its slot, whatever its pool address: the same address, gateway, netmask and MAC. */
class SlotNetworkTest {

    private static GuestSpec spec(String address) {
        Ipv4Address a = Ipv4Address.parse(address);
        return new GuestSpec("0123456789ab-cdef", a, Ipv4Network.parse("10.20.0.0/16"), Ipv4Address.parse("10.20.0.1"),
                Naming.macFor(a), Naming.interfaceName("0123456789ab-cdef"), "vmdesk-abc123-0123456789ab",
                Path.of("/tmp/sessions/x"), "br0", "chromium");
    }

    @Test
    void everyGuestSeesTheSameInnerNetworkAndMac() {
        GuestSpec a = SlotNetwork.inside(spec("10.20.0.2"));
        GuestSpec b = SlotNetwork.inside(spec("10.20.7.9"));
        for (GuestSpec inner : List.of(a, b)) {
            assertThat(inner.address()).hasToString("169.254.0.21");
            assertThat(inner.gateway()).hasToString("169.254.0.22");
            assertThat(inner.network()).hasToString("169.254.0.20/30");
            assertThat(inner.mac()).isEqualTo("02:fc:a9:fe:00:15");
            assertThat(inner.hostInterface()).isEqualTo(SlotNetwork.INNER_DEVICE);
        }
        assertThat(BootArgs.commandLine(a.address(), a.gateway(), a.network(), List.of()))
                .isEqualTo(BootArgs.commandLine(b.address(), b.gateway(), b.network(), List.of()))
                .contains("ip=169.254.0.21::169.254.0.22:255.255.255.252::eth0:off");
        assertThat(SlotNetwork.INNER_GATEWAY_MAC).isEqualTo("02:fc:a9:fe:00:16");
        assertThat(SlotNetwork.slotNamespace("vmdesk-abc123-0123456789ab"))
                .startsWith(Naming.namespacePrefix("abc123")).hasSizeLessThanOrEqualTo(200);
    }

    @Test
    void theVmmRunsInsideTheSlotOnlyInSlotTopology() {
        var bridge = new io.vmdesk.vm.VmBoot(spec("10.20.0.2"), null, Path.of("/tmp"), "vmd0", "", null);
        var slot = new io.vmdesk.vm.VmBoot(spec("10.20.0.2"), null, Path.of("/tmp"), "tap0", "", null, "slot-ns");
        assertThat(bridge.inNamespace(List.of("qemu-system-x86_64", "-M", "microvm")))
                .containsExactly("qemu-system-x86_64", "-M", "microvm");
        assertThat(slot.inNamespace(List.of("firecracker", "--api-sock", "x")))
                .containsExactly("ip", "netns", "exec", "slot-ns", "firecracker", "--api-sock", "x");
    }
}
