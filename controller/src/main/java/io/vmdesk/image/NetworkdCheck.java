package io.vmdesk.image;

import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * systemd-networkd's {@code .network} files. networkd applies to a link the first file, in lexical order of the
 * file names across its directories (a name in /etc hides the same name further down), whose [Match] matches it. If
 * that file for eth0 asks for DHCP, or lacks {@code KeepConfiguration=}, networkd replaces or flushes the address the
 * kernel set from {@code ip=} — the predecessor's fault.
 */
final class NetworkdCheck {
    /** networkd's directories in order of precedence. */
    static final List<String> DIRS = List.of("/etc/systemd/network", "/run/systemd/network",
            "/usr/local/lib/systemd/network", "/usr/lib/systemd/network", "/lib/systemd/network");
    /** What the guest's NIC looks like to [Match]: name eth0, type ether, driver virtio_net, inside a VM. */
    static final String LINK = "eth0";

    private NetworkdCheck() {
    }

    static List<Finding> run(Ext4Image image, SystemdUnits units) throws ImageException {
        if (units.masked("systemd-networkd.service")) {
            return List.of(); // masked (the golden image does this): it cannot start, whatever its files say
        }
        Map<String, String> effective = new TreeMap<>(); // file name → path of the copy that counts
        for (String dir : DIRS) {
            for (Ext4Image.Entry e : image.list(dir)) {
                if (e.name().endsWith(".network") && e.type() != Ext4Image.Type.DIRECTORY) {
                    effective.putIfAbsent(e.name(), dir + "/" + e.name());
                }
            }
        }
        Optional<String> enabledBy = units.enabledBy("systemd-networkd.service")
                .or(() -> units.enabledBy("systemd-networkd.socket"));
        boolean installed = units.unitFile("systemd-networkd.service").isPresent();
        for (Map.Entry<String, String> e : effective.entrySet()) {
            String path = e.getValue();
            Optional<String> text = image.read(path);
            if (text.isEmpty() || text.get().isBlank()) {
                continue; // masked (linked to /dev/null) or empty: networkd ignores it
            }
            StringBuilder all = new StringBuilder(text.get());
            for (String dropIn : dropIns(image, e.getKey())) {
                all.append('\n').append(image.read(dropIn).orElse(""));
            }
            UnitFile file = UnitFile.parse(path, all.toString());
            if (!matchesEth0(file)) {
                continue;
            }
            // The first matching file is the one networkd uses for eth0; later ones never apply to it.
            return judge(file, enabledBy, installed);
        }
        return List.of();
    }

    private static List<String> dropIns(Ext4Image image, String name) throws ImageException {
        List<String> found = new ArrayList<>();
        for (String dir : DIRS) {
            for (Ext4Image.Entry e : image.list(dir + "/" + name + ".d")) {
                if (e.name().endsWith(".conf")) {
                    found.add(dir + "/" + name + ".d/" + e.name());
                }
            }
        }
        return found;
    }

    private static List<Finding> judge(UnitFile file, Optional<String> enabledBy, boolean installed) {
        if (file.last("Link", "Unmanaged").map(l -> UnitFile.truthy(l.value())).orElse(false)) {
            return List.of(); // networkd leaves the link alone
        }
        Optional<UnitFile.Line> dhcp = file.last("Network", "DHCP");
        boolean dhcp4 = dhcp.map(l -> dhcpv4(l.value())).orElse(false);
        Optional<UnitFile.Line> keep = file.last("Network", "KeepConfiguration");
        boolean keeps = keep.map(l -> UnitFile.truthy(l.value()) || l.value().strip().equalsIgnoreCase("static"))
                .orElse(false);
        if (!dhcp4 && keeps) {
            return List.of();
        }
        List<String> said = new ArrayList<>();
        file.in("Match").forEach(l -> said.add(l.text()));
        dhcp.ifPresent(l -> said.add("line " + l.number() + ": " + l.text()));
        keep.ifPresentOrElse(l -> said.add("line " + l.number() + ": " + l.text()),
                () -> said.add("no KeepConfiguration="));
        String what = dhcp4 ? "asks for DHCP on eth0, which replaces the address the kernel set from ip="
                : "configures eth0 without KeepConfiguration=, so networkd flushes the address the kernel set from ip=";
        String fix = dhcp4
                ? "in " + file.path() + " remove " + dhcp.get().text() + " and add KeepConfiguration=yes under [Network]"
                        + " (or [Link] Unmanaged=yes, or delete the file): eth0 is configured by the kernel's ip="
                : "in " + file.path() + " add KeepConfiguration=yes under [Network] (or [Link] Unmanaged=yes, or delete"
                        + " the file)";
        Severity severity;
        if (enabledBy.isPresent()) {
            severity = Severity.FIGHT;
            said.add("systemd-networkd is enabled (" + enabledBy.get() + ")");
        } else {
            severity = Severity.WARN;
            said.add(installed ? "systemd-networkd is installed but not enabled: inert until it is"
                    : "systemd-networkd is not in the image: inert until it is installed and enabled");
        }
        return List.of(new Finding(severity, "networkd.network", file.path(), what + " — " + String.join("; ", said),
                fix));
    }

    static boolean dhcpv4(String value) {
        String v = value.strip().toLowerCase(Locale.ROOT);
        return UnitFile.truthy(v) || v.equals("ipv4") || v.equals("both");
    }

    /** Whether [Match] selects eth0 (a virtio NIC in a VM); settings it cannot judge count as matching. */
    static boolean matchesEth0(UnitFile file) {
        List<String> names = new ArrayList<>();
        for (UnitFile.Line l : file.in("Match")) {
            String key = l.key();
            String value = l.value();
            switch (key) {
                case "Name" -> {
                    if (value.isEmpty()) {
                        names.clear(); // an empty assignment resets the list
                    } else {
                        names.addAll(List.of(value.split("\\s+")));
                    }
                }
                case "Type" -> {
                    if (!globList(value, "ether")) {
                        return false;
                    }
                }
                case "Driver" -> {
                    if (!globList(value, "virtio_net")) {
                        return false;
                    }
                }
                case "Kind" -> {
                    if (!value.startsWith("!")) {
                        return false; // eth0 is a physical link: it has no kind
                    }
                }
                case "MACAddress", "PermanentMACAddress" -> {
                    if (!value.toLowerCase(Locale.ROOT).contains("02:fc:")) {
                        return false; // vmdesk gives each guest 02:fc:<its address>
                    }
                }
                case "Virtualization" -> {
                    if (List.of("no", "false", "0", "off", "container").contains(value.toLowerCase(Locale.ROOT))) {
                        return false;
                    }
                }
                default -> {
                    // Path=, Host=, KernelCommandLine=, Property=…: cannot be judged from the image; assume a match
                }
            }
        }
        return names.isEmpty() || globList(String.join(" ", names), LINK);
    }

    /** systemd's match lists: blank-separated globs, the whole list inverted when it starts with '!'. */
    static boolean globList(String list, String candidate) {
        String l = list.strip();
        boolean invert = l.startsWith("!");
        if (invert) {
            l = l.substring(1).strip();
        }
        boolean any = false;
        for (String glob : l.split("\\s+")) {
            if (!glob.isEmpty() && glob(glob, candidate)) {
                any = true;
                break;
            }
        }
        return invert != any;
    }

    static boolean glob(String glob, String candidate) {
        try {
            return FileSystems.getDefault().getPathMatcher("glob:" + glob).matches(Path.of(candidate));
        } catch (RuntimeException e) {
            return glob.equals(candidate);
        }
    }
}
