package io.vmdesk.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The golden image's own layout (images/golden: its units, enabled as build.sh enables them, systemd-networkd masked
 * as build.sh masks it) passes {@code image inspect --strict}, without running debootstrap (minutes, network):
 * the agent unit has the name inspect looks for, and masking counts as "not started".
 */
class GoldenImageLayoutTest {
    @TempDir
    Path tmp;

    @Test
    void theGoldenUnitsOnADebianLikeRootPassInspection() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/debugfs")), "e2fsprogs is not installed: apt-get install e2fsprogs");
        Path units = Path.of("..", "images", "golden", "units");
        assumeTrue(Files.isDirectory(units), "images/golden/units not found from " + Path.of("").toAbsolutePath());
        RootTree root = new RootTree(tmp.resolve("root"));
        root.link("/bin", "usr/bin").file("/usr/bin/x11vnc", "").file("/usr/bin/Xvfb", "")
                // what Debian's systemd package ships, and what would fight ip= if it ran
                .file("/usr/lib/systemd/system/systemd-networkd.service", "[Unit]\n")
                .file("/usr/lib/systemd/system/systemd-networkd.socket", "[Unit]\n")
                .file("/usr/lib/systemd/network/80-container-host0.network", "[Match]\nVirtualization=container\n"
                        + "Name=host0\n[Network]\nDHCP=yes\n")
                .file("/usr/lib/systemd/network/99-default.network", "[Match]\nName=*\n[Network]\nDHCP=yes\n")
                // build.sh: systemctl mask systemd-networkd.service systemd-networkd.socket
                .link("/etc/systemd/system/systemd-networkd.service", "/dev/null")
                .link("/etc/systemd/system/systemd-networkd.socket", "/dev/null")
                .link("/etc/systemd/system/sockets.target.wants/systemd-networkd.socket",
                        "/usr/lib/systemd/system/systemd-networkd.socket");
        List<Path> unitFiles;
        try (Stream<Path> files = Files.list(units)) {
            unitFiles = files.filter(p -> p.toString().endsWith(".service")).sorted().toList();
        }
        assertThat(unitFiles).extracting(p -> p.getFileName().toString()).contains(MissingCheck.AGENT_UNIT);
        for (Path unit : unitFiles) {
            String name = unit.getFileName().toString();
            String text = Files.readString(unit);
            assertThat(text).as(name).contains("WantedBy=multi-user.target");
            root.file("/etc/systemd/system/" + name, text)
                    .link("/etc/systemd/system/multi-user.target.wants/" + name, "/etc/systemd/system/" + name);
        }
        Inspection inspection = ImageInspector.inspect(root.build(tmp.resolve("golden.ext4")));

        assertThat(inspection.findings()).as(inspection.toText()).isEmpty();

        // without the masks, the default catch-all DHCP file would fight ip= through the enabled socket
        root.link("/etc/systemd/system/multi-user.target.wants/systemd-networkd.service",
                "/usr/lib/systemd/system/systemd-networkd.service");
        Files.delete(tmp.resolve("root/etc/systemd/system/systemd-networkd.service"));
        Inspection unmasked = ImageInspector.inspect(root.build(tmp.resolve("unmasked.ext4")));
        assertThat(unmasked.fights()).isTrue();
        assertThat(unmasked.findings().getFirst().file()).isEqualTo("/usr/lib/systemd/network/99-default.network");
    }
}
