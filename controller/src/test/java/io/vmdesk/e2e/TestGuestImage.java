package io.vmdesk.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The VM drivers' test guest, built (or found in its cache) by the repository's own script. */
final class TestGuestImage {
    final Path kernel;
    final Path initrd;

    private TestGuestImage(Path dir) {
        this.kernel = dir.resolve("vmlinuz");
        this.initrd = dir.resolve("initrd.gz");
    }

    /** Runs images/test-guest/build.sh; a failed build fails the test with the script's output. */
    static TestGuestImage build() throws IOException, InterruptedException {
        Path root = Path.of("").toAbsolutePath();
        while (!Files.exists(root.resolve("images/test-guest/build.sh"))) {
            root = root.getParent();
            if (root == null) {
                throw new AssertionError("images/test-guest/build.sh not found above " + Path.of("").toAbsolutePath());
            }
        }
        Process build = new ProcessBuilder(root.resolve("images/test-guest/build.sh").toString())
                .redirectErrorStream(false).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(build.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!build.waitFor(5, TimeUnit.MINUTES) || build.exitValue() != 0) {
            throw new AssertionError("images/test-guest/build.sh failed: " + out);
        }
        List<String> lines = out.lines().toList();
        return new TestGuestImage(Path.of(lines.getLast().trim()));
    }
}
