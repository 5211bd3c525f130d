package io.vmdesk.install;

import java.nio.file.Path;

/**
 * Where an installation puts things, below {@code prefix} ("/" for a real host): the application in
 * {@code /opt/vmdesk}, its configuration in {@code /etc/vmdesk}, its state in {@code /var/lib/vmdesk}, the unit in
 * {@code /etc/systemd/system}. A prefix other than "/" builds the same tree elsewhere (tests, packaging).
 */
public record InstallLayout(Path prefix) {
    public static final String SERVICE = "vmdesk.service";

    public InstallLayout {
        prefix = prefix.toAbsolutePath().normalize();
    }

    public Path appDir() {
        return prefix.resolve("opt/vmdesk");
    }

    public Path launcher() {
        return appDir().resolve("vmdesk");
    }

    public Path configDir() {
        return prefix.resolve("etc/vmdesk");
    }

    public Path envFile() {
        return configDir().resolve("vmdesk.env");
    }

    public Path envExample() {
        return configDir().resolve("vmdesk.env.example");
    }

    public Path dataDir() {
        return prefix.resolve("var/lib/vmdesk");
    }

    public Path unitFile() {
        return prefix.resolve("etc/systemd/system").resolve(SERVICE);
    }

    /** {@code vmdesk} on the PATH of a shell (a link to the launcher). */
    public Path command() {
        return prefix.resolve("usr/local/bin/vmdesk");
    }

    public Path bashCompletion() {
        return prefix.resolve("etc/bash_completion.d/vmdesk");
    }

    public boolean isSystem() {
        return prefix.getParent() == null;
    }
}
