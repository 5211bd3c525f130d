package io.vmdesk.image;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A guest root filesystem laid out in a directory, turned into a real ext4 image with {@code mkfs.ext4 -d} (no mount,
 * no root needed), as vmdesk's golden image would be.
 */
final class RootTree {
    private final Path root;

    RootTree(Path root) throws IOException {
        this.root = Files.createDirectories(root);
    }

    RootTree file(String path, String text) throws IOException {
        Path p = root.resolve(path.substring(1));
        Files.createDirectories(p.getParent());
        Files.writeString(p, text, StandardCharsets.UTF_8);
        return this;
    }

    RootTree link(String path, String target) throws IOException {
        Path p = root.resolve(path.substring(1));
        Files.createDirectories(p.getParent());
        Files.createSymbolicLink(p, Path.of(target));
        return this;
    }

    /** A unit file in /usr/lib/systemd/system, enabled as systemctl would (a link in multi-user.target.wants). */
    RootTree enabledUnit(String unit) throws IOException {
        file("/usr/lib/systemd/system/" + unit, "[Unit]\nDescription=" + unit + "\n[Install]\nWantedBy=multi-user.target\n");
        return link("/etc/systemd/system/multi-user.target.wants/" + unit, "/usr/lib/systemd/system/" + unit);
    }

    /** What every healthy vmdesk image has: a merged /usr, a VNC server, the agent's unit enabled, an ip= kernel. */
    RootTree healthyBase() throws IOException {
        link("/bin", "usr/bin");
        file("/usr/bin/x11vnc", "#!/bin/sh\n");
        enabledUnit(MissingCheck.AGENT_UNIT);
        return file("/boot/config-6.1.0-vmdesk", "CONFIG_NET=y\nCONFIG_IP_PNP=y\n");
    }

    Path build(Path image) throws IOException, InterruptedException {
        Process mkfs = new ProcessBuilder("mkfs.ext4", "-q", "-F", "-d", root.toString(), image.toString(), "8M")
                .redirectErrorStream(true).start();
        String out = new String(mkfs.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (mkfs.waitFor() != 0) {
            throw new IOException("mkfs.ext4 -d " + root + " failed: " + out);
        }
        return image;
    }
}
