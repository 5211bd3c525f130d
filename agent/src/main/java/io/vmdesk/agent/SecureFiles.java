package io.vmdesk.agent;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Private files (0600 in 0700 directories) and wiping: overwrite with zeros, sync, delete. */
final class SecureFiles {
    private SecureFiles() {}

    /**
     * Creates missing parent directories (0700), each recorded in {@code createdDirs}, then writes {@code content}
     * to {@code file} with mode 0600. Refuses to write through a symbolic link.
     */
    static void writePrivate(Path file, byte[] content, List<Path> createdDirs) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        List<Path> missing = new ArrayList<>();
        for (Path p = parent; p != null && !Files.exists(p, LinkOption.NOFOLLOW_LINKS); p = p.getParent()) {
            missing.add(0, p);
        }
        for (Path dir : missing) {
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            createdDirs.add(dir);
        }
        if (Files.isSymbolicLink(file)) {
            throw new IOException("refusing to write through a symbolic link");
        }
        try (FileChannel ch = FileChannel.open(file,
                Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING,
                        LinkOption.NOFOLLOW_LINKS),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            ByteBuffer buf = ByteBuffer.wrap(content);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        }
    }

    /**
     * Overwrites a regular file with zeros, syncs it and deletes it. A symbolic link is only removed, never followed.
     *
     * @return true if something was there to wipe
     */
    static boolean wipe(Path file) throws IOException {
        if (Files.isSymbolicLink(file)) {
            Files.deleteIfExists(file);
            return true;
        }
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        Object links = Files.getAttribute(file, "unix:nlink", LinkOption.NOFOLLOW_LINKS);
        // a file with other names (hard links) is not only ours: remove our name, never overwrite its content
        if (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) && Integer.valueOf(1).equals(links)) {
            try (FileChannel ch = FileChannel.open(file, Set.of(StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS))) {
                long size = ch.size();
                ByteBuffer zeros = ByteBuffer.allocate(64 * 1024);
                long written = 0;
                while (written < size) {
                    zeros.clear();
                    zeros.limit((int) Math.min(zeros.capacity(), size - written));
                    written += ch.write(zeros, written);
                }
                ch.force(true);
            }
        }
        Files.delete(file);
        return true;
    }

    /** Wipes every file below {@code dir}, then removes the directory tree. */
    static void wipeTree(Path dir) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        List<Path> all;
        try (var walk = Files.walk(dir)) {
            all = new ArrayList<>(walk.toList());
        }
        all.sort((a, b) -> Integer.compare(b.getNameCount(), a.getNameCount()));
        for (Path p : all) {
            if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                Files.deleteIfExists(p);
            } else {
                wipe(p);
            }
        }
    }
}
