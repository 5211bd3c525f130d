package io.vmdesk.e2e;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.OAuth2Config;

/**
 * A real OAuth 2.0 / OIDC server for the login tests, run as its own process in the test's namespace (where guests
 * reach it through the bridge): mock-oauth2-server with its interactive login form on {@code port}, and in front of
 * its token endpoint, on {@code port + 1}, a recorder that appends every token response it passes to a file, so the
 * test knows exactly which tokens the server issued.
 *
 * <p>Arguments: port, record file. Prints "READY" once both listen.
 */
public final class OAuthServerMain {

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        Path record = Path.of(args[1]);
        // The server's own login page loads a web font from the internet, which guests here cannot reach (the page
        // would wait for it); this one is the same form, self-contained.
        Path loginPage = record.resolveSibling("login-page.html"); // beside the record: removed with the test's data
        Files.writeString(loginPage, """
                <!DOCTYPE html><html><head><meta charset="utf-8"><title>Test sign-in</title></head>
                <body style="font-family: sans-serif; background: #fff8e1">
                <h1>Test OAuth server sign-in</h1>
                <form method="post"><input type="text" name="username" required autofocus size="40">
                <input type="submit" value="Sign in"></form></body></html>
                """);
        MockOAuth2Server server = new MockOAuth2Server(new OAuth2Config(true, loginPage.toString()));
        server.start(InetAddress.getByName("0.0.0.0"), port);
        URI token = URI.create("http://127.0.0.1:" + port + "/default/token");
        HttpClient http = HttpClient.newHttpClient();
        HttpServer recorder = HttpServer.create(new InetSocketAddress("0.0.0.0", port + 1), 16);
        recorder.createContext("/token", exchange -> relay(exchange, http, token, record));
        recorder.start();
        System.out.println("READY");
        System.out.flush();
        Thread.currentThread().join();
    }

    private static void relay(HttpExchange exchange, HttpClient http, URI token, Path record) throws IOException {
        try (exchange) {
            byte[] body = exchange.getRequestBody().readAllBytes();
            HttpRequest.Builder request = HttpRequest.newBuilder(token).POST(HttpRequest.BodyPublishers.ofByteArray(body));
            String type = exchange.getRequestHeaders().getFirst("Content-Type");
            if (type != null) {
                request.header("Content-Type", type);
            }
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            if (authorization != null) {
                request.header("Authorization", authorization);
            }
            HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() == 200) {
                Files.writeString(record, new String(response.body(), StandardCharsets.UTF_8).replace("\n", "") + "\n",
                        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            }
            exchange.getResponseHeaders().set("Content-Type",
                    response.headers().firstValue("Content-Type").orElse("application/json"));
            exchange.sendResponseHeaders(response.statusCode(), response.body().length == 0 ? -1 : response.body().length);
            exchange.getResponseBody().write(response.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
