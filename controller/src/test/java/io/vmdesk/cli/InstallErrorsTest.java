package io.vmdesk.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An install that cannot write its layout says what is wrong with which path, not just the path. */
class InstallErrorsTest {
    @TempDir
    Path dir;

    @Test
    void aFileInTheWayOfADirectoryIsNamedAsSuch() throws IOException {
        Path blocker = Files.writeString(dir.resolve("etc"), "not a directory");
        IOException e = catchFrom(() -> Files.createDirectories(blocker.resolve("vmdesk")));
        assertThat(InstallCommand.reason(e)).contains(blocker.toString()).containsAnyOf("in the way", "not a directory");
    }

    @Test
    void aReadOnlyFileSystemSaysSo() {
        IOException e = catchFrom(() -> Files.createDirectories(Path.of("/proc/vmdesk-install-test")));
        assertThat(InstallCommand.reason(e)).contains("/proc/vmdesk-install-test").doesNotStartWith("/proc");
    }

    private interface Io {
        void run() throws IOException;
    }

    private static IOException catchFrom(Io io) {
        try {
            io.run();
        } catch (IOException e) {
            return e;
        }
        throw new AssertionError("expected an IOException");
    }
}
