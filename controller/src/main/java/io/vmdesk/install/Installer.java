package io.vmdesk.install;

import io.vmdesk.config.Setting;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Lays a distribution out on a host ({@link InstallLayout}). Installing again is an upgrade: the application is
 * replaced, the example configuration and the unit are rewritten, the operator's {@code vmdesk.env} and the state in
 * the data directory are kept.
 */
public final class Installer {
    /** The file that marks a directory as an unpacked distribution (it holds the version). */
    public static final String MARKER = "DISTRIBUTION";

    private final Path distribution;
    private final InstallLayout layout;

    public Installer(Path distribution, InstallLayout layout) {
        this.distribution = distribution.toAbsolutePath().normalize();
        this.layout = layout;
    }

    public static boolean isDistribution(Path dir) {
        return dir != null && Files.isRegularFile(dir.resolve(MARKER))
                && Files.isRegularFile(dir.resolve("lib/vmdesk-controller.jar"));
    }

    /** @return what was done, one line each, for the operator */
    public List<String> install(String bashCompletion) throws IOException {
        if (layout.prefix().toString().chars().anyMatch(Character::isWhitespace)) {
            throw new IOException("the prefix " + layout.prefix() + " contains whitespace, which systemd's ExecStart= "
                    + "would split; choose another --prefix");
        }
        List<String> done = new ArrayList<>();
        if (!distribution.equals(layout.appDir())) {
            replaceTree(distribution, layout.appDir());
            done.add("application  " + layout.appDir());
        }
        Files.createDirectories(layout.configDir());
        Files.writeString(layout.envExample(), SettingsReference.envFile(Map.of()));
        done.add("example      " + layout.envExample());
        if (Files.exists(layout.envFile())) {
            done.add("kept         " + layout.envFile());
        } else {
            // secrets may go in here (DATABASE_URL, VAULT_MASTER_KEY): root only
            Files.createFile(layout.envFile(), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(layout.envFile(), SettingsReference.envFile(Map.of(Setting.DATA_DIR, layout.dataDir().toString())));
            done.add("config       " + layout.envFile());
        }
        Files.createDirectories(layout.dataDir());
        Files.setPosixFilePermissions(layout.dataDir(), PosixFilePermissions.fromString("rwx--x--x"));
        done.add("data         " + layout.dataDir());
        Files.createDirectories(layout.unitFile().getParent());
        Files.writeString(layout.unitFile(), SystemdUnit.render(layout));
        done.add("unit         " + layout.unitFile());
        Files.createDirectories(layout.command().getParent());
        Files.deleteIfExists(layout.command());
        Files.createSymbolicLink(layout.command(), layout.launcher());
        done.add("command      " + layout.command() + " -> " + layout.launcher());
        Files.createDirectories(layout.bashCompletion().getParent());
        Files.writeString(layout.bashCompletion(), bashCompletion);
        done.add("completion   " + layout.bashCompletion());
        return done;
    }

    /** Copies {@code from} to {@code to}, first removing what an older version left there (stale jars). */
    private static void replaceTree(Path from, Path to) throws IOException {
        if (Files.exists(to)) {
            try (Stream<Path> walk = Files.walk(to)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }
}
