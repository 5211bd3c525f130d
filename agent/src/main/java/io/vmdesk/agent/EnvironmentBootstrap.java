package io.vmdesk.agent;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads {@code VMDESK_SESSION_ID}, {@code VMDESK_AGENT_URL} and {@code VMDESK_AGENT_TOKEN} from the environment.
 * The child environment it hands on has all three removed, and any other variable whose name or value contains the
 * token as well.
 *
 * <p>The JVM cannot unset its own environment, so the token stays visible in {@code /proc/<agent pid>/environ} to
 * processes of the same user; a bootstrap over MMDS would avoid that.
 */
public final class EnvironmentBootstrap implements AgentBootstrap {
    public static final String SESSION_ID = "VMDESK_SESSION_ID";
    public static final String AGENT_URL = "VMDESK_AGENT_URL";
    public static final String AGENT_TOKEN = "VMDESK_AGENT_TOKEN";

    private static final Pattern SESSION_ID_SHAPE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    private static final Pattern TOKEN_SHAPE = Pattern.compile("[\\x21-\\x7e]{8,4096}");

    private final Map<String, String> env;

    public EnvironmentBootstrap(Map<String, String> env) {
        this.env = Map.copyOf(env);
    }

    public static EnvironmentBootstrap fromProcess() {
        return new EnvironmentBootstrap(System.getenv());
    }

    @Override
    public AgentConfig load() throws BootstrapException {
        String sessionId = require(SESSION_ID, "the controller's login session id");
        if (!SESSION_ID_SHAPE.matcher(sessionId).matches()) {
            throw new BootstrapException(SESSION_ID + " must be 1-128 characters of A-Z a-z 0-9 . _ - (got '"
                    + Scrubber.detail(sessionId, 60, java.util.List.of()) + "')");
        }
        URI agentUrl = parseAgentUrl(require(AGENT_URL, "the controller's agent API, e.g. http://192.168.100.1:4000"));
        String token = require(AGENT_TOKEN, "the one-time bearer token the controller issued for this session");
        if (!TOKEN_SHAPE.matcher(token).matches()) {
            throw new BootstrapException(AGENT_TOKEN + " must be 8-4096 printable characters without spaces");
        }
        String homeValue = env.getOrDefault("HOME", "");
        if (homeValue.isBlank()) {
            throw new BootstrapException("HOME is not set (recipe paths starting with ~ resolve against it)");
        }
        Path home = Path.of(homeValue);
        if (!home.isAbsolute() || !Files.isDirectory(home)) {
            throw new BootstrapException("HOME must be an existing absolute directory (got '" + homeValue + "')");
        }
        Map<String, String> child = new LinkedHashMap<>();
        env.forEach((k, v) -> {
            boolean bootstrapVariable = k.equals(SESSION_ID) || k.equals(AGENT_URL) || k.equals(AGENT_TOKEN);
            if (!bootstrapVariable && !k.contains(token) && !v.contains(token)) {
                child.put(k, v);
            }
        });
        return new AgentConfig(sessionId, agentUrl, token, home.normalize(), child);
    }

    private String require(String name, String meaning) throws BootstrapException {
        String v = env.get(name);
        if (v == null || v.isBlank()) {
            throw new BootstrapException(name + " is not set (" + meaning + ")");
        }
        return v.strip();
    }

    private static URI parseAgentUrl(String raw) throws BootstrapException {
        String trimmed = raw.endsWith("/") ? raw.substring(0, raw.length() - 1) : raw;
        URI uri;
        try {
            uri = new URI(trimmed);
        } catch (URISyntaxException e) {
            throw new BootstrapException(AGENT_URL + " is not a URL: " + e.getReason());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
            throw new BootstrapException(AGENT_URL + " must be an absolute http(s) URL like http://192.168.100.1:4000");
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getRawUserInfo() != null) {
            throw new BootstrapException(AGENT_URL + " must not carry a query, a fragment or user info");
        }
        return uri;
    }
}
