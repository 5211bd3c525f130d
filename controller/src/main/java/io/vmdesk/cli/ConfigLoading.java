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

    /** @param envFile the --env-file given, or null for ./.env when it exists */
    static Config loadOrExplain(Map<String, String> environment, Path envFile) throws ExitException {
        if (envFile != null && !java.nio.file.Files.isRegularFile(envFile)) {
            System.err.println("vmdesk: --env-file " + envFile + " does not exist (or is not a file); "
                    + "fix the path, or leave the option out to read ./.env when there is one");
            throw new ExitException(EXIT_CONFIG);
        }
        try {
            return Config.load(environment, envFile != null ? envFile : Path.of(".env"));
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
