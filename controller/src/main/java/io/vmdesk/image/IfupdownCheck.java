package io.vmdesk.image;

import java.util.ArrayList;
import java.util.List;

/**
 * ifupdown's /etc/network/interfaces (and the files it sources). networking.service brings up every
 * {@code auto}/{@code allow-hotplug} interface at boot: {@code iface eth0 inet dhcp} replaces the kernel's address,
 * {@code inet static} adds one of its own (harmless only if it equals ip='s); {@code inet manual} leaves eth0 alone.
 */
final class IfupdownCheck {
    static final String INTERFACES = "/etc/network/interfaces";

    private IfupdownCheck() {
    }

    private record Stanza(String file, int line, String text, String method) {
    }

    static List<Finding> run(Ext4Image image, SystemdUnits units) throws ImageException {
        List<String> files = new ArrayList<>();
        List<Stanza> stanzas = new ArrayList<>();
        boolean auto = false;
        List<String> pending = new ArrayList<>(List.of(INTERFACES));
        while (!pending.isEmpty() && files.size() < 64) {
            String path = pending.removeFirst();
            if (files.contains(path)) {
                continue;
            }
            files.add(path);
            String text = image.read(path).orElse("");
            String[] lines = text.split("\n");
            for (int i = 0; i < lines.length; i++) {
                String[] words = lines[i].replaceAll("#.*$", "").strip().split("\\s+");
                if (words.length >= 2 && (words[0].equals("auto") || words[0].startsWith("allow-"))) {
                    for (int w = 1; w < words.length; w++) {
                        auto |= words[w].equals("eth0");
                    }
                } else if (words.length >= 4 && words[0].equals("iface") && words[1].equals("eth0")
                        && words[2].equals("inet")) {
                    stanzas.add(new Stanza(path, i + 1, lines[i].strip(), words[3]));
                } else if (words.length == 2 && (words[0].equals("source") || words[0].equals("source-directory"))) {
                    pending.addAll(sourced(image, words[0], words[1]));
                }
            }
        }
        Stanza s = stanzas.stream().filter(x -> !x.method().equals("manual")).findFirst().orElse(null);
        if (s == null) {
            return List.of();
        }
        boolean enabled = units.enabledBy("networking.service").isPresent()
                || !units.enabledMatching("ifup@.service").isEmpty();
        boolean dhcp = s.method().equals("dhcp");
        Severity severity = dhcp && enabled && auto ? Severity.FIGHT : Severity.WARN;
        String why = dhcp ? "asks for DHCP on eth0" : "gives eth0 a " + s.method() + " configuration of its own "
                + "(harmless only if it equals ip='s address, gateway and netmask)";
        String state = !enabled ? "networking.service is not enabled: inert until it is"
                : !auto ? "no auto/allow-hotplug eth0: not brought up at boot" : "networking.service brings it up at boot";
        return List.of(new Finding(severity, "ifupdown.interfaces", s.file(),
                "line " + s.line() + ": " + s.text() + " — " + why + "; " + state,
                "in " + s.file() + " change it to `iface eth0 inet manual` (or remove the eth0 stanza and its auto line):"
                        + " eth0 is configured by the kernel's ip="));
    }

    /** The files a {@code source GLOB} or {@code source-directory DIR} line names (globs only in the last part). */
    private static List<String> sourced(Ext4Image image, String keyword, String target) throws ImageException {
        String dir;
        String glob;
        if (keyword.equals("source-directory")) {
            dir = target;
            glob = "*";
        } else {
            int slash = target.lastIndexOf('/');
            dir = slash <= 0 ? "/" : target.substring(0, slash);
            glob = target.substring(slash + 1);
        }
        List<String> found = new ArrayList<>();
        for (Ext4Image.Entry e : image.list(dir)) {
            if (e.type() != Ext4Image.Type.DIRECTORY && NetworkdCheck.glob(glob, e.name())) {
                found.add(dir + "/" + e.name());
            }
        }
        return found;
    }
}
