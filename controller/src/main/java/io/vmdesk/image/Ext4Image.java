package io.vmdesk.image;

import io.vmdesk.host.HostCommandException;
import io.vmdesk.host.HostCommands;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads an ext4 image without mounting it, through e2fsprogs' {@code debugfs} in read-only catastrophic mode
 * ({@code -c}: no bitmaps are read, which makes each call fast on multi-GiB images). Mounting would need a loop
 * device and root, and would replay the journal; debugfs does neither. Paths are absolute paths inside the image;
 * debugfs itself resolves symbolic links in directories along the way (inside the image, so {@code /bin → usr/bin}
 * works), this class resolves a final symbolic link.
 */
public final class Ext4Image {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final Pattern FAST_LINK = Pattern.compile("Fast link dest: \"(.*)\"");
    private static final int MAX_LINKS = 8;

    private final HostCommands cmd;
    private final Path image;

    /** One entry of a directory listing. */
    public record Entry(String name, Type type) {
    }

    public enum Type { DIRECTORY, FILE, SYMLINK, OTHER }

    private Ext4Image(HostCommands cmd, Path image) {
        this.cmd = cmd;
        this.image = image;
    }

    /** Opens {@code image}; fails with the reason and the fix when it is no ext2/3/4 file system or debugfs is missing. */
    public static Ext4Image open(Path image) throws ImageException {
        if (!Files.isRegularFile(image)) {
            throw new ImageException(image + " is not a file; give the path of an ext4 image (a root filesystem such"
                    + " as ROOTFS_IMAGE)");
        }
        Ext4Image reader = new Ext4Image(new HostCommands(), image);
        HostCommands.Result r = reader.debugfs("stats -h");
        if (!r.ok() || r.stderr().contains("while trying to open") || !r.stdout().contains("Filesystem magic number")) {
            String why = r.stderr().lines().filter(l -> !l.startsWith("debugfs ")).findFirst().orElse("").strip();
            throw new ImageException(image + " is not an ext2/3/4 file system that debugfs can read (" + why + "); "
                    + "give a raw ext4 image, not a partitioned disk or a qcow2 file (qemu-img convert -O raw first)");
        }
        return reader;
    }

    public Path path() {
        return image;
    }

    /** The entries of directory {@code dir} ({@code .} and {@code ..} left out); empty when there is no such directory. */
    public List<Entry> list(String dir) throws ImageException {
        HostCommands.Result r = debugfs("ls -p " + quote(dir));
        List<Entry> entries = new ArrayList<>();
        // -p: /inode/mode/uid/gid/name/size/ (mode in octal)
        for (String line : r.stdout().lines().toList()) {
            String[] f = line.split("/", -1);
            if (f.length < 7 || f[5].equals(".") || f[5].equals("..") || f[5].isEmpty()) {
                continue;
            }
            entries.add(new Entry(f[5], typeOf(f[2])));
        }
        return entries;
    }

    private static Type typeOf(String octalMode) {
        int mode;
        try {
            mode = Integer.parseInt(octalMode, 8);
        } catch (NumberFormatException e) {
            return Type.OTHER;
        }
        return switch (mode & 0170000) {
            case 0040000 -> Type.DIRECTORY;
            case 0100000 -> Type.FILE;
            case 0120000 -> Type.SYMLINK;
            default -> Type.OTHER;
        };
    }

    /** Whether {@code path} exists (a final symbolic link counts, whatever it points to). */
    public boolean exists(String path) throws ImageException {
        return inodeType(path).isPresent();
    }

    private Optional<String> inodeType(String path) throws ImageException {
        HostCommands.Result r = debugfs("stat " + quote(path));
        Matcher m = Pattern.compile("Type: (\\w+)").matcher(r.stdout());
        return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    }

    /** The target of symbolic link {@code path}, or empty when it is no symbolic link (or does not exist). */
    public Optional<String> readLink(String path) throws ImageException {
        HostCommands.Result r = debugfs("stat " + quote(path));
        if (!r.stdout().contains("Type: symlink")) {
            return Optional.empty();
        }
        Matcher m = FAST_LINK.matcher(r.stdout());
        if (m.find()) {
            return Optional.of(m.group(1));
        }
        return Optional.of(debugfs("cat " + quote(path)).stdout().strip()); // a long target lives in a data block
    }

    /** The text of file {@code path}, following symbolic links inside the image; empty when missing or no file. */
    public Optional<String> read(String path) throws ImageException {
        String current = path;
        for (int i = 0; i < MAX_LINKS; i++) {
            Optional<String> type = inodeType(current);
            if (type.isEmpty()) {
                return Optional.empty();
            }
            switch (type.get()) {
                case "regular" -> {
                    return Optional.of(debugfs("cat " + quote(current)).stdout());
                }
                case "symlink" -> current = resolve(current, readLink(current).orElseThrow());
                default -> {
                    return Optional.empty();
                }
            }
        }
        return Optional.empty(); // a loop of links: nothing a service could read either
    }

    /** Where link {@code link} (in the image) pointing at {@code target} leads, as an absolute path in the image. */
    static String resolve(String link, String target) {
        if (target.startsWith("/")) {
            return Path.of(target).normalize().toString();
        }
        Path parent = Path.of(link).getParent();
        return (parent == null ? Path.of("/") : parent).resolve(target).normalize().toString();
    }

    private HostCommands.Result debugfs(String request) throws ImageException {
        try {
            return cmd.run(TIMEOUT, "debugfs", "-c", "-R", request, image.toString());
        } catch (HostCommandException e) {
            throw new ImageException("debugfs (e2fsprogs) cannot run: " + e.getMessage() + "; install it: apt-get install "
                    + "e2fsprogs");
        }
    }

    /** debugfs splits its request on blanks unless the argument is in double quotes; those cannot be escaped. */
    private static String quote(String path) throws ImageException {
        if (path.contains("\"") || path.contains("\n")) {
            throw new ImageException("cannot read " + path + " with debugfs (a quote or newline in the name)");
        }
        return "\"" + path + "\"";
    }
}
