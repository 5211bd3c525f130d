package io.vmdesk.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Boots a real Firecracker guest through the session API. Runs only where Firecracker can: a {@code firecracker}
 * binary on PATH, a read-writable {@code /dev/kvm}, and an uncompressed kernel for it in FIRECRACKER_TEST_KERNEL
 * (Firecracker boots vmlinux, not the test guest's bzImage); elsewhere it reports itself skipped and says which is
 * missing. The contract tests (FirecrackerContractTest) cover the driver where it cannot run.
 */
@Timeout(180)
class FirecrackerSmokeTest {

    @Test
    void aFirecrackerGuestBecomesReadyAndDeleteLeavesNothing() throws Exception {
        ControllerProcess.assumeRoot();
        boolean onPath = System.getenv().getOrDefault("PATH", "").isEmpty() ? false
                : java.util.Arrays.stream(System.getenv("PATH").split(File.pathSeparator))
                        .anyMatch(d -> Files.isExecutable(Path.of(d, "firecracker")));
        assumeTrue(onPath, "skipped: no firecracker binary on PATH (install a release from"
                + " github.com/firecracker-microvm/firecracker/releases to run this smoke test)");
        Path kvm = Path.of("/dev/kvm");
        assumeTrue(Files.isReadable(kvm) && Files.isWritable(kvm), "skipped: /dev/kvm is missing or not read-writable");
        String kernel = System.getenv("FIRECRACKER_TEST_KERNEL");
        assumeTrue(kernel != null && Files.isReadable(Path.of(kernel)),
                "skipped: FIRECRACKER_TEST_KERNEL does not name a readable vmlinux for Firecracker");
        TestGuestImage guest = TestGuestImage.build();
        try (ControllerProcess controller = ControllerProcess.start(Map.of("GUEST_DRIVER", "firecracker",
                "KERNEL_IMAGE", kernel, "INITRD", guest.initrd.toString(), "SESSION_READY_TIMEOUT", "60s"))) {
            String id = controller.createSession("claude_code", "fc-user").get("sessionId").asText();
            JsonNode session = controller.awaitSettled(id, Duration.ofSeconds(90));
            assertThat(session.get("status").asText()).as(session.toPrettyString()).isEqualTo("READY");
            assertThat(controller.dataDir.resolve("vms").resolve(id).resolve("firecracker.sock")).exists();
            controller.delete("/api/auth/session/" + id);
            assertThat(controller.links("vmd")).isEmpty();
            assertThat(controller.dataDir.resolve("vms").resolve(id)).doesNotExist();
        }
    }
}
