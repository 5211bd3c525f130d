package io.vmdesk.install;

import io.vmdesk.config.Setting;
import java.util.Map;

/**
 * Operator documentation rendered from {@link Setting}, the one table of settings: the commented example {@code .env}
 * and the operator guide's reference table. Nothing here is written by hand, so neither can drift from the code.
 */
public final class SettingsReference {
    private SettingsReference() {
    }

    /**
     * A commented {@code .env}: every variable with its meaning, default, expected form and an example, commented
     * out; those in {@code active} are set (uncommented) to the value given.
     */
    public static String envFile(Map<Setting, String> active) {
        StringBuilder out = new StringBuilder();
        out.append("# vmdesk configuration, read by `vmdesk serve --env-file FILE`; check it with `vmdesk config --env-file FILE`.\n");
        out.append("# Generated from the controller's settings table: every variable with its meaning, default and an example.\n");
        out.append("# Uncomment a line to change a value. The environment overrides this file.\n");
        for (Setting s : Setting.values()) {
            out.append('\n');
            out.append("# ").append(s.name()).append(": ").append(s.description()).append('\n');
            out.append("#   default: ").append(s.defaultText()).append('\n');
            out.append("#   expected: ").append(s.expected()).append('\n');
            if (s.secret()) {
                out.append("#   secret: keep this file mode 0600; vmdesk never prints the value\n");
            }
            if (active.containsKey(s)) {
                out.append(s.name()).append('=').append(active.get(s)).append('\n');
            } else {
                out.append('#').append(s.name()).append('=').append(s.example()).append('\n');
            }
        }
        return out.toString();
    }

    /** The operator guide's table of every variable (Markdown). */
    public static String markdown() {
        StringBuilder out = new StringBuilder();
        out.append("| variable | meaning | default | expected | example |\n");
        out.append("|---|---|---|---|---|\n");
        for (Setting s : Setting.values()) {
            out.append("| `").append(s.name()).append("` | ").append(cell(s.description()))
                    .append(s.secret() ? " **Secret**: never shown by vmdesk." : "")
                    .append(" | ").append(cell(s.defaultText()))
                    .append(" | ").append(cell(s.expected()))
                    .append(" | `").append(s.example().replace("|", "\\|")).append("` |\n");
        }
        return out.toString();
    }

    private static String cell(String text) {
        return text.replace("|", "\\|");
    }
}
