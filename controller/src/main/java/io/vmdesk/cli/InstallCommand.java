package io.vmdesk.cli;

import io.vmdesk.install.InstallLayout;
import io.vmdesk.install.Installer;
import io.vmdesk.install.SystemdUnit;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code vmdesk install}: lays an unpacked distribution out on this host (or below --prefix). */
@Command(name = "install", description = "Install this distribution (from ./vmdesk dist): /opt/vmdesk, "
        + "/etc/vmdesk/vmdesk.env, /var/lib/vmdesk, a systemd unit, `vmdesk` on the PATH and its bash completion. "
        + "Run again to upgrade: vmdesk.env and the data are kept.")
final class InstallCommand implements Callable<Integer> {
    static final int EXIT_NOT_A_DISTRIBUTION = 2;
    static final int EXIT_FAILED = 1;

    @Option(names = "--prefix", defaultValue = "/", paramLabel = "DIR",
            description = "install below DIR instead of / (default: ${DEFAULT-VALUE})")
    Path prefix;

    @Option(names = "--print-unit", description = "only print the systemd unit for this prefix")
    boolean printUnit;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        InstallLayout layout = new InstallLayout(prefix);
        if (printUnit) {
            System.out.print(SystemdUnit.render(layout));
            return 0;
        }
        String home = System.getProperty("vmdesk.home");
        Path distribution = home == null ? null : Path.of(home);
        if (!Installer.isDistribution(distribution)) {
            System.err.println("vmdesk: install runs from a distribution, and " + (home == null ? "this" : home)
                    + " is a source tree: build one with ./vmdesk dist, unpack the tarball it names and run "
                    + "./vmdesk install there");
            return EXIT_NOT_A_DISTRIBUTION;
        }
        try {
            for (String line : new Installer(distribution, layout).install(
                    AutoComplete.bash("vmdesk", spec.root().commandLine()))) {
                System.out.println(line);
            }
        } catch (IOException e) {
            System.err.println("vmdesk: install failed: " + reason(e));
            return EXIT_FAILED;
        }
        System.out.println();
        System.out.println("next: edit " + layout.envFile() + " (check it with `vmdesk config --env-file "
                + layout.envFile() + "`), then");
        System.out.println(layout.isSystem() ? "      systemctl daemon-reload && systemctl enable --now vmdesk"
                : "      copy " + layout.unitFile() + " to /etc/systemd/system/ or run its ExecStart line");
        return 0;
    }

    /** The JDK's file exceptions often carry just the path; say what went wrong with it and what to do. */
    static String reason(IOException e) {
        if (e instanceof java.nio.file.AccessDeniedException a) {
            return "permission denied: " + a.getFile() + " (run it as root, or give --prefix a directory you own)";
        }
        if (e instanceof java.nio.file.NoSuchFileException n) {
            return "no such file or directory: " + n.getFile() + (n.getReason() != null ? " (" + n.getReason() + ")" : "");
        }
        if (e instanceof java.nio.file.NotDirectoryException n) {
            return "not a directory: " + n.getFile() + " (a file is in the way of the layout; move it or choose another"
                    + " --prefix)";
        }
        if (e instanceof java.nio.file.FileAlreadyExistsException f) {
            return "already exists and is in the way: " + f.getFile() + " (move it or choose another --prefix)";
        }
        if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
            return f.getReason().toLowerCase(java.util.Locale.ROOT) + ": " + f.getFile();
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
}
