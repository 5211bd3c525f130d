package io.vmdesk.doctor;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vmdesk.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The predecessor's evening as one script, through {@code vmdesk doctor --netns}: a bridge at 192.168.0.1/16 and a
 * .env with VM_IP_POOL_START/VM_IP_POOL_END give both root causes with their fixes; after --fix and correcting the
 * names everything passes; then a READY guest loses its address and doctor says it stopped answering ARP and points
 * at its log.
 */
class DoctorScenarioTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path temp;

    private record Run(int exit, String out) {
        JsonNode json() throws Exception {
            return JSON.readTree(out);
        }

        List<JsonNode> failures(String id) throws Exception {
            List<JsonNode> out = new ArrayList<>();
            for (JsonNode c : json().get("checks")) {
                if (c.get("id").asText().equals(id) && c.get("status").asText().equals("fail")) {
                    out.add(c);
                }
            }
            return out;
        }
    }

    private static Run doctor(String... args) {
        PrintStream original = System.out;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        int exit;
        try (PrintStream capture = new PrintStream(buffer, true, StandardCharsets.UTF_8)) {
            System.setOut(capture);
            List<String> argv = new ArrayList<>(List.of("doctor"));
            argv.addAll(List.of(args));
            exit = new CommandLine(new Main()).execute(argv.toArray(String[]::new));
        } finally {
            System.setOut(original);
        }
        String out = buffer.toString(StandardCharsets.UTF_8);
        System.out.println(out);
        return new Run(exit, out);
    }

    @Test
    void aMissingEnvFileOrNamespaceIsRefusedWithExitStatusTwo() {
        assertThat(doctor("--env-file", temp.resolve("missing.env").toString()).exit()).isEqualTo(2);
        assertThat(doctor("--netns", "vmdesk-no-such-namespace").exit()).isEqualTo(2);
    }

    @Test
    void fixRefusesAnUnusableConfigurationRatherThanFixTheHostTowardsTheDefaults() throws Exception {
        try (DoctorLab lab = DoctorLab.create(temp, Map.of())) {
            lab.sh("ip", "addr", "flush", "dev", "br0");
            Path env = Files.writeString(temp.resolve("broken.env"), "INTERNAL_NETWORK=10.0.0.0/33\nBRIDGE_DEVICE=br0\n"
                    + "DATA_DIR=" + temp + "\n");
            assertThat(doctor("--fix", "--netns", lab.ns.name(), "--env-file", env.toString()).exit()).isEqualTo(2);
            // nothing was changed: the bridge still has no address
            assertThat(lab.sh("ip", "-4", "addr", "show", "dev", "br0")).doesNotContain("inet ");
        }
    }

    @Test
    void thePredecessorsEveningInOneScript() throws Exception {
        try (DoctorLab lab = DoctorLab.create(temp, Map.of())) {
            String ns = lab.ns.name();
            lab.sh("ip", "addr", "flush", "dev", "br0");
            lab.sh("ip", "addr", "add", "192.168.0.1/16", "dev", "br0");
            Path env = temp.resolve("vmdesk.env");
            Files.writeString(env, "VM_IP_POOL_START=192.168.100.2\nVM_IP_POOL_END=192.168.100.254\nBRIDGE_DEVICE=br0\n"
                    + "DATA_DIR=" + temp + "\n");

            Run first = doctor("--json", "--netns", ns, "--env-file", env.toString());
            assertThat(first.exit()).isEqualTo(1);
            List<JsonNode> names = first.failures("config.variables");
            assertThat(names).extracting(c -> c.get("target").asText())
                    .containsExactly("VM_IP_POOL_START", "VM_IP_POOL_END");
            assertThat(names.get(0).get("fix").asText()).contains("rename VM_IP_POOL_START to IP_POOL_START");
            JsonNode bridge = first.failures("bridge.address").get(0);
            assertThat(bridge.get("evidence").asText()).contains("br0 has 192.168.0.1/16").contains("192.168.100.1/24");
            assertThat(bridge.get("fix").asText())
                    .contains("ip addr del 192.168.0.1/16 dev br0 && ip addr add 192.168.100.1/24 dev br0");
            assertThat(first.json().get("summary").get("fail").asInt()).isEqualTo(3);

            Run fixed = doctor("--json", "--fix", "--netns", ns, "--env-file", env.toString());
            assertThat(fixed.json().get("changed").toString()).contains("fixed bridge br0");
            assertThat(fixed.failures("bridge.address")).isEmpty();
            assertThat(lab.sh("ip", "-4", "-o", "addr", "show", "dev", "br0")).contains("192.168.100.1/24")
                    .doesNotContain("192.168.0.1");
            Files.writeString(env, "IP_POOL_START=192.168.100.2\nIP_POOL_END=192.168.100.254\nBRIDGE_DEVICE=br0\n"
                    + "DATA_DIR=" + temp + "\n");
            Run clean = doctor("--netns", ns, "--env-file", env.toString());
            assertThat(clean.exit()).as(clean.out()).isZero();
            assertThat(clean.out()).contains("0 warn, 0 fail");

            DoctorLab.Guest guest = lab.start();
            assertThat(doctor("--netns", ns, "--env-file", env.toString()).exit()).isZero();
            lab.sh("ip", "-n", guest.namespace(), "addr", "del", guest.address() + "/24", "dev", "eth0");
            Run lost = doctor("--json", "--netns", ns, "--env-file", env.toString());
            assertThat(lost.exit()).isEqualTo(1);
            JsonNode arp = lost.failures("guest.arp").get(0);
            assertThat(arp.get("target").asText()).contains(guest.id());
            assertThat(arp.get("evidence").asText()).contains("stopped answering ARP")
                    .contains(guest.address() + " is gone");
            Path logs = temp.resolve("sessions").resolve(guest.id()).resolve("logs");
            assertThat(arp.get("fix").asText()).contains("read the guest's log " + logs);

            Run text = doctor("--netns", ns, "--env-file", env.toString());
            assertThat(text.out()).contains("FAIL  guest.arp").contains("seen:").contains("fix:");
        }
    }
}
