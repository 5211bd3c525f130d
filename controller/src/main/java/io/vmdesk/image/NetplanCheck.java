package io.vmdesk.image;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * netplan's YAML. At boot netplan's generator renders {@code network.ethernets} into networkd or NetworkManager
 * configuration; an entry for eth0 with {@code dhcp4: true}, or without {@code critical: true} (rendered as
 * KeepConfiguration=), takes eth0 from the kernel. netplan files are read with a small parser of YAML's block style
 * (what netplan files use); a file in flow style is judged by its text.
 */
final class NetplanCheck {
    static final List<String> DIRS = List.of("/etc/netplan", "/run/netplan", "/lib/netplan", "/usr/lib/netplan");
    private static final Pattern DHCP4_TEXT = Pattern.compile("dhcp4\\s*:\\s*(true|yes|on)");

    private NetplanCheck() {
    }

    static List<Finding> run(Ext4Image image) throws ImageException {
        Map<String, String> effective = new TreeMap<>();
        for (String dir : DIRS) {
            for (Ext4Image.Entry e : image.list(dir)) {
                if (e.name().endsWith(".yaml") || e.name().endsWith(".yml")) {
                    effective.putIfAbsent(e.name(), dir + "/" + e.name());
                }
            }
        }
        if (effective.isEmpty()) {
            return List.of();
        }
        boolean active = image.exists("/usr/lib/systemd/system-generators/netplan")
                || image.exists("/lib/systemd/system-generators/netplan") || image.exists("/usr/sbin/netplan");
        List<Finding> findings = new ArrayList<>();
        for (String path : effective.values()) {
            String text = image.read(path).orElse("");
            List<String> problems = text.contains("{") ? flowStyle(text) : blockStyle(text);
            if (problems.isEmpty()) {
                continue;
            }
            Severity severity = active ? Severity.FIGHT : Severity.WARN;
            String activity = active ? "netplan's generator renders it at every boot"
                    : "netplan is not installed: inert until it is";
            findings.add(new Finding(severity, "netplan", path, String.join("; ", problems) + " — " + activity,
                    "in " + path + " remove the eth0 entry (or set dhcp4: false and critical: true on it), or delete "
                            + "the file: eth0 is configured by the kernel's ip="));
        }
        return findings;
    }

    private static List<String> flowStyle(String text) {
        List<String> problems = new ArrayList<>();
        if (text.contains("eth0") || DHCP4_TEXT.matcher(text).find()) {
            problems.add("configures ethernets (flow style): " + text.strip().replaceAll("\\s+", " "));
        }
        return problems;
    }

    /** Flattens block-style YAML into dotted keys ("network.ethernets.eth0.dhcp4" → "true"), then judges each entry. */
    static List<String> blockStyle(String text) {
        Map<String, String> flat = new LinkedHashMap<>();
        List<int[]> indents = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        for (String raw : text.split("\n")) {
            String line = raw.replaceAll("\\s+#.*$", "");
            if (line.isBlank() || line.strip().startsWith("#") || line.strip().startsWith("-")) {
                continue;
            }
            int indent = line.length() - line.stripLeading().length();
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            while (!indents.isEmpty() && indents.getLast()[0] >= indent) {
                indents.removeLast();
                keys.removeLast();
            }
            String key = unquote(line.substring(0, colon).strip());
            String value = unquote(line.substring(colon + 1).strip());
            indents.add(new int[] {indent});
            keys.add(key);
            if (!value.isEmpty()) {
                flat.put(String.join(".", keys), value);
            } else {
                flat.putIfAbsent(String.join(".", keys), "");
            }
        }
        List<String> problems = new ArrayList<>();
        Map<String, Map<String, String>> ethernets = new LinkedHashMap<>();
        flat.forEach((k, v) -> {
            if (k.startsWith("network.ethernets.")) {
                String rest = k.substring("network.ethernets.".length());
                int dot = rest.indexOf('.');
                String id = dot < 0 ? rest : rest.substring(0, dot);
                ethernets.computeIfAbsent(id, x -> new LinkedHashMap<>()).put(dot < 0 ? "" : rest.substring(dot + 1), v);
            }
        });
        ethernets.forEach((id, settings) -> {
            String name = settings.getOrDefault("match.name", settings.containsKey("match.macaddress")
                    || settings.containsKey("match.driver") ? null : id);
            boolean matches = name == null ? NetworkdCheck.glob(settings.getOrDefault("match.driver", "*"), "virtio_net")
                    && !settings.containsKey("match.macaddress") : NetworkdCheck.glob(name, "eth0");
            if (!matches) {
                return;
            }
            boolean dhcp4 = UnitFile.truthy(settings.getOrDefault("dhcp4", "no"));
            boolean critical = UnitFile.truthy(settings.getOrDefault("critical", "no"));
            if (dhcp4) {
                problems.add("ethernets." + id + " (matches eth0) has dhcp4: " + settings.get("dhcp4"));
            } else if (!critical) {
                problems.add("ethernets." + id + " (matches eth0) without critical: true, rendered without "
                        + "KeepConfiguration=");
            }
        });
        return problems;
    }

    private static String unquote(String s) {
        if (s.length() >= 2 && (s.startsWith("\"") && s.endsWith("\"") || s.startsWith("'") && s.endsWith("'"))) {
            return s.substring(1, s.length() - 1);
        }
        return s;
    }
}
