package io.vmdesk.store;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A store URL taken apart: which database, the JDBC URL to give the driver, and the credentials kept OUT of that
 * URL (so that no driver or Flyway message can echo the password). Also knows how to redact a URL for messages.
 */
record DatabaseUrl(String kind, String jdbcUrl, String user, String password, String currentSchema, String redacted) {

    static final String SQLITE = "sqlite";
    static final String POSTGRESQL = "postgresql";

    // user:password@ in URL-style forms, greedy up to the last '@' so an unencoded '@' in the password is covered too.
    private static final Pattern USERINFO = Pattern.compile("(://[^:/?#@]*:)[^/]*@");
    private static final Pattern PASSWORD_PARAM = Pattern.compile("(?i)(password=)[^&;]*");

    static DatabaseUrl parse(String url) {
        if (url == null || url.isBlank()) {
            throw new StoreException("no store URL given (expected jdbc:sqlite:/path/file.db or postgres://user:pass@host/db)");
        }
        String u = url.trim();
        String lower = u.toLowerCase(Locale.ROOT);
        if (lower.startsWith("jdbc:sqlite:")) {
            return new DatabaseUrl(SQLITE, u, null, null, null, redact(u));
        }
        if (lower.startsWith("jdbc:postgresql:")) {
            return fromJdbcPostgres(u);
        }
        if (lower.startsWith("postgres://") || lower.startsWith("postgresql://")) {
            return fromUriPostgres(u);
        }
        throw new StoreException("unsupported store URL " + redact(u)
                + " (expected jdbc:sqlite:..., jdbc:postgresql://..., postgres://... or postgresql://...)");
    }

    /** The URL with any password replaced by ***, for messages and logs. */
    static String redact(String url) {
        if (url == null) {
            return null;
        }
        String r = USERINFO.matcher(url).replaceAll("$1***@");
        return PASSWORD_PARAM.matcher(r).replaceAll("$1***");
    }

    /** Redacts URL-shaped passwords and also any literal occurrence of this URL's password (e.g. in a driver message). */
    String redactText(String text) {
        if (text == null) {
            return null;
        }
        String r = redact(text);
        if (password != null && password.length() >= 3) {
            r = r.replace(password, "***");
        }
        return r;
    }

    /** jdbc:postgresql://host:port/db?user=..&password=..: user and password move out of the URL. */
    private static DatabaseUrl fromJdbcPostgres(String u) {
        int q = u.indexOf('?');
        String base = q < 0 ? u : u.substring(0, q);
        String user = null;
        String password = null;
        String schema = null;
        List<String> kept = new ArrayList<>();
        if (q >= 0) {
            for (String param : u.substring(q + 1).split("&")) {
                if (param.isEmpty()) {
                    continue;
                }
                int eq = param.indexOf('=');
                String key = (eq < 0 ? param : param.substring(0, eq)).toLowerCase(Locale.ROOT);
                String value = eq < 0 ? "" : decode(param.substring(eq + 1));
                switch (key) {
                    case "user" -> user = value;
                    case "password" -> password = value;
                    default -> {
                        if (key.equals("currentschema")) {
                            schema = value;
                        }
                        kept.add(param);
                    }
                }
            }
        }
        String jdbc = kept.isEmpty() ? base : base + "?" + String.join("&", kept);
        return new DatabaseUrl(POSTGRESQL, jdbc, user, password, firstSchema(schema), redact(u));
    }

    /** postgres://user:pass@host:port/db?params (libpq style): becomes jdbc:postgresql://host:port/db?params. */
    private static DatabaseUrl fromUriPostgres(String u) {
        String redacted = redact(u);
        URI uri;
        try {
            uri = new URI(u);
        } catch (URISyntaxException e) {
            throw new StoreException("cannot parse store URL " + redacted
                    + " (percent-encode special characters in the user name and password)");
        }
        if (uri.getHost() == null) {
            throw new StoreException("store URL " + redacted + " names no host");
        }
        String user = null;
        String password = null;
        String info = uri.getRawUserInfo();
        if (info != null) {
            int colon = info.indexOf(':');
            user = decode(colon < 0 ? info : info.substring(0, colon));
            password = colon < 0 ? null : decode(info.substring(colon + 1));
        }
        StringBuilder jdbc = new StringBuilder("jdbc:postgresql://").append(uri.getHost());
        if (uri.getPort() >= 0) {
            jdbc.append(':').append(uri.getPort());
        }
        String path = uri.getRawPath();
        jdbc.append(path == null || path.isEmpty() ? "/" : path);
        String schema = null;
        String query = uri.getRawQuery();
        if (query != null && !query.isEmpty()) {
            // The query is passed to the JDBC driver as is (sslmode=..., currentSchema=...), minus credentials.
            List<String> kept = new ArrayList<>();
            for (String param : query.split("&")) {
                int eq = param.indexOf('=');
                String key = (eq < 0 ? param : param.substring(0, eq)).toLowerCase(Locale.ROOT);
                String value = eq < 0 ? "" : decode(param.substring(eq + 1));
                if (key.equals("user")) {
                    user = value;
                } else if (key.equals("password")) {
                    password = value;
                } else if (!param.isEmpty()) {
                    if (key.equals("currentschema")) {
                        schema = value;
                    }
                    kept.add(param);
                }
            }
            if (!kept.isEmpty()) {
                jdbc.append('?').append(String.join("&", kept));
            }
        }
        return new DatabaseUrl(POSTGRESQL, jdbc.toString(), user, password, firstSchema(schema), redacted);
    }

    private static String firstSchema(String currentSchema) {
        if (currentSchema == null || currentSchema.isBlank()) {
            return null;
        }
        return currentSchema.split(",")[0].trim();
    }

    /** Never print the password: a record's default toString would. */
    @Override
    public String toString() {
        return redacted;
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }
}
