package io.vmdesk.agent;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.OAuth2Config;

final class Fixtures {
    static final String ISSUER = "default";

    private Fixtures() {}

    /** An interactive mock-oauth2-server on loopback: HTML login form, PKCE, refresh tokens. */
    static MockOAuth2Server startOAuthServer() {
        MockOAuth2Server server = new MockOAuth2Server(new OAuth2Config(true));
        server.start(InetAddress.getLoopbackAddress(), 0);
        return server;
    }

    static URI authorizeUrl(MockOAuth2Server server) {
        return server.authorizationEndpointUrl(ISSUER).uri();
    }

    static URI tokenUrl(MockOAuth2Server server) {
        return server.tokenEndpointUrl(ISSUER).uri();
    }

    /** The agent's bootstrap exactly as the guest would deliver it, with a temp HOME. */
    static AgentConfig config(Path home, FakeController controller, String browser) throws BootstrapException {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.keySet().removeIf(k -> k.startsWith("VMDESK_"));
        env.put(EnvironmentBootstrap.SESSION_ID, controller.sessionId);
        env.put(EnvironmentBootstrap.AGENT_URL, controller.url().toString());
        env.put(EnvironmentBootstrap.AGENT_TOKEN, controller.token);
        env.put("HOME", home.toString());
        if (browser == null) {
            env.remove("BROWSER");
        } else {
            env.put("BROWSER", browser);
        }
        return new EnvironmentBootstrap(env).load();
    }

    static String pkceRecipe(URI authorize, URI token, String harvestPath, int timeoutSeconds) {
        ObjectNode r = FakeController.JSON.createObjectNode();
        r.put("provider", "oidc");
        ObjectNode login = r.putObject("login");
        login.put("type", "pkce").put("authorizeUrl", authorize.toString()).put("tokenUrl", token.toString())
                .put("clientId", "vmdesk").putNull("clientSecret");
        login.putArray("scopes").add("openid").add("offline_access");
        login.put("redirectPath", "/callback");
        login.putObject("extraParams").put("prompt", "login");
        r.putArray("harvest").addObject().put("path", harvestPath).putArray("required").add("access_token")
                .add("refresh_token");
        r.put("timeoutSeconds", timeoutSeconds);
        return r.toString();
    }

    static String cliRecipe(List<String> command, Map<String, String> env, String harvestPath, List<String> required,
                            int timeoutSeconds) {
        ObjectNode r = FakeController.JSON.createObjectNode();
        r.put("provider", "claude_code");
        ObjectNode login = r.putObject("login").put("type", "cli");
        ArrayNode cmd = login.putArray("command");
        command.forEach(cmd::add);
        ObjectNode e = login.putObject("env");
        env.forEach(e::put);
        ArrayNode req = r.putArray("harvest").addObject().put("path", harvestPath).putArray("required");
        required.forEach(req::add);
        r.put("timeoutSeconds", timeoutSeconds);
        return r.toString();
    }

    /** {@code java -cp <test class path> MAIN ARGS…}. */
    static List<String> java(Class<?> main, String... args) {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-Xshare:auto",
                "-cp", System.getProperty("java.class.path"), main.getName()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** An executable that runs {@code main} with the URL: what a guest's BROWSER wrapper is to Chromium. */
    static Path script(Path dir, String name, Class<?> main) throws IOException {
        StringBuilder sh = new StringBuilder("#!/bin/sh\nexec");
        for (String part : java(main)) {
            sh.append(' ').append(CliLoginFlow.shellQuote(part));
        }
        sh.append(" \"$@\"\n");
        Path p = dir.resolve(name);
        Files.writeString(p, sh);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
        return p;
    }
}
