package io.vmdesk.cli.session;

import io.vmdesk.config.ConfigException;
import io.vmdesk.config.ControllerAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import picocli.CommandLine.Option;

/** Where the controller is and how to talk to it: shared by every {@code vmdesk session} subcommand. */
public final class ControllerOptions {
    @Option(names = "--url", paramLabel = "URL", description = "the controller's base URL, http:// or https:// "
            + "(default: $VMDESK_URL, else PUBLIC_URL, else http://127.0.0.1:PORT, PORT 4000 when unset; PUBLIC_URL and "
            + "PORT from the environment, else the env file, as the controller reads them)")
    String url;

    @Option(names = "--env-file", paramLabel = "FILE", description = "the controller's .env file to read PUBLIC_URL "
            + "and PORT from (default: ./.env when it exists), as serve --env-file")
    Path envFile;

    @Option(names = "--api-key", paramLabel = "KEY", description = "a platform API key (default: $VMDESK_API_KEY); "
            + "create one with ./vmdesk apikey create")
    String apiKey;

    @Option(names = "--json", description = "print the controller's JSON instead of text (for scripts)")
    boolean json;

    ControllerClient client() throws BadUsage {
        return client(System.getenv(), Path.of(".env"));
    }

    /** @param dotEnv the .env file read when --env-file is not given (the working directory's) */
    ControllerClient client(Map<String, String> env, Path dotEnv) throws BadUsage {
        String key = apiKey != null ? apiKey : env.get("VMDESK_API_KEY");
        return new ControllerClient(baseUrl(url, env, envFile, dotEnv), key);
    }

    /**
     * The controller's URL, found the way the controller finds its own configuration: --url, else VMDESK_URL, else
     * its PUBLIC_URL, else the loopback at its PORT, where PUBLIC_URL and PORT come from the environment over the env
     * file ({@code envFile}, which must exist, else {@code dotEnv} when it exists).
     */
    static String baseUrl(String url, Map<String, String> env, Path envFile, Path dotEnv) throws BadUsage {
        if (url != null && !url.isBlank()) {
            return checked(url.strip(), "--url '" + url.strip() + "'", "--url http://127.0.0.1:4000");
        }
        String fromEnvironment = env.get("VMDESK_URL");
        if (fromEnvironment != null && !fromEnvironment.isBlank()) {
            return checked(fromEnvironment.strip(), "VMDESK_URL '" + fromEnvironment.strip() + "'",
                    "VMDESK_URL=http://127.0.0.1:4000, or give --url");
        }
        if (envFile != null && !Files.isRegularFile(envFile)) {
            throw new BadUsage("--env-file " + envFile + " does not exist (or is not a file); fix the path, or leave "
                    + "the option out to read ./.env when there is one");
        }
        try {
            return ControllerAddress.baseUrl(env, envFile != null ? envFile : dotEnv);
        } catch (ConfigException e) {
            throw new BadUsage("cannot tell where the controller is: " + e.problems().stream()
                    .map(p -> p.message() + (p.fix() == null ? "" : "; fix: " + p.fix()))
                    .collect(Collectors.joining("; ")) + " (or give --url)");
        }
    }

    /** An http:// or https:// URL with a host, without a trailing slash; else what is wrong and an example. */
    private static String checked(String candidate, String what, String example) throws BadUsage {
        URI uri;
        try {
            uri = new URI(candidate);
        } catch (URISyntaxException e) {
            uri = null;
        }
        String scheme = uri == null || uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
            throw new BadUsage(what + " is not an http:// or https:// URL with a host name; give the controller's "
                    + "address, e.g. " + example);
        }
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        if (!path.isEmpty() && !path.equals("/") || uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new BadUsage(what + " has a path, query or fragment; give the controller's base address only, e.g. "
                    + example);
        }
        if (uri.getPort() == 0 || uri.getPort() > 65535) {
            throw new BadUsage(what + " has a port outside 1..65535; give the controller's address, e.g. " + example);
        }
        return candidate.endsWith("/") ? candidate.substring(0, candidate.length() - 1) : candidate;
    }

    /** The options or their defaults from the environment do not make sense: picocli's usage error (exit 2). */
    static final class BadUsage extends Exception {
        BadUsage(String message) {
            super(message, null, false, false);
        }
    }
}
