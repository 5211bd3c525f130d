package io.vmdesk.agent;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Does in the browser what a user would: loads the authorize URL, fills the login form's username, submits it, and
 * follows the provider's redirect to the loopback listener.
 */
final class SimulatedUser {
    record Result(int status, String body) {}

    private static final Pattern FORM = Pattern.compile("<form\\b([^>]*)>", Pattern.CASE_INSENSITIVE);
    private static final Pattern ACTION = Pattern.compile("action\\s*=\\s*\"([^\"]*)\"", Pattern.CASE_INSENSITIVE);

    private SimulatedUser() {}

    static Result signIn(URI authorizeUrl, String username) throws IOException, InterruptedException {
        return signIn(authorizeUrl, username, UnaryOperator.identity());
    }

    /** {@code tamperRedirect} may change the provider's redirect before the "browser" follows it. */
    static Result signIn(URI authorizeUrl, String username, UnaryOperator<URI> tamperRedirect)
            throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
        HttpResponse<String> page = http.send(HttpRequest.newBuilder(authorizeUrl).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (page.statusCode() != 200) {
            throw new IOException("authorize page answered " + page.statusCode() + ": " + page.body());
        }
        Matcher form = FORM.matcher(page.body());
        if (!form.find() || !page.body().contains("name=\"username\"")) {
            throw new IOException("no login form on the authorize page");
        }
        Matcher action = ACTION.matcher(form.group(1));
        URI post = action.find() && !action.group(1).isEmpty()
                ? authorizeUrl.resolve(action.group(1).replace("&amp;", "&"))
                : authorizeUrl;
        String fields = "username=" + URLEncoder.encode(username, StandardCharsets.UTF_8);
        HttpResponse<String> submitted = http.send(HttpRequest.newBuilder(post)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(fields)).build(), HttpResponse.BodyHandlers.ofString());
        if (submitted.statusCode() / 100 != 3) {
            throw new IOException("login form answered " + submitted.statusCode() + ": " + submitted.body());
        }
        URI redirect = tamperRedirect.apply(post.resolve(submitted.headers().firstValue("Location").orElseThrow()));
        HttpResponse<String> landed = http.send(HttpRequest.newBuilder(redirect).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        return new Result(landed.statusCode(), landed.body());
    }
}
