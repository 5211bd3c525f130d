package io.vmdesk.e2e;

import io.vmdesk.cli.TestGuest;
import java.nio.file.Path;

/** The VM drivers' test guest, built (or found in its cache) by the repository's own script. */
final class TestGuestImage {
    final Path kernel;
    final Path initrd;

    private TestGuestImage(Path dir) {
        this.kernel = dir.resolve("vmlinuz");
        this.initrd = dir.resolve("initrd.gz");
    }

    /** Runs images/test-guest/build.sh; a failed build fails the test with the script's output. */
    static TestGuestImage build() throws Exception {
        return new TestGuestImage(TestGuest.build());
    }
}
