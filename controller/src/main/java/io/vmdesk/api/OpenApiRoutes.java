package io.vmdesk.api;

import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Properties;

/**
 * The API's description, {@code GET /api/openapi.json} (OpenAPI 3.1, the resource {@code openapi.json}, which the API
 * tests hold every response against), and Swagger UI on it at {@code /api/docs}, served from its webjar.
 */
final class OpenApiRoutes {
    private static final String WEBJAR = "META-INF/resources/webjars/swagger-ui/";
    private static final Map<String, String> TYPES = Map.of("js", "text/javascript; charset=utf-8",
            "css", "text/css; charset=utf-8", "png", "image/png", "html", "text/html; charset=utf-8",
            "map", "application/json");

    private final byte[] description;
    /** The webjar's version directory, read from its Maven metadata so a version bump needs no code change. */
    private final String webjarRoot;

    OpenApiRoutes() {
        description = resource("openapi.json");
        Properties pom = new Properties();
        try (InputStream in = open("META-INF/maven/org.webjars/swagger-ui/pom.properties")) {
            pom.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        webjarRoot = WEBJAR + pom.getProperty("version") + "/";
    }

    void description(Context ctx) {
        ctx.contentType("application/json").header("Cache-Control", "no-cache").result(description);
    }

    /** Swagger UI's page, pointed at our description (the webjar's own page points at the pet store). */
    void page(Context ctx) {
        ctx.contentType(TYPES.get("html")).result("""
                <!doctype html>
                <html lang="en"><head><meta charset="utf-8"><title>vmdesk API</title>
                <link rel="stylesheet" href="/api/docs/swagger-ui.css"></head>
                <body><div id="swagger-ui"></div>
                <script src="/api/docs/swagger-ui-bundle.js"></script>
                <script src="/api/docs/vmdesk-docs.js"></script>
                </body></html>
                """);
    }

    /** {@code GET /api/docs/<file>}: a file of the webjar, or the few lines that start it on our description. */
    void asset(Context ctx) {
        String file = ctx.pathParam("file");
        if (file.equals("vmdesk-docs.js")) {
            ctx.contentType(TYPES.get("js")).result("window.ui = SwaggerUIBundle({url: '/api/openapi.json', "
                    + "dom_id: '#swagger-ui', deepLinking: true});\n");
            return;
        }
        if (file.contains("..") || file.contains("\\") || !file.matches("[A-Za-z0-9._/-]+")) {
            throw new ApiException(400, "invalid-path", "'" + file + "' is not a Swagger UI file");
        }
        InputStream in = OpenApiRoutes.class.getClassLoader().getResourceAsStream(webjarRoot + file);
        if (in == null) {
            throw new ApiException(404, "not-found", "no Swagger UI file '" + file + "'");
        }
        String ext = file.substring(file.lastIndexOf('.') + 1);
        ctx.contentType(TYPES.getOrDefault(ext, "application/octet-stream")).header("Cache-Control", "max-age=3600");
        try (in) {
            ctx.result(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] resource(String name) {
        try (InputStream in = open(name)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static InputStream open(String name) {
        InputStream in = OpenApiRoutes.class.getClassLoader().getResourceAsStream(name);
        if (in == null) {
            throw new IllegalStateException("resource " + name + " is missing from the build");
        }
        return in;
    }
}
