package io.vmdesk.app;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One controller per DATA_DIR. A second one would reconcile at start-up, that is remove every guest the store knows
 * (they look like a crashed controller's leftovers), and only then fail on the taken port: so the lock is taken
 * before anything else touches the store or the host. It is an advisory lock on {@code DATA_DIR/controller.lock}
 * holding the owner's pid; the kernel releases it when the process dies, however it dies, so a crashed controller
 * never leaves a stale lock.
 */
public final class DataDirLock implements AutoCloseable {
    static final String FILE = "controller.lock";

    private final FileChannel channel;
    private final FileLock lock;

    private DataDirLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** Takes the lock, or throws {@link HeldException} naming the controller that holds it. */
    public static DataDirLock acquire(Path dataDir) {
        Path file = dataDir.resolve(FILE);
        FileChannel channel;
        try {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open " + file + ": " + e.getMessage(), e);
        }
        try {
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException sameProcess) {
                lock = null;
            }
            if (lock == null) {
                String owner = readOwner(channel);
                channel.close();
                throw new HeldException("another vmdesk controller" + (owner.isEmpty() ? "" : " (pid " + owner + ")")
                        + " is running on DATA_DIR " + dataDir + "; stop it first (systemctl stop vmdesk, or end that"
                        + " `vmdesk serve`), or give this one another DATA_DIR");
            }
            channel.truncate(0);
            channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)),
                    0);
            return new DataDirLock(channel, lock);
        } catch (IOException e) {
            closeQuietly(channel);
            throw new UncheckedIOException("cannot lock " + file + ": " + e.getMessage(), e);
        }
    }

    private static String readOwner(FileChannel channel) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(32);
        channel.read(buffer, 0);
        return new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII).strip();
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // already failing: the first error is the one to report
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The DATA_DIR is in use by another controller: the host cannot run this one as configured. */
    public static final class HeldException extends RuntimeException {
        HeldException(String message) {
            super(message);
        }
    }
}
