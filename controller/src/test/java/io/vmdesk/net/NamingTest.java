package io.vmdesk.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class NamingTest {
    private static final String ID = "3f2a9c1e-7b4d-4e21-9a0b-5c6d7e8f9a01";

    @Test
    void interfaceNameIsPrefixPlusElevenHexAndFitsIfnamsiz() {
        assertThat(Naming.interfaceName(ID)).isEqualTo("vmd3f2a9c1e7b4");
        for (int i = 0; i < 1000; i++) {
            String name = Naming.interfaceName(UUID.randomUUID().toString());
            assertThat(name).startsWith(Naming.INTERFACE_PREFIX).matches("vmd[0-9a-f]{11}");
            assertThat(name.getBytes(StandardCharsets.UTF_8).length).isEqualTo(14).isLessThanOrEqualTo(15);
        }
        assertThat(Naming.interfaceName(ID.toUpperCase())).isEqualTo(Naming.interfaceName(ID));
    }

    @Test
    void macIsLocallyAdministeredAndEncodesTheAddress() {
        assertThat(Naming.macFor(Ipv4Address.parse("192.168.100.2"))).isEqualTo("02:fc:c0:a8:64:02");
        assertThat(Naming.macFor(Ipv4Address.parse("10.0.0.255"))).isEqualTo("02:fc:0a:00:00:ff");
        assertThat(Naming.macFor(Ipv4Address.parse("192.168.100.3")))
                .isNotEqualTo(Naming.macFor(Ipv4Address.parse("192.168.100.2")))
                .matches("([0-9a-f]{2}:){5}[0-9a-f]{2}");
        Ipv4Network net = Ipv4Network.parse("192.168.100.0/24");
        assertThat(Naming.macFor(net.network().plus(2))).isEqualTo("02:fc:c0:a8:64:02");
        assertThat(Naming.macFor(net.broadcast().plus(-1))).isEqualTo("02:fc:c0:a8:64:fe");
    }

    @Test
    void namespaceNamesCarryTheInstanceTag() {
        assertThat(Naming.namespacePrefix("a1b2c3")).isEqualTo("vmdesk-a1b2c3-");
        assertThat(Naming.namespaceName("a1b2c3", ID)).isEqualTo("vmdesk-a1b2c3-3f2a9c1e7b4d")
                .startsWith(Naming.namespacePrefix("a1b2c3"));
        assertThatThrownBy(() -> Naming.namespacePrefix("bad tag")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void instanceTagIsDeterministicSixHexAndSeparatesDataDirs() {
        String a = Naming.instanceTag(Path.of("/var/lib/vmdesk"));
        assertThat(a).matches("[0-9a-f]{6}");
        assertThat(Naming.instanceTag(Path.of("/var/lib/vmdesk/../vmdesk"))).isEqualTo(a);
        assertThat(Naming.instanceTag(Path.of("/var/lib/vmdesk2"))).isNotEqualTo(a);
        assertThat(Naming.instanceTag(Path.of("relative"))).isEqualTo(Naming.instanceTag(Path.of("relative").toAbsolutePath()));
    }

    @Test
    void rejectsSessionIdsWithoutEnoughHex() {
        assertThatThrownBy(() -> Naming.interfaceName("short")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("short");
        assertThatThrownBy(() -> Naming.namespaceName("abc123", "zzzzzzzzzzzzzzzz"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void recognisesItsOwnInterfaceAndNamespaceShapes() {
        String id = "0f8fad5b-d9cb-469f-a165-70867728950e";
        assertThat(Naming.isInterfaceName(Naming.interfaceName(id))).isTrue();
        assertThat(Naming.isInterfaceName("vmdtest0")).isFalse();
        assertThat(Naming.isInterfaceName("vmd0f8fad5bd9cb")).isFalse();
        assertThat(Naming.isInterfaceName("vmd0F8FAD5BD9C")).isFalse();
        assertThat(Naming.instanceTagOfNamespace(Naming.namespaceName("abc123", id))).contains("abc123");
        assertThat(Naming.instanceTagOfNamespace(Naming.namespaceName("abc123", id) + "-slot")).contains("abc123");
        assertThat(Naming.instanceTagOfNamespace("vmdesk-t-64301ede")).isEmpty();
        assertThat(Naming.instanceTagOfNamespace("other")).isEmpty();
        assertThat(Naming.instanceTagOfNamespace(null)).isEmpty();
    }
}
