package io.vmdesk.cli;

import io.vmdesk.config.Config;
import io.vmdesk.config.ConfigException;
import java.nio.file.Path;
import java.util.Map;

/** Loads the configuration for a command, or prints every problem with its fix and names the exit status. */
final class ConfigLoading {
    static final int EXIT_CONFIG = 2;

    private ConfigLoading() {
    }

    static Config loadOrExplain(Map<String, String> environment, Path envFile) throws ExitException {
        try {
            return Config.load(environment, envFile);
        } catch (ConfigException e) {
            StringBuilder out = new StringBuilder("vmdesk: refusing to start, the configuration has "
                    + e.problems().size() + " problem(s):\n");
            for (ConfigException.Problem p : e.problems()) {
                out.append("  - ").append(p.variable()).append(": ").append(p.message()).append('\n');
                if (p.fix() != null && !p.fix().isBlank()) {
                    out.append("    fix: ").append(p.fix()).append('\n');
                }
            }
            System.err.print(out);
            throw new ExitException(EXIT_CONFIG);
        }
    }

    /** Unwinds a command with an exit status after its message was printed. */
    static final class ExitException extends Exception {
        final int status;

        ExitException(int status) {
            super(null, null, false, false);
            this.status = status;
        }
    }
}
