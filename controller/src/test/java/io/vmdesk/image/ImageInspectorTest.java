package io.vmdesk.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code image inspect} against real ext4 images built by mkfs.ext4 from directory trees, read back through debugfs.
 */
class ImageInspectorTest {
    @TempDir
    Path tmp;

    @BeforeAll
    static void e2fsprogs() {
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/debugfs")) && Files.isExecutable(Path.of("/usr/sbin/mkfs.ext4")),
                "e2fsprogs (debugfs, mkfs.ext4) is not installed: apt-get install e2fsprogs");
    }

    private RootTree tree(String name) throws Exception {
        return new RootTree(tmp.resolve(name));
    }

    private Inspection inspect(RootTree tree, String name) throws Exception {
        return ImageInspector.inspect(tree.build(tmp.resolve(name + ".ext4")));
    }

    @Test
    void networkdFileAskingForDhcpOnEth0IsReportedWithItsFix() throws Exception {
        RootTree t = tree("dhcp").healthyBase().enabledUnit("systemd-networkd.service")
                .file("/etc/systemd/network/10-eth0.network", "[Match]\nName=eth0\n\n[Network]\nDHCP=yes\n");
        Inspection inspection = inspect(t, "dhcp");

        assertThat(inspection.fights()).isTrue();
        assertThat(inspection.findings()).hasSize(1);
        Finding f = inspection.findings().getFirst();
        assertThat(f.severity()).isEqualTo(Severity.FIGHT);
        assertThat(f.file()).isEqualTo("/etc/systemd/network/10-eth0.network");
        assertThat(f.says()).contains("DHCP=yes").contains("Name=eth0").contains("systemd-networkd is enabled");
        assertThat(f.fix()).contains("remove DHCP=yes").contains("KeepConfiguration=yes");
    }

    @Test
    void cleanImageHasNoFindings() throws Exception {
        RootTree t = tree("clean").healthyBase().enabledUnit("systemd-networkd.service").enabledUnit("networking.service")
                .file("/etc/systemd/network/10-eth0.network",
                        "[Match]\nName=eth0\n[Network]\nKeepConfiguration=yes\n")
                .file("/etc/network/interfaces", "auto lo\niface lo inet loopback\nauto eth0\niface eth0 inet manual\n");
        Inspection inspection = inspect(t, "clean");

        assertThat(inspection.findings()).isEmpty();
        assertThat(inspection.fights()).isFalse();
        assertThat(inspection.toText()).contains("nothing fights");
    }

    @Test
    void firstMatchingNetworkFileWinsAndMaskedFilesDoNotCount() throws Exception {
        RootTree t = tree("order").healthyBase().enabledUnit("systemd-networkd.service")
                // lexically first and matching eth0: the one networkd applies; the DHCP catch-all never reaches eth0
                .file("/etc/systemd/network/05-eth0.network", "[Match]\nName=eth0\n[Network]\nKeepConfiguration=static\n")
                .file("/usr/lib/systemd/network/99-all.network", "[Match]\nName=*\n[Network]\nDHCP=yes\n")
                // masked in /etc: the copy in /usr/lib is hidden
                .link("/etc/systemd/network/01-dhcp.network", "/dev/null")
                .file("/usr/lib/systemd/network/01-dhcp.network", "[Match]\nName=e*\n[Network]\nDHCP=ipv4\n")
                // another link's file is not about eth0
                .file("/etc/systemd/network/00-wlan.network", "[Match]\nName=wlan0\n[Network]\nDHCP=yes\n");
        assertThat(inspect(t, "order").findings()).isEmpty();

        RootTree catchAll = tree("catchall").healthyBase().enabledUnit("systemd-networkd.service")
                .file("/usr/lib/systemd/network/80-ethernet.network", "[Match]\nType=ether\n[Network]\nDHCP=yes\n");
        Inspection i = inspect(catchAll, "catchall");
        assertThat(i.fights()).isTrue();
        assertThat(i.findings().getFirst().file()).isEqualTo("/usr/lib/systemd/network/80-ethernet.network");
    }

    @Test
    void networkFileWithoutKeepConfigurationFightsAndIsOnlyAWarningWhileNetworkdIsDisabled() throws Exception {
        RootTree t = tree("nokeep").healthyBase().enabledUnit("systemd-networkd.service")
                .file("/etc/systemd/network/eth0.network", "[Match]\nName=eth*\n[Network]\nAddress=192.168.100.2/24\n");
        Finding f = inspect(t, "nokeep").findings().getFirst();
        assertThat(f.severity()).isEqualTo(Severity.FIGHT);
        assertThat(f.says()).contains("without KeepConfiguration=");

        RootTree disabled = tree("disabled").healthyBase()
                .file("/usr/lib/systemd/system/systemd-networkd.service", "[Unit]\n")
                .file("/etc/systemd/network/eth0.network", "[Match]\nName=eth0\n[Network]\nDHCP=yes\n");
        Inspection i = inspect(disabled, "disabled");
        assertThat(i.fights()).isFalse();
        assertThat(i.findings()).extracting(Finding::severity).containsExactly(Severity.WARN);
        assertThat(i.findings().getFirst().says()).contains("installed but not enabled");
    }

    @Test
    void netplanEthernetWithDhcpIsReported() throws Exception {
        RootTree t = tree("netplan").healthyBase().file("/usr/sbin/netplan", "#!/bin/sh\n")
                .file("/etc/netplan/50-cloud-init.yaml", """
                        # written by cloud-init
                        network:
                          version: 2
                          ethernets:
                            eth0:
                              dhcp4: true
                        """);
        Inspection i = inspect(t, "netplan");
        assertThat(i.fights()).isTrue();
        Finding f = i.findings().getFirst();
        assertThat(f.file()).isEqualTo("/etc/netplan/50-cloud-init.yaml");
        assertThat(f.says()).contains("ethernets.eth0").contains("dhcp4: true");
        assertThat(f.fix()).contains("remove the eth0 entry");

        RootTree critical = tree("critical").healthyBase().file("/usr/sbin/netplan", "")
                .file("/etc/netplan/01.yaml", "network:\n  ethernets:\n    any:\n      match:\n        name: \"en*\"\n"
                        + "      dhcp4: true\n    eth0:\n      critical: true\n      dhcp4: false\n");
        assertThat(inspect(critical, "critical").findings()).isEmpty();
    }

    @Test
    void ifupdownDhcpStanzaForEth0IsReported() throws Exception {
        RootTree t = tree("ifupdown").healthyBase().enabledUnit("networking.service")
                .file("/etc/network/interfaces", "source /etc/network/interfaces.d/*\nauto lo\niface lo inet loopback\n")
                .file("/etc/network/interfaces.d/eth0", "allow-hotplug eth0\niface eth0 inet dhcp\n");
        Inspection i = inspect(t, "ifupdown");
        assertThat(i.fights()).isTrue();
        Finding f = i.findings().getFirst();
        assertThat(f.file()).isEqualTo("/etc/network/interfaces.d/eth0");
        assertThat(f.says()).contains("line 2: iface eth0 inet dhcp");
        assertThat(f.fix()).contains("iface eth0 inet manual");
    }

    @Test
    void enabledNetworkManagerFightsUnlessEth0IsUnmanaged() throws Exception {
        RootTree t = tree("nm").healthyBase().file("/usr/sbin/NetworkManager", "").enabledUnit("NetworkManager.service");
        Inspection i = inspect(t, "nm");
        assertThat(i.fights()).isTrue();
        assertThat(i.findings().getFirst().id()).isEqualTo("networkmanager");
        assertThat(i.findings().getFirst().fix()).contains("unmanaged-devices=interface-name:eth0");

        t.file("/etc/NetworkManager/conf.d/90-vmdesk.conf", "[keyfile]\nunmanaged-devices=interface-name:eth0\n");
        assertThat(inspect(t, "nm-unmanaged").findings()).isEmpty();

        RootTree masked = tree("nm-masked").healthyBase().file("/usr/sbin/NetworkManager", "")
                .link("/etc/systemd/system/NetworkManager.service", "/dev/null");
        assertThat(inspect(masked, "nm-masked").findings()).as("masked: it cannot start").isEmpty();
    }

    @Test
    void enabledDhcpClientsAndCloudInitAreReported() throws Exception {
        RootTree t = tree("units").healthyBase().enabledUnit("dhcpcd.service").enabledUnit("cloud-init.service");
        Inspection i = inspect(t, "units");
        assertThat(i.findings()).extracting(Finding::id).containsExactlyInAnyOrder("unit.dhcp-client", "unit.cloud-init");
        assertThat(i.fights()).isTrue();

        t.file("/etc/dhcpcd.conf", "denyinterfaces eth0\n")
                .file("/etc/cloud/cloud.cfg.d/99-vmdesk.cfg", "network: {config: disabled}\n")
                .link("/etc/systemd/system/connman.service", "/dev/null")
                .link("/etc/systemd/system/multi-user.target.wants/connman.service", "/usr/lib/systemd/system/connman.service");
        assertThat(inspect(t, "units-fixed").findings()).isEmpty();
    }

    @Test
    void missingVncServerAgentUnitAndIpPnpAreReportedButDoNotFight() throws Exception {
        RootTree t = tree("missing").link("/bin", "usr/bin").file("/usr/bin/Xvfb", "")
                .file("/usr/lib/systemd/system/" + MissingCheck.AGENT_UNIT, "[Unit]\n")
                .file("/boot/config-6.1.0-28-amd64", "CONFIG_NET=y\n# CONFIG_IP_PNP is not set\n");
        Inspection i = inspect(t, "missing");
        assertThat(i.fights()).isFalse();
        assertThat(i.findings()).extracting(Finding::id)
                .containsExactlyInAnyOrder("missing.vnc-server", "missing.agent-unit", "missing.ip-pnp");
        assertThat(i.findings()).extracting(Finding::severity).containsOnly(Severity.MISSING);
        Finding pnp = i.findings().stream().filter(f -> f.id().equals("missing.ip-pnp")).findFirst().orElseThrow();
        assertThat(pnp.file()).isEqualTo("/boot/config-6.1.0-28-amd64");
        assertThat(pnp.says()).contains("# CONFIG_IP_PNP is not set");
        Finding agent = i.findings().stream().filter(f -> f.id().equals("missing.agent-unit")).findFirst().orElseThrow();
        assertThat(agent.says()).contains("not enabled");
    }

    @Test
    void somethingThatIsNotExt4IsRefusedWithTheFix() throws Exception {
        Path junk = Files.write(tmp.resolve("disk.qcow2"), new byte[2 * 1024 * 1024]);
        assertThatThrownBy(() -> ImageInspector.inspect(junk)).isInstanceOf(ImageException.class)
                .hasMessageContaining("not an ext2/3/4 file system").hasMessageContaining("qemu-img convert");
        assertThatThrownBy(() -> ImageInspector.inspect(tmp.resolve("nope.ext4"))).isInstanceOf(ImageException.class)
                .hasMessageContaining("is not a file");
    }

    @Test
    void globsAndMatchListsFollowSystemd() {
        assertThat(NetworkdCheck.globList("en* eth*", "eth0")).isTrue();
        assertThat(NetworkdCheck.globList("!eth0", "eth0")).isFalse();
        assertThat(NetworkdCheck.globList("!wlan*", "eth0")).isTrue();
        assertThat(NetworkdCheck.dhcpv4("ipv6")).isFalse();
        assertThat(NetworkdCheck.dhcpv4("both")).isTrue();
        assertThat(Ext4Image.resolve("/etc/systemd/system/x.wants/a.service", "../a.service"))
                .isEqualTo("/etc/systemd/system/a.service");
        assertThat(List.of(NetworkManagerCheck.coversEth0("interface-name:eth*;mac:00:11:22:33:44:55"),
                NetworkManagerCheck.coversEth0("interface-name:wlan0"))).containsExactly(true, false);
    }
}
