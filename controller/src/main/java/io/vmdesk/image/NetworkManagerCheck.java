package io.vmdesk.image;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * NetworkManager manages every device it is not told to leave alone, and by default creates an automatic DHCP
 * connection for a wired device ("Wired connection 1"). It fights ip= when enabled, unless its configuration lists
 * eth0 in {@code unmanaged-devices}.
 */
final class NetworkManagerCheck {
    static final String FIX_FILE = "/etc/NetworkManager/conf.d/90-vmdesk-eth0.conf";

    private NetworkManagerCheck() {
    }

    static List<Finding> run(Ext4Image image, SystemdUnits units) throws ImageException {
        Optional<String> binary = firstExisting(image, "/usr/sbin/NetworkManager", "/usr/bin/NetworkManager");
        Optional<String> enabledBy = units.enabledBy("NetworkManager.service");
        if (binary.isEmpty() && enabledBy.isEmpty() || units.masked("NetworkManager.service")) {
            return List.of();
        }
        Optional<String> unmanagedIn = unmanagedEth0(image);
        if (unmanagedIn.isPresent()) {
            return List.of();
        }
        String fix = "disable it (rm " + enabledBy.orElse("/etc/systemd/system/*.wants/NetworkManager.service")
                + ", or uninstall network-manager), or write " + FIX_FILE + " with `[keyfile]` and "
                + "`unmanaged-devices=interface-name:eth0`";
        if (enabledBy.isPresent()) {
            return List.of(new Finding(Severity.FIGHT, "networkmanager", enabledBy.get(), "NetworkManager is enabled and "
                    + "no NetworkManager configuration lists eth0 in unmanaged-devices: it manages eth0 (by default with "
                    + "an automatic DHCP connection)", fix));
        }
        return List.of(new Finding(Severity.WARN, "networkmanager", binary.get(), "NetworkManager is installed but not "
                + "enabled: inert until it is (eth0 is not in unmanaged-devices)", fix));
    }

    /** The configuration file that puts eth0 in unmanaged-devices, if any. */
    private static Optional<String> unmanagedEth0(Ext4Image image) throws ImageException {
        List<String> files = new ArrayList<>(List.of("/etc/NetworkManager/NetworkManager.conf"));
        for (String dir : List.of("/usr/lib/NetworkManager/conf.d", "/etc/NetworkManager/conf.d",
                "/run/NetworkManager/conf.d")) {
            for (Ext4Image.Entry e : image.list(dir)) {
                if (e.name().endsWith(".conf")) {
                    files.add(dir + "/" + e.name());
                }
            }
        }
        for (String path : files) {
            UnitFile conf = UnitFile.parse(path, image.read(path).orElse(""));
            for (UnitFile.Line l : conf.in("keyfile")) {
                if (l.key().equals("unmanaged-devices") && coversEth0(l.value())) {
                    return Optional.of(path);
                }
            }
        }
        return Optional.empty();
    }

    static boolean coversEth0(String list) {
        for (String item : list.split("[;,]")) {
            String i = item.strip();
            if (i.equals("*") || i.equals("type:ethernet") || i.equals("driver:virtio_net")
                    || i.startsWith("interface-name:") && NetworkdCheck.glob(i.substring("interface-name:".length())
                            .replaceFirst("^=", ""), "eth0")) {
                return true;
            }
        }
        return false;
    }

    static Optional<String> firstExisting(Ext4Image image, String... paths) throws ImageException {
        for (String p : paths) {
            if (image.exists(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }
}
