package io.vmdesk.api;

import io.javalin.http.Context;
import io.vmdesk.auth.ApiKeys;
import io.vmdesk.auth.Scope;
import io.vmdesk.store.ApiKeyRow;
import java.util.Locale;

/** Platform API keys on a request: 401 without a (valid) key, 403 with one that lacks the scope. */
final class KeyGuard {
    private KeyGuard() {
    }

    static ApiKeyRow require(ApiKeys keys, Context ctx, Scope scope) {
        String header = ctx.header("Authorization");
        String key = header != null && header.toLowerCase(Locale.ROOT).startsWith("bearer ")
                ? header.substring(7).trim() : ctx.header("X-API-Key");
        if (key == null || key.isBlank()) {
            throw new ApiException(401, "missing-api-key", "send a platform API key as Authorization: Bearer vmd_…"
                    + " (create one with `./vmdesk apikey create --name NAME --scope " + scope.label() + "`)");
        }
        ApiKeyRow row = keys.authenticate(key).orElseThrow(() -> new ApiException(401, "invalid-api-key",
                "the API key is unknown or revoked"));
        ctx.attribute("vmdesk.apiKey", row.id()); // known even when refused: the audit names who was
        if (!ApiKeys.allows(row, scope)) {
            throw new ApiException(403, "forbidden", "API key " + row.id() + " lacks the scope " + scope.label());
        }
        return row;
    }
}
