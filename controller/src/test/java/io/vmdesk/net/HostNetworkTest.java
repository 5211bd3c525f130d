package io.vmdesk.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vmdesk.host.HostCommands;
import io.vmdesk.host.TestNamespace;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Runs entirely inside a throw-away namespace "vmdesk-t-…" (the machine's own network is never touched). */
class HostNetworkTest {
    private static final Duration T = Duration.ofSeconds(10);
    private static final Ipv4Network NET = Ipv4Network.parse("192.168.100.0/24");
    private static final Ipv4Address GW = Ipv4Address.parse("192.168.100.1");

    private TestNamespace ns;
    private HostCommands cmd;
    private HostNetwork network;

    @BeforeEach
    void setUp() {
        ns = TestNamespace.create();
        cmd = ns.commands();
        network = new HostNetwork(cmd, "br0", GW, NET);
    }

    @AfterEach
    void tearDown() {
        if (ns != null) {
            ns.close();
        }
    }

    @Test
    void createsTheBridgeThenAdoptsIt() throws Exception {
        String created = network.ensureBridge(false);
        assertThat(created).startsWith("created bridge br0").contains("192.168.100.1/24");
        assertThat(ipv4("br0")).containsExactly("192.168.100.1/24");
        JsonNode link = link("br0");
        assertThat(link.path("linkinfo").path("info_kind").asText()).isEqualTo("bridge");
        assertThat(link.path("linkinfo").path("info_data").path("stp_state").asInt()).isZero();
        assertThat(link.path("linkinfo").path("info_data").path("forward_delay").asInt()).isZero();
        assertThat(link.path("flags").toString()).contains("\"UP\"");

        String adopted = network.ensureBridge(false);
        assertThat(adopted).startsWith("adopted existing bridge br0 with 192.168.100.1/24");
        assertThat(ipv4("br0")).containsExactly("192.168.100.1/24");
    }

    @Test
    void adoptingTurnsStpOffAndForwardDelayToZero() throws Exception {
        cmd.runChecked(T, "ip", "link", "add", "br0", "type", "bridge", "stp_state", "1", "forward_delay", "1500");
        cmd.runChecked(T, "ip", "addr", "add", "192.168.100.1/24", "dev", "br0");
        String adopted = network.ensureBridge(false);
        assertThat(adopted).startsWith("adopted").contains("turned STP off").contains("forward_delay 0 (was 15.0 s)")
                .contains("brought it up");
        JsonNode data = link("br0").path("linkinfo").path("info_data");
        assertThat(data.path("stp_state").asInt()).isZero();
        assertThat(data.path("forward_delay").asInt()).isZero();
    }

    @Test
    void aBridgeWithOtherAddressesIsAMismatchUntilFixed() throws Exception {
        cmd.runChecked(T, "ip", "link", "add", "br0", "type", "bridge");
        cmd.runChecked(T, "ip", "addr", "add", "192.168.0.1/16", "dev", "br0");

        assertThatThrownBy(() -> network.ensureBridge(false))
                .isInstanceOf(BridgeMismatchException.class)
                .hasMessageContaining("192.168.0.1/16")
                .hasMessageContaining("192.168.100.1/24")
                .hasMessageContaining("ip addr del 192.168.0.1/16 dev br0 && ip addr add 192.168.100.1/24 dev br0")
                .hasMessageContaining("--fix-bridge")
                .satisfies(e -> assertThat(((BridgeMismatchException) e).fixCommand())
                        .isEqualTo("ip addr del 192.168.0.1/16 dev br0 && ip addr add 192.168.100.1/24 dev br0"));
        assertThat(ipv4("br0")).as("nothing changed without --fix-bridge").containsExactly("192.168.0.1/16");

        String fixed = network.ensureBridge(true);
        assertThat(fixed).startsWith("fixed bridge br0").contains("removed 192.168.0.1/16").contains("added 192.168.100.1/24");
        assertThat(ipv4("br0")).containsExactly("192.168.100.1/24");
        assertThat(network.ensureBridge(false)).startsWith("adopted");
    }

    @Test
    void anExtraAddressBesideTheRightOneIsAlsoAMismatch() throws Exception {
        cmd.runChecked(T, "ip", "link", "add", "br0", "type", "bridge");
        cmd.runChecked(T, "ip", "addr", "add", "192.168.100.1/24", "dev", "br0");
        cmd.runChecked(T, "ip", "addr", "add", "10.9.9.9/8", "dev", "br0");
        assertThatThrownBy(() -> network.ensureBridge(false))
                .isInstanceOf(BridgeMismatchException.class)
                .hasMessageContaining("Fix it with: ip addr del 10.9.9.9/8 dev br0   ");
        network.ensureBridge(true);
        assertThat(ipv4("br0")).containsExactly("192.168.100.1/24");
    }

    @Test
    void aDeviceThatIsNotABridgeIsAClearError() {
        cmd.runChecked(T, "ip", "link", "add", "br0", "type", "veth", "peer", "name", "br0peer");
        assertThatThrownBy(() -> network.ensureBridge(true))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("br0 exists but is a veth device, not a bridge")
                .hasMessageContaining("ip link del br0");
    }

    @Test
    void listsAndDeletesInterfacesIdempotently() {
        network.ensureBridge(false);
        cmd.runChecked(T, "ip", "link", "add", "vmdaaaaaaaaaaa", "type", "veth", "peer", "name", "peer0");
        assertThat(network.interfaces("vmd")).containsExactly("vmdaaaaaaaaaaa");
        assertThat(network.interfaces("br")).containsExactly("br0");
        network.deleteInterface("vmdaaaaaaaaaaa");
        assertThat(network.interfaces("vmd")).isEmpty();
        assertThat(network.interfaces("peer")).as("the veth peer went with it").isEmpty();
        network.deleteInterface("vmdaaaaaaaaaaa");
    }

    @Test
    void neighbourStateIsEmptyWithoutAnEntryAndReadsTheTable() {
        network.ensureBridge(false);
        Ipv4Address guest = Ipv4Address.parse("192.168.100.77");
        assertThat(network.neighbourState(guest)).isEmpty();
        cmd.runChecked(T, "ip", "neigh", "add", "192.168.100.77", "lladdr", "02:fc:c0:a8:64:4d", "dev", "br0",
                "nud", "stale");
        assertThat(network.neighbourState(guest)).contains("STALE");
    }

    private List<String> ipv4(String dev) throws Exception {
        JsonNode links = new ObjectMapper().readTree(cmd.runChecked(T, "ip", "-j", "-4", "addr", "show", "dev", dev).stdout());
        List<String> out = new ArrayList<>();
        for (JsonNode a : links.get(0).path("addr_info")) {
            out.add(a.path("local").asText() + "/" + a.path("prefixlen").asInt());
        }
        return out;
    }

    private JsonNode link(String dev) throws Exception {
        return new ObjectMapper().readTree(cmd.runChecked(T, "ip", "-j", "-d", "link", "show", "dev", dev).stdout()).get(0);
    }
}
