package io.vmdesk.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The predecessor's exact failures, replayed against the real controller: it must refuse to start and say why,
 * instead of handing out live views of guests nobody can reach.
 */
@Timeout(180)
class StartupRefusalTest {

    @Test
    void theOldEnvNamesAreRefusedWithDidYouMean() throws Exception {
        try (ControllerProcess controller = ControllerProcess.start(Map.of(), host -> { }, "serve")) {
            // the first launch succeeded with defaults; now write the predecessor's .env and start again
            controller.stop(Duration.ofSeconds(60));
            Files.writeString(controller.dataDir.resolve(".env"), """
                    VM_IP_POOL_START=192.168.100.2
                    VM_IP_POOL_END=192.168.100.254
                    BRIDGE_DEVICE=br0
                    """);
            controller.launch();
            assertThat(controller.awaitExit(Duration.ofSeconds(60))).isEqualTo(2);
            assertThat(controller.log())
                    .contains("VM_IP_POOL_START").contains("did you mean IP_POOL_START?")
                    .contains("VM_IP_POOL_END").contains("did you mean IP_POOL_END?");
        }
    }

    @Test
    void aBridgeAt192_168_0_1_16IsRefusedWithTheFixAndRepairedOnlyWithTheFlag() throws Exception {
        try (ControllerProcess controller = ControllerProcess.start(
                Map.of("IP_POOL_START", "192.168.100.2", "IP_POOL_END", "192.168.100.254"),
                host -> {
                    host.runChecked(Duration.ofSeconds(5), "ip", "link", "add", "br0", "type", "bridge");
                    host.runChecked(Duration.ofSeconds(5), "ip", "addr", "add", "192.168.0.1/16", "dev", "br0");
                }, "serve")) {
            assertThat(controller.awaitExit(Duration.ofSeconds(60))).isEqualTo(3);
            assertThat(controller.log()).contains("192.168.0.1/16").contains("192.168.100.1/24")
                    .contains("ip addr del 192.168.0.1/16 dev br0").contains("--fix-bridge");
            String addresses = controller.inNamespace.run(Duration.ofSeconds(5), "ip", "-o", "addr", "show", "br0")
                    .stdout();
            assertThat(addresses).as("nothing changed without the flag").contains("192.168.0.1/16");
        }
        try (ControllerProcess controller = ControllerProcess.start(Map.of(),
                host -> {
                    host.runChecked(Duration.ofSeconds(5), "ip", "link", "add", "br0", "type", "bridge");
                    host.runChecked(Duration.ofSeconds(5), "ip", "addr", "add", "192.168.0.1/16", "dev", "br0");
                }, "serve", "--fix-bridge")) {
            assertThat(controller.isAlive()).as(controller.log()).isTrue();
            String addresses = controller.inNamespace.run(Duration.ofSeconds(5), "ip", "-o", "addr", "show", "br0")
                    .stdout();
            assertThat(addresses).contains("192.168.100.1/24").doesNotContain("192.168.0.1/16");
        }
    }
}
