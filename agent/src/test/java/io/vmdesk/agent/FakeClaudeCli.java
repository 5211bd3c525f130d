package io.vmdesk.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A stand-in for a provider CLI such as {@code claude auth login}, run as a child process by the CLI tests.
 * <ul>
 *   <li>{@code login AUTHORIZE_URL TOKEN_URL [--linger]}: its own PKCE login on a loopback listener, opening the URL
 *   with {@code $BROWSER}, then writes a Claude-style {@code .credentials.json} to {@code $CLAUDE_CONFIG_DIR}
 *   (default {@code $HOME/.claude}); with {@code --linger} it then keeps running, like a TUI;</li>
 *   <li>{@code fail}: prints a few lines, some with token-like text, and exits 3;</li>
 *   <li>{@code hang}: writes its pid to {@code $HOME/fake-cli.pid} and sleeps.</li>
 * </ul>
 * It exits 42 if any {@code VMDESK_} variable reached it.
 */
public final class FakeClaudeCli {
    private FakeClaudeCli() {}

    public static void main(String[] args) throws Exception {
        for (String name : System.getenv().keySet()) {
            if (name.startsWith("VMDESK_")) {
                System.out.println("leaked bootstrap variable " + name);
                System.exit(42);
            }
        }
        Path home = Path.of(System.getenv("HOME"));
        switch (args[0]) {
            case "login" -> login(home, URI.create(args[1]), URI.create(args[2]), args.length > 3 && args[3].equals("--linger"));
            case "fail" -> {
                System.out.println("Starting login");
                System.out.println("Using refresh token sk-ant-ort01-abcdefghijklmnopqrstuvwxyz0123456789");
                System.err.println("error: OAuth callback failed (access_token=abc123def456ghi789jkl012)");
                System.exit(3);
            }
            case "hang" -> {
                Files.writeString(home.resolve("fake-cli.pid"), Long.toString(ProcessHandle.current().pid()));
                System.out.println("Waiting for you to sign in…");
                Thread.sleep(TimeUnit.MINUTES.toMillis(10));
            }
            default -> System.exit(64);
        }
    }

    private static void login(Path home, URI authorize, URI tokenUrl, boolean linger) throws Exception {
        SecureRandom random = new SecureRandom();
        String verifier = Pkce.newVerifier(random);
        String state = Pkce.newState(random);
        CompletableFuture<String> code = new CompletableFuture<>();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4);
        server.createContext("/callback", ex -> {
            Map<String, java.util.List<String>> q = PkceLoginFlow.parseQuery(ex.getRequestURI().getRawQuery());
            boolean ok = q.containsKey("code") && state.equals(q.get("state").get(0));
            byte[] page = (ok ? "Login successful" : "Login failed").getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(ok ? 200 : 400, page.length);
            ex.getResponseBody().write(page);
            ex.close();
            if (ok) {
                code.complete(q.get("code").get(0));
            } else {
                code.completeExceptionally(new IllegalStateException("bad callback"));
            }
        });
        server.start();
        String redirectUri = "http://127.0.0.1:" + server.getAddress().getPort() + "/callback";
        Map<String, String> p = new LinkedHashMap<>();
        p.put("response_type", "code");
        p.put("client_id", "claude-cli");
        p.put("redirect_uri", redirectUri);
        p.put("scope", "openid offline_access");
        p.put("state", state);
        p.put("code_challenge", Pkce.challengeS256(verifier));
        p.put("code_challenge_method", "S256");
        URI url = URI.create(authorize + "?" + PkceLoginFlow.form(p));
        System.out.println("Opening browser to sign in…");
        new ProcessBuilder(System.getenv("BROWSER"), url.toString()).inheritIO().start();

        String authCode = code.get(60, TimeUnit.SECONDS);
        server.stop(0);
        Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", "authorization_code");
        form.put("code", authCode);
        form.put("redirect_uri", redirectUri);
        form.put("client_id", "claude-cli");
        form.put("code_verifier", verifier);
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(tokenUrl)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(PkceLoginFlow.form(form))).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            System.out.println("token exchange failed: HTTP " + r.statusCode());
            System.exit(5);
        }
        JsonNode tokens = FakeController.JSON.readTree(r.body());
        ObjectNode file = FakeController.JSON.createObjectNode();
        ObjectNode oauth = file.putObject("claudeAiOauth");
        oauth.put("accessToken", tokens.get("access_token").asText());
        oauth.put("refreshToken", tokens.get("refresh_token").asText());
        oauth.put("expiresAt", System.currentTimeMillis() + tokens.get("expires_in").asLong() * 1000);
        oauth.putArray("scopes").add("user:inference").add("user:profile");
        oauth.put("subscriptionType", "max");

        String configDir = System.getenv("CLAUDE_CONFIG_DIR");
        Path dir = configDir != null ? Path.of(configDir) : home.resolve(".claude");
        Files.createDirectories(dir);
        Path credentials = dir.resolve(".credentials.json");
        Files.writeString(credentials, FakeController.JSON.writeValueAsString(file));
        Files.setPosixFilePermissions(credentials, PosixFilePermissions.fromString("rw-------"));
        Files.writeString(home.resolve("fake-cli.pid"), Long.toString(ProcessHandle.current().pid()));
        System.out.println("Login successful.");
        if (linger) {
            Thread.sleep(TimeUnit.MINUTES.toMillis(10));
        }
        System.exit(0);
    }
}
