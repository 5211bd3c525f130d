package io.vmdesk.agent;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

/**
 * The built-in login: authorization code with PKCE S256 (RFC 7636) and a loopback redirect on 127.0.0.1 with a
 * random port (RFC 8252 §7.3, §8.3). The listener accepts exactly one callback; a callback with the wrong
 * {@code state} is refused and ends the login (fail closed).
 */
final class PkceLoginFlow {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TOKEN_TIMEOUT = Duration.ofSeconds(30);

    private final HttpClient http;
    private final SecureRandom random;
    private final Events events;
    private final BrowserOpener browser;
    private final LongSupplier clockMillis;

    PkceLoginFlow(HttpClient http, SecureRandom random, Events events, BrowserOpener browser, LongSupplier clockMillis) {
        this.http = http;
        this.random = random;
        this.events = events;
        this.browser = browser;
        this.clockMillis = clockMillis;
    }

    List<Harvester.HarvestedFile> run(Recipe recipe, Recipe.PkceLogin login, Path home, Deadline deadline,
                                      Cleanup cleanup) throws LoginException {
        String verifier = Pkce.newVerifier(random);
        String state = Pkce.newState(random);
        Path target = RecipeParser.expand(home, recipe.harvest().get(0).path());

        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), 0), 8);
        } catch (IOException e) {
            throw new LoginException("cannot open the loopback listener: " + e.getClass().getSimpleName(), e);
        }
        ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "loopback-callback");
            t.setDaemon(true);
            return t;
        });
        try {
            URI redirectUri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + login.redirectPath());
            Callback callback = new Callback(login, state, verifier, redirectUri);
            server.createContext("/", callback::handle);
            server.setExecutor(executor);
            server.start();
            Log.info("loopback listener on 127.0.0.1:" + server.getAddress().getPort());

            URI authorize = authorizeUrl(login, redirectUri, state, Pkce.challengeS256(verifier));
            events.send(Events.LOGIN_STARTED, "provider " + recipe.provider() + ", PKCE login, waiting for the sign-in");
            try {
                browser.open(authorize);
            } catch (IOException e) {
                throw new LoginException("could not open the browser: " + e.getMessage(), e);
            }
            events.send(Events.BROWSER_OPENED, "sign-in page opened in the guest browser");

            ObjectNode tokens;
            try {
                tokens = callback.result.get(Math.max(1, deadline.remaining().toMillis()), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                throw new LoginException("timeout");
            } catch (ExecutionException e) {
                if (e.getCause() instanceof LoginException le) {
                    throw le;
                }
                throw new LoginException("login failed: " + e.getCause().getClass().getSimpleName(), e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new LoginException("interrupted");
            }

            try {
                SecureFiles.writePrivate(target, tokenFile(tokens, callback.receivedAtMillis), cleanup.createdDirs());
            } catch (IOException e) {
                throw new LoginException("cannot write " + recipe.harvest().get(0).path() + ": "
                        + e.getClass().getSimpleName(), e);
            }
            Harvester.Outcome outcome = Harvester.collect(home, recipe.harvest());
            if (!outcome.complete()) {
                throw new LoginException("token response saved, but " + outcome.problem());
            }
            return outcome.files();
        } finally {
            server.stop(0);
            executor.shutdownNow();
        }
    }

    /** The token response with {@code expires_at} (epoch ms) added when {@code expires_in} was given. */
    static byte[] tokenFile(ObjectNode tokens, long receivedAtMillis) {
        ObjectNode out = tokens.deepCopy();
        JsonNode expiresIn = tokens.get("expires_in");
        Long seconds = null;
        if (expiresIn != null && expiresIn.isNumber()) {
            seconds = expiresIn.asLong();
        } else if (expiresIn != null && expiresIn.isTextual() && expiresIn.asText().matches("\\d{1,12}")) {
            seconds = Long.parseLong(expiresIn.asText());
        }
        if (seconds != null) {
            out.put("expires_at", receivedAtMillis + seconds * 1000L);
        }
        try {
            byte[] json = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(out);
            byte[] withNewline = java.util.Arrays.copyOf(json, json.length + 1);
            withNewline[json.length] = '\n';
            return withNewline;
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static URI authorizeUrl(Recipe.PkceLogin login, URI redirectUri, String state, String challenge) {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("response_type", "code");
        params.put("client_id", login.clientId());
        params.put("redirect_uri", redirectUri.toString());
        if (!login.scopes().isEmpty()) {
            params.put("scope", String.join(" ", login.scopes()));
        }
        params.put("state", state);
        params.put("code_challenge", challenge);
        params.put("code_challenge_method", "S256");
        params.putAll(login.extraParams());
        String base = login.authorizeUrl().toString();
        String sep = login.authorizeUrl().getRawQuery() == null ? "?" : "&";
        return URI.create(base + sep + form(params));
    }

    static String form(Map<String, String> params) {
        List<String> parts = new ArrayList<>();
        params.forEach((k, v) -> parts.add(encode(k) + "=" + encode(v)));
        return String.join("&", parts);
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    static Map<String, List<String>> parseQuery(String rawQuery) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return out;
        }
        for (String pair : rawQuery.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            out.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
        }
        return out;
    }

    /** The single value of {@code name}, or null if absent or repeated (RFC 6749 §3.1). */
    private static String single(Map<String, List<String>> q, String name) {
        List<String> v = q.get(name);
        return v == null || v.size() != 1 ? null : v.get(0);
    }

    /** An OAuth error code reduced to its permitted characters (RFC 6749 §4.1.2.1), for reporting. */
    static String errorCode(String raw) {
        if (raw == null) {
            return "unknown";
        }
        String s = raw.replaceAll("[^A-Za-z0-9_.-]", "");
        return s.isEmpty() ? "unknown" : s.substring(0, Math.min(64, s.length()));
    }

    private final class Callback {
        final CompletableFuture<ObjectNode> result = new CompletableFuture<>();
        private final AtomicBoolean used = new AtomicBoolean();
        private final Recipe.PkceLogin login;
        private final byte[] state;
        private final String verifier;
        private final URI redirectUri;
        volatile long receivedAtMillis;

        Callback(Recipe.PkceLogin login, String state, String verifier, URI redirectUri) {
            this.login = login;
            this.state = state.getBytes(StandardCharsets.US_ASCII);
            this.verifier = verifier;
            this.redirectUri = redirectUri;
        }

        void handle(HttpExchange ex) {
            try (ex) {
                if (!ex.getRequestURI().getRawPath().equals(login.redirectPath())) {
                    page(ex, 404, "Not found", "Nothing here.");
                    return;
                }
                if (!"GET".equals(ex.getRequestMethod())) {
                    page(ex, 405, "Method not allowed", "The sign-in response must arrive as a GET.");
                    return;
                }
                if (!used.compareAndSet(false, true)) {
                    page(ex, 409, "Login already finished", "This login has already finished; close this window.");
                    return;
                }
                Map<String, List<String>> q = parseQuery(ex.getRequestURI().getRawQuery());
                String gotState = single(q, "state");
                if (gotState == null || !MessageDigest.isEqual(gotState.getBytes(StandardCharsets.UTF_8), state)) {
                    page(ex, 400, "Login refused",
                            "The sign-in response does not belong to this login (state mismatch). Nothing was saved.");
                    result.completeExceptionally(new LoginException("callback refused: state mismatch"));
                    return;
                }
                if (q.containsKey("error")) {
                    String code = errorCode(single(q, "error"));
                    page(ex, 400, "Login failed", "The provider refused the sign-in (" + code + ").");
                    result.completeExceptionally(new LoginException("authorization server returned error " + code));
                    return;
                }
                String code = single(q, "code");
                if (code == null || code.isBlank()) {
                    page(ex, 400, "Login failed", "The sign-in response carried no authorization code.");
                    result.completeExceptionally(new LoginException("callback carried no authorization code"));
                    return;
                }
                try {
                    ObjectNode tokens = exchange(code);
                    page(ex, 200, "Login complete — you can close this window",
                            "You are signed in. You can close this window.");
                    result.complete(tokens);
                } catch (LoginException e) {
                    page(ex, 502, "Login failed", "The sign-in could not be completed. Please start again.");
                    result.completeExceptionally(e);
                }
            } catch (RuntimeException | IOException e) {
                result.completeExceptionally(new LoginException("callback handling failed: "
                        + e.getClass().getSimpleName(), e));
            }
        }

        private ObjectNode exchange(String code) throws LoginException {
            Map<String, String> form = new LinkedHashMap<>();
            form.put("grant_type", "authorization_code");
            form.put("code", code);
            form.put("redirect_uri", redirectUri.toString());
            form.put("client_id", login.clientId());
            form.put("code_verifier", verifier);
            if (login.clientSecret() != null) {
                form.put("client_secret", login.clientSecret());
            }
            HttpRequest req = HttpRequest.newBuilder(login.tokenUrl())
                    .timeout(TOKEN_TIMEOUT)
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .header("Accept", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(form(form)))
                    .build();
            HttpResponse<String> r;
            try {
                r = http.send(req, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new LoginException("token endpoint unreachable: " + e.getClass().getSimpleName(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new LoginException("interrupted during the token exchange");
            }
            receivedAtMillis = clockMillis.getAsLong();
            JsonNode body;
            try {
                body = JSON.readTree(r.body());
            } catch (JsonProcessingException e) {
                body = null;
            }
            if (r.statusCode() / 100 != 2) {
                String err = body != null && body.hasNonNull("error") ? " (" + errorCode(body.get("error").asText()) + ")" : "";
                throw new LoginException("token endpoint answered HTTP " + r.statusCode() + err);
            }
            if (body == null || !body.isObject()) {
                throw new LoginException("token endpoint answered something other than a JSON object");
            }
            JsonNode access = body.get("access_token");
            if (access == null || !access.isTextual() || access.asText().isBlank()) {
                throw new LoginException("token endpoint answered without an access_token");
            }
            return (ObjectNode) body;
        }
    }

    private static void page(HttpExchange ex, int status, String title, String message) throws IOException {
        String html = "<!doctype html><html><head><meta charset=\"utf-8\"><title>" + escape(title) + "</title></head>"
                + "<body style=\"font-family:sans-serif;margin:3em\"><h1>" + escape(title) + "</h1><p>"
                + escape(message) + "</p></body></html>\n";
        byte[] bytes = html.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        ex.getResponseHeaders().set("Referrer-Policy", "no-referrer");
        ex.getResponseHeaders().set("Connection", "close");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(bytes);
        }
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
