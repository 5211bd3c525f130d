package io.vmdesk.image;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A systemd-style ini file (units, {@code .network}, NetworkManager's conf): {@code [Section]} and
 * {@code Key=value} lines, {@code #}/{@code ;} comments, backslash continuations. Keys keep their order and
 * repetitions, since systemd accumulates some (Name=) and resets them on an empty assignment.
 */
record UnitFile(String path, List<Line> lines) {

    /** One assignment with its line number (1-based) and the line as written. */
    record Line(String section, String key, String value, int number, String text) {
    }

    static UnitFile parse(String path, String text) {
        List<Line> lines = new ArrayList<>();
        String section = "";
        String[] raw = text.split("\n", -1);
        for (int i = 0; i < raw.length; i++) {
            int number = i + 1;
            StringBuilder line = new StringBuilder(raw[i].strip());
            while (line.toString().endsWith("\\") && i + 1 < raw.length) {
                line.setLength(line.length() - 1);
                line.append(' ').append(raw[++i].strip());
            }
            String l = line.toString().strip();
            if (l.isEmpty() || l.startsWith("#") || l.startsWith(";")) {
                continue;
            }
            if (l.startsWith("[") && l.endsWith("]")) {
                section = l.substring(1, l.length() - 1).strip();
                continue;
            }
            int eq = l.indexOf('=');
            if (eq > 0) {
                lines.add(new Line(section, l.substring(0, eq).strip(), l.substring(eq + 1).strip(), number, l));
            }
        }
        return new UnitFile(path, List.copyOf(lines));
    }

    List<Line> in(String section) {
        return lines.stream().filter(l -> l.section().equalsIgnoreCase(section)).toList();
    }

    /** The last value of {@code key} in {@code section} (systemd's rule for single-valued settings). */
    java.util.Optional<Line> last(String section, String key) {
        Line found = null;
        for (Line l : in(section)) {
            if (l.key().equalsIgnoreCase(key)) {
                found = l;
            }
        }
        return java.util.Optional.ofNullable(found);
    }

    /** systemd's boolean parsing: 1/yes/y/true/t/on. */
    static boolean truthy(String value) {
        return List.of("1", "yes", "y", "true", "t", "on").contains(value.strip().toLowerCase(Locale.ROOT));
    }
}
