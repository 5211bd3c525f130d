package io.vmdesk.image;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What systemd in the image would start: units enabled as symbolic links in {@code *.wants}/{@code *.requires}
 * directories (how {@code systemctl enable} and distribution presets record it), minus masked ones, and where a
 * unit's file is.
 */
final class SystemdUnits {
    /** Unit directories in systemd's order of precedence (the first wins). */
    static final List<String> UNIT_DIRS = List.of("/etc/systemd/system", "/usr/local/lib/systemd/system",
            "/usr/lib/systemd/system", "/lib/systemd/system");

    private final Ext4Image image;
    /** unit name → the link that enables it (the first one found) */
    private final Map<String, String> enabled = new LinkedHashMap<>();

    private SystemdUnits(Ext4Image image) {
        this.image = image;
    }

    static SystemdUnits read(Ext4Image image) throws ImageException {
        SystemdUnits units = new SystemdUnits(image);
        for (String dir : UNIT_DIRS) {
            for (Ext4Image.Entry e : image.list(dir)) {
                if (e.type() == Ext4Image.Type.DIRECTORY
                        && (e.name().endsWith(".wants") || e.name().endsWith(".requires"))) {
                    for (Ext4Image.Entry link : image.list(dir + "/" + e.name())) {
                        units.enabled.putIfAbsent(link.name(), dir + "/" + e.name() + "/" + link.name());
                    }
                }
            }
        }
        List<String> masked = new ArrayList<>();
        for (String unit : units.enabled.keySet()) {
            if (units.masked(unit)) {
                masked.add(unit);
            }
        }
        masked.forEach(units.enabled::remove);
        return units;
    }

    /** A unit linked to /dev/null in /etc (systemctl mask) never starts, enabled or not. */
    boolean masked(String unit) throws ImageException {
        return image.readLink("/etc/systemd/system/" + unit).map(t -> t.equals("/dev/null")).orElse(false);
    }

    /** The link that enables {@code unit} (an instance such as dhclient@eth0.service counts for its template too). */
    Optional<String> enabledBy(String unit) {
        return Optional.ofNullable(enabled.get(unit));
    }

    /** Every enabled unit whose name (or template name, for {@code name@x.service}) is {@code unit}. */
    Map<String, String> enabledMatching(String unit) {
        Map<String, String> found = new LinkedHashMap<>();
        String template = unit.contains("@") ? unit.substring(0, unit.indexOf('@') + 1) : null;
        enabled.forEach((name, link) -> {
            if (name.equals(unit) || (template != null && name.startsWith(template))) {
                found.put(name, link);
            }
        });
        return found;
    }

    /** Where the unit's file is (the highest-precedence directory holding it), if any. */
    Optional<String> unitFile(String unit) throws ImageException {
        for (String dir : UNIT_DIRS) {
            String path = dir + "/" + unit;
            if (image.exists(path)) {
                return Optional.of(path);
            }
        }
        return Optional.empty();
    }
}
