package io.vmdesk.agent;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Parses and validates a recipe. Unknown fields are ignored so that the controller's providers file can grow; every
 * field the agent uses is checked, and a failure names it: {@code login.tokenUrl: must be an absolute http(s) URL}.
 */
public final class RecipeParser {
    public static final int DEFAULT_TIMEOUT_SECONDS = 600;
    public static final int MAX_TIMEOUT_SECONDS = 86_400;

    /** Parameters the PKCE flow sets itself; {@code extraParams} may not override them. */
    static final Set<String> RESERVED_AUTHORIZE_PARAMS = Set.of("response_type", "client_id", "redirect_uri", "scope",
            "state", "code_challenge", "code_challenge_method");
    /** Variables the agent sets for the CLI itself. */
    static final Set<String> RESERVED_ENV = Set.of("HOME", "BROWSER");

    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern REDIRECT_PATH = Pattern.compile("/[A-Za-z0-9._~!$&'()*+,;=:@/%-]*");
    private static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private RecipeParser() {}

    public static Recipe parse(String json) throws RecipeException {
        JsonNode root;
        try {
            root = JSON.readTree(json == null ? "" : json);
        } catch (JsonProcessingException e) {
            var loc = e.getLocation();
            throw new RecipeException("recipe is not valid JSON" + (loc == null ? "" : " at line " + loc.getLineNr()
                    + " column " + loc.getColumnNr()) + ": " + Scrubber.detail(e.getOriginalMessage(), 160, List.of()));
        }
        if (root == null || root.isMissingNode()) {
            throw new RecipeException("recipe is empty");
        }
        if (!root.isObject()) {
            throw new RecipeException("recipe must be a JSON object");
        }
        String provider = text(root, "provider", "provider", true);
        JsonNode loginNode = object(root, "login", "login");
        String type = text(loginNode, "type", "login.type", true);
        Recipe.Login login = switch (type) {
            case "pkce" -> pkce(loginNode);
            case "cli" -> cli(loginNode);
            default -> throw new RecipeException("login.type: must be \"pkce\" or \"cli\" (got \""
                    + Scrubber.detail(type, 40, List.of()) + "\")");
        };
        List<Recipe.Harvest> harvest = harvest(root.get("harvest"));
        Duration timeout = timeout(root.get("timeoutSeconds"));
        return new Recipe(provider, login, harvest, timeout);
    }

    private static Recipe.PkceLogin pkce(JsonNode login) throws RecipeException {
        URI authorizeUrl = httpUrl(login, "authorizeUrl", "login.authorizeUrl", true);
        URI tokenUrl = httpUrl(login, "tokenUrl", "login.tokenUrl", false);
        String clientId = text(login, "clientId", "login.clientId", true);
        String clientSecret = text(login, "clientSecret", "login.clientSecret", false);
        List<String> scopes = stringList(login.get("scopes"), "login.scopes", false);
        for (String scope : scopes) {
            if (scope.isBlank() || scope.chars().anyMatch(c -> c <= ' ' || c == '"' || c == '\\' || c > '~')) {
                throw new RecipeException("login.scopes: each scope must be a non-empty word of printable ASCII");
            }
        }
        String redirectPath = text(login, "redirectPath", "login.redirectPath", false);
        if (redirectPath == null) {
            redirectPath = "/callback";
        } else if (!REDIRECT_PATH.matcher(redirectPath).matches()) {
            throw new RecipeException("login.redirectPath: must be a URL path starting with / (no query or fragment)");
        }
        Map<String, String> extra = stringMap(login.get("extraParams"), "login.extraParams");
        for (String key : extra.keySet()) {
            if (key.isBlank()) {
                throw new RecipeException("login.extraParams: parameter names must not be empty");
            }
            if (RESERVED_AUTHORIZE_PARAMS.contains(key)) {
                throw new RecipeException("login.extraParams." + key + ": is set by the agent and cannot be overridden");
            }
        }
        return new Recipe.PkceLogin(authorizeUrl, tokenUrl, clientId, clientSecret, scopes, redirectPath, extra);
    }

    private static Recipe.CliLogin cli(JsonNode login) throws RecipeException {
        List<String> command = stringList(login.get("command"), "login.command", true);
        if (command.isEmpty()) {
            throw new RecipeException("login.command: must name the program to run, e.g. [\"codex\", \"login\"]");
        }
        if (command.get(0).isBlank()) {
            throw new RecipeException("login.command[0]: must name the program to run");
        }
        Map<String, String> env = stringMap(login.get("env"), "login.env");
        for (String name : env.keySet()) {
            if (!ENV_NAME.matcher(name).matches()) {
                throw new RecipeException("login.env: '" + Scrubber.detail(name, 40, List.of())
                        + "' is not a valid environment variable name");
            }
            if (RESERVED_ENV.contains(name) || name.startsWith("VMDESK_")) {
                throw new RecipeException("login.env." + name + ": is set by the agent and cannot be overridden");
            }
        }
        return new Recipe.CliLogin(command, env);
    }

    private static List<Recipe.Harvest> harvest(JsonNode node) throws RecipeException {
        if (node == null || node.isNull()) {
            throw new RecipeException("harvest: is missing (list the credential files to hand back)");
        }
        if (!node.isArray() || node.isEmpty()) {
            throw new RecipeException("harvest: must be a non-empty array of {\"path\": …, \"required\": […]}");
        }
        List<Recipe.Harvest> out = new ArrayList<>();
        Set<String> seen = new java.util.HashSet<>();
        for (int i = 0; i < node.size(); i++) {
            String where = "harvest[" + i + "]";
            JsonNode h = node.get(i);
            if (!h.isObject()) {
                throw new RecipeException(where + ": must be an object with \"path\" and \"required\"");
            }
            String path = text(h, "path", where + ".path", true);
            String problem = homePathProblem(path);
            if (problem != null) {
                throw new RecipeException(where + ".path: " + problem);
            }
            if (!seen.add(expand(Path.of("/home"), path).toString())) {
                throw new RecipeException(where + ".path: names the same file as an earlier entry");
            }
            List<String> required = stringList(h.get("required"), where + ".required", false);
            for (int j = 0; j < required.size(); j++) {
                String syntax = JsonPaths.syntaxProblem(required.get(j));
                if (syntax != null) {
                    throw new RecipeException(where + ".required[" + j + "]: " + syntax + " (e.g. tokens.access_token)");
                }
            }
            out.add(new Recipe.Harvest(path, required));
        }
        return List.copyOf(out);
    }

    /**
     * Harvest paths are confined to HOME: they must start with {@code ~/} and may not climb out with {@code ..}. The
     * agent reads, sends and then destroys these files, so an absolute path is refused.
     */
    static String homePathProblem(String path) {
        if (!path.startsWith("~/") || path.length() == 2) {
            return "must start with ~/ and name a file under the agent's HOME (got '"
                    + Scrubber.detail(path, 80, List.of()) + "')";
        }
        if (path.indexOf('\0') >= 0) {
            return "must not contain NUL";
        }
        for (String segment : path.substring(2).split("/")) {
            if (segment.equals("..")) {
                return "must not contain '..'";
            }
        }
        if (path.endsWith("/")) {
            return "must name a file, not a directory";
        }
        return null;
    }

    /** {@code ~} or {@code ~/x} → under {@code home}; anything else unchanged. */
    public static Path expand(Path home, String path) {
        if (path.equals("~")) {
            return home;
        }
        if (path.startsWith("~/")) {
            return home.resolve(path.substring(2)).normalize();
        }
        return Path.of(path);
    }

    /** For environment values: expands a leading {@code ~} to HOME. */
    public static String expandValue(Path home, String value) {
        if (value.equals("~") || value.startsWith("~/")) {
            return expand(home, value).toString();
        }
        return value;
    }

    private static Duration timeout(JsonNode node) throws RecipeException {
        if (node == null || node.isNull()) {
            return Duration.ofSeconds(DEFAULT_TIMEOUT_SECONDS);
        }
        if (!node.isIntegralNumber() || node.asLong() < 1 || node.asLong() > MAX_TIMEOUT_SECONDS) {
            throw new RecipeException("timeoutSeconds: must be a whole number from 1 to " + MAX_TIMEOUT_SECONDS);
        }
        return Duration.ofSeconds(node.asLong());
    }

    private static JsonNode object(JsonNode parent, String field, String where) throws RecipeException {
        JsonNode n = parent.get(field);
        if (n == null || n.isNull()) {
            throw new RecipeException(where + ": is missing");
        }
        if (!n.isObject()) {
            throw new RecipeException(where + ": must be an object");
        }
        return n;
    }

    private static String text(JsonNode parent, String field, String where, boolean required) throws RecipeException {
        JsonNode n = parent.get(field);
        if (n == null || n.isNull()) {
            if (required) {
                throw new RecipeException(where + ": is missing");
            }
            return null;
        }
        if (!n.isTextual()) {
            throw new RecipeException(where + ": must be a string");
        }
        if (required && n.asText().isBlank()) {
            throw new RecipeException(where + ": must not be empty");
        }
        return n.asText();
    }

    private static URI httpUrl(JsonNode parent, String field, String where, boolean queryAllowed)
            throws RecipeException {
        String raw = text(parent, field, where, true);
        URI uri;
        try {
            uri = new URI(raw);
        } catch (URISyntaxException e) {
            throw new RecipeException(where + ": is not a valid URL (" + e.getReason() + ")");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
            throw new RecipeException(where + ": must be an absolute http(s) URL");
        }
        if (uri.getRawFragment() != null || uri.getRawUserInfo() != null || (!queryAllowed && uri.getRawQuery() != null)) {
            throw new RecipeException(where + ": must not carry " + (queryAllowed ? "" : "a query, ")
                    + "a fragment or user info");
        }
        return uri;
    }

    private static List<String> stringList(JsonNode n, String where, boolean required) throws RecipeException {
        if (n == null || n.isNull()) {
            if (required) {
                throw new RecipeException(where + ": is missing");
            }
            return List.of();
        }
        if (!n.isArray()) {
            throw new RecipeException(where + ": must be an array of strings");
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n.size(); i++) {
            if (!n.get(i).isTextual()) {
                throw new RecipeException(where + "[" + i + "]: must be a string");
            }
            out.add(n.get(i).asText());
        }
        return List.copyOf(out);
    }

    private static Map<String, String> stringMap(JsonNode n, String where) throws RecipeException {
        if (n == null || n.isNull()) {
            return Map.of();
        }
        if (!n.isObject()) {
            throw new RecipeException(where + ": must be an object of string values");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : n.properties()) {
            if (!e.getValue().isTextual()) {
                throw new RecipeException(where + "." + e.getKey() + ": must be a string");
            }
            out.put(e.getKey(), e.getValue().asText());
        }
        return java.util.Collections.unmodifiableMap(out);
    }
}
