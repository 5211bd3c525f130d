package io.vmdesk.config;

import io.vmdesk.config.ConfigException.Problem;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Where a controller configured by this environment and {@code .env} file answers, for clients on the same host
 * ({@code vmdesk session}): its PUBLIC_URL, else the loopback at its PORT. Read the way the controller reads them —
 * the process environment wins over the file, a blank value counts as unset — and checked with the same rules, so
 * the client and the controller never disagree about a value. Only PORT and PUBLIC_URL are looked at: the rest of
 * the file is the controller's business.
 */
public final class ControllerAddress {
    private ControllerAddress() {
    }

    /**
     * @param dotEnv the .env file (null or missing: none)
     * @return the controller's base URL, without a trailing slash
     * @throws ConfigException naming the variable, where it came from and the fix
     */
    public static String baseUrl(Map<String, String> environment, Path dotEnv) throws ConfigException {
        List<Problem> problems = new ArrayList<>();
        DotEnvFile file = DotEnvFile.read(dotEnv, problems);
        // a malformed line elsewhere in the file does not hide PORT or PUBLIC_URL; only their own problems count
        problems.removeIf(p -> !p.variable().equals("PORT") && !p.variable().equals("PUBLIC_URL")
                && !p.message().startsWith("cannot read"));
        String publicUrl = value(environment, file, "PUBLIC_URL", problems);
        String port = value(environment, file, "PORT", problems);
        String url = null;
        if (publicUrl != null) {
            try {
                url = Values.publicUrl(publicUrl);
            } catch (Values.Invalid e) {
                problems.add(new Problem("PUBLIC_URL", "PUBLIC_URL " + where(environment, "PUBLIC_URL", dotEnv)
                        + " " + e.getMessage(), "set it to the controller's address, e.g. PUBLIC_URL=https://desk.example.com"));
            }
        } else {
            try {
                url = "http://127.0.0.1:" + (port == null ? 4000 : Values.port(port));
            } catch (Values.Invalid e) {
                problems.add(new Problem("PORT", "PORT " + where(environment, "PORT", dotEnv) + " " + e.getMessage(),
                        "set PORT to the controller's port, a whole number from 1 to 65535 (e.g. PORT=4000)"));
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return url;
    }

    private static String value(Map<String, String> environment, DotEnvFile file, String name, List<Problem> problems) {
        String fromEnvironment = environment.get(name);
        if (fromEnvironment != null && !fromEnvironment.isBlank()) {
            return fromEnvironment.strip();
        }
        return file.entries().stream().filter(e -> e.name().equals(name)).map(DotEnvFile.Entry::value)
                .filter(v -> !v.isBlank()).map(String::strip).findFirst().orElse(null);
    }

    private static String where(Map<String, String> environment, String name, Path dotEnv) {
        String fromEnvironment = environment.get(name);
        return fromEnvironment != null && !fromEnvironment.isBlank() ? "(from the environment)"
                : "(from " + dotEnv + ")";
    }
}
