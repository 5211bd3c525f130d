package io.vmdesk.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Holds real responses against the API description the controller serves at {@code /api/openapi.json}: the status
 * must be described for the path and method (or fall under {@code default}), the content type must be one the
 * description names, and a JSON body must match the schema given for it. A path the description does not know must
 * answer an {@code {error, detail}} error. The e2e tests send every request through {@link #check}.
 */
final class OpenApiContract {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SchemaRegistry SCHEMAS = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
    private static final Map<String, OpenApiContract> SERVED = new ConcurrentHashMap<>();

    private record Template(String path, Pattern pattern, int parameters) {
    }

    private final JsonNode document;
    private final List<Template> templates = new ArrayList<>();
    private final Map<String, Schema> compiled = new ConcurrentHashMap<>();

    OpenApiContract(JsonNode document) {
        this.document = document;
        for (Iterator<String> it = document.path("paths").fieldNames(); it.hasNext(); ) {
            String path = it.next();
            int parameters = path.split("\\{", -1).length - 1;
            // {file} may span segments (noVNC's app/ui.js); other parameters are one segment
            String regex = Pattern.quote(path).replace("{file}", "\\E.+\\Q").replaceAll("\\{[^}]+}", "\\\\E[^/]+\\\\Q");
            templates.add(new Template(path, Pattern.compile(regex), parameters));
        }
        // literal segments win: …/novnc/status before …/novnc/{file}
        templates.sort(Comparator.comparingInt(Template::parameters));
    }

    /** The description served by the controller at {@code baseUrl}, fetched once per controller. */
    static OpenApiContract served(String baseUrl, HttpClient http) {
        return SERVED.computeIfAbsent(baseUrl, url -> {
            try {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url + "/api/openapi.json"))
                        .build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() != 200) {
                    throw new AssertionError("GET /api/openapi.json answered " + response.statusCode());
                }
                return new OpenApiContract(JSON.readTree(response.body()));
            } catch (IOException e) {
                throw new AssertionError("cannot read /api/openapi.json: " + e, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        });
    }

    JsonNode document() {
        return document;
    }

    /** The description's path template a request path falls under, if any. */
    String template(String path) {
        return templates.stream().filter(t -> t.pattern().matcher(path).matches()).map(Template::path).findFirst()
                .orElse(null);
    }

    /** Checks the response (and so the request it answers); @return it, for chaining */
    HttpResponse<String> check(HttpResponse<String> response) {
        check(response.request().method(), response.request().uri().getPath(), response.statusCode(),
                response.headers().firstValue("Content-Type").orElse(""), response.body());
        return response;
    }

    /** Checks one answer: {@code status}, {@code contentType} and {@code body} to {@code method path}. */
    void check(String httpMethod, String path, int status, String contentType, String body) {
        String method = httpMethod.toLowerCase(Locale.ROOT);
        String what = method.toUpperCase(Locale.ROOT) + " " + path + " → " + status;
        String template = template(path);
        JsonNode described;
        if (template == null || document.path("paths").path(template).path(method).isMissingNode()) {
            // unknown to the description (404 from the router, 405): must still be an {error, detail} error
            described = resolve(document.path("components").path("responses").path("Error"));
        } else {
            JsonNode responses = document.path("paths").path(template).path(method).path("responses");
            JsonNode forStatus = responses.path(String.valueOf(status));
            if (forStatus.isMissingNode() && status >= 400) {
                // default describes the errors an operation does not list one by one (405, 500, …), never a success
                forStatus = responses.path("default");
            }
            if (forStatus.isMissingNode()) {
                throw new AssertionError(what + ": the status is not in the description of " + template);
            }
            described = resolve(forStatus);
        }
        JsonNode content = described.path("content");
        if (content.isMissingNode() || content.isEmpty()) {
            return;
        }
        String type = contentType.split(";")[0].trim();
        JsonNode media = content.path(type);
        if (media.isMissingNode()) {
            media = content.path("*/*");
        }
        if (media.isMissingNode()) {
            throw new AssertionError(what + ": content type '" + type + "' is not described (" + fieldNames(content)
                    + ") for " + template + "; body: " + shorten(body));
        }
        if (type.equals("application/json") && media.has("schema")) {
            JsonNode schemaNode = media.get("schema");
            Schema schema = compiled.computeIfAbsent(template + " " + method + " " + status,
                    k -> compile(schemaNode));
            List<Error> errors = schema.validate(body, InputFormat.JSON);
            if (!errors.isEmpty()) {
                throw new AssertionError(what + ": the body does not match the description of " + template + ": "
                        + errors.stream().map(Error::toString).toList() + "; body: " + shorten(body));
            }
        }
    }

    /** A response object, following an OpenAPI {@code $ref} to {@code #/components/responses/…}. */
    private JsonNode resolve(JsonNode response) {
        JsonNode ref = response.path("$ref");
        return ref.isTextual() ? document.at(ref.asText().substring(1)) : response;
    }

    /** The schema as a stand-alone JSON Schema 2020-12 document whose {@code #/components/…} references resolve. */
    private Schema compile(JsonNode schema) {
        ObjectNode standalone = JSON.createObjectNode();
        standalone.put("$schema", "https://json-schema.org/draft/2020-12/schema");
        standalone.setAll((ObjectNode) schema.deepCopy());
        standalone.set("components", document.path("components").deepCopy());
        return SCHEMAS.getSchema(standalone.toString(), InputFormat.JSON);
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static String shorten(String body) {
        return body == null || body.length() <= 400 ? body : body.substring(0, 400) + "…";
    }
}
