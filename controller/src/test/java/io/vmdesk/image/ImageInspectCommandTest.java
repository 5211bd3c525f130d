package io.vmdesk.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vmdesk.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code vmdesk image inspect} as a user runs it: text, JSON, exit status. */
class ImageInspectCommandTest {
    @TempDir
    Path tmp;

    @BeforeAll
    static void e2fsprogs() {
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/debugfs")) && Files.isExecutable(Path.of("/usr/sbin/mkfs.ext4")),
                "e2fsprogs (debugfs, mkfs.ext4) is not installed: apt-get install e2fsprogs");
    }

    private record Run(int exit, String out, String err) {
    }

    private static Run run(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int exit;
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            exit = new CommandLine(new Main()).execute(args);
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        return new Run(exit, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }

    @Test
    void dhcpNetworkFileFailsWithTheFileAndTheFixInTextAndJson() throws Exception {
        Path image = new RootTree(tmp.resolve("dhcp")).healthyBase().enabledUnit("systemd-networkd.service")
                .file("/etc/systemd/network/20-wired.network", "[Match]\nName=eth0\n[Network]\nDHCP=yes\n")
                .build(tmp.resolve("dhcp.ext4"));

        Run text = run("image", "inspect", image.toString());
        assertThat(text.exit()).isEqualTo(1);
        assertThat(text.out()).contains("FIGHT").contains("/etc/systemd/network/20-wired.network")
                .contains("says: ").contains("DHCP=yes").contains("fix:  ").contains("KeepConfiguration=yes")
                .contains("1 fight ip=");

        Run json = run("image", "inspect", "--json", image.toString());
        assertThat(json.exit()).isEqualTo(1);
        JsonNode report = new ObjectMapper().readTree(json.out());
        assertThat(report.get("summary").get("fight").asInt()).isEqualTo(1);
        assertThat(report.get("summary").get("fightsIpConfig").asBoolean()).isTrue();
        JsonNode finding = report.get("findings").get(0);
        assertThat(finding.get("severity").asText()).isEqualTo("fight");
        assertThat(finding.get("file").asText()).isEqualTo("/etc/systemd/network/20-wired.network");
        assertThat(finding.get("fix").asText()).contains("KeepConfiguration=yes");
    }

    @Test
    void cleanImagePassesAndMissingPiecesFailOnlyWithStrict() throws Exception {
        Path clean = new RootTree(tmp.resolve("clean")).healthyBase().build(tmp.resolve("clean.ext4"));
        Run ok = run("image", "inspect", clean.toString());
        assertThat(ok.exit()).as(ok.out() + ok.err()).isZero();
        assertThat(ok.out()).contains("nothing fights");

        Path bare = new RootTree(tmp.resolve("bare")).file("/etc/hostname", "guest\n").build(tmp.resolve("bare.ext4"));
        Run lenient = run("image", "inspect", bare.toString());
        assertThat(lenient.exit()).isZero();
        assertThat(lenient.out()).contains("MISSING").contains("missing.vnc-server").contains("missing.agent-unit");
        assertThat(run("image", "inspect", "--strict", bare.toString()).exit()).isEqualTo(1);
    }

    @Test
    void unreadableImageExitsTwoNamingTheFix() throws Exception {
        Run missing = run("image", "inspect", tmp.resolve("absent.ext4").toString());
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).contains("is not a file").doesNotContain("Exception");
    }
}
