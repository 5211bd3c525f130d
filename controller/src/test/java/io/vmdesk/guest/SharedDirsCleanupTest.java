package io.vmdesk.guest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A guest's uid is reused by the next session on its address: what it left in /tmp and /dev/shm goes at teardown,
 * and nothing of anyone else's. (Real files in the real /tmp and /dev/shm, under names of this test's own.)
 */
class SharedDirsCleanupTest {
    /** A guest uid no live session can have with a /24 pool (its low 16 bits would exceed 255). */
    private static final int UID = 1_999_999;

    @Test
    void theGuestsFilesInTheSharedDirectoriesGoOthersStay() throws Exception {
        String tag = "vmdesk-test-" + UUID.randomUUID().toString().substring(0, 8);
        Path secret = ownedBy(Files.writeString(Path.of("/tmp", tag + "-secret"), "refresh-token"), UID);
        Path dir = ownedBy(Files.createDirectory(Path.of("/tmp", tag + "-dir")), UID);
        ownedBy(Files.writeString(dir.resolve("inside"), "x"), UID);
        Path shm = ownedBy(Files.writeString(Path.of("/dev/shm", tag + "-shm"), "x"), UID);
        Path sticky = Files.createDirectory(Path.of("/tmp", tag + "-sticky"));
        Files.setPosixFilePermissions(sticky, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path nested = ownedBy(Files.writeString(sticky.resolve("socket-ish"), "x"), UID);
        Path someoneElses = ownedBy(Files.writeString(Path.of("/tmp", tag + "-other"), "keep"), UID + 1);
        try {
            NetnsGuestDriver.removeLeftInSharedDirs(UID);

            for (Path gone : new Path[] {secret, dir, shm, nested}) {
                assertThat(Files.exists(gone, LinkOption.NOFOLLOW_LINKS)).as(gone.toString()).isFalse();
            }
            assertThat(someoneElses).hasContent("keep");
            assertThat(sticky).isDirectory();
        } finally {
            for (Path p : new Path[] {someoneElses, nested, sticky, secret, shm}) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static Path ownedBy(Path path, int uid) throws Exception {
        Files.setAttribute(path, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
        return path;
    }
}
