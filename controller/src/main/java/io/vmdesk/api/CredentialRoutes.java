package io.vmdesk.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.http.Context;
import io.vmdesk.auth.ApiKeys;
import io.vmdesk.auth.Scope;
import io.vmdesk.store.ApiKeyRow;
import io.vmdesk.store.AuditRow;
import io.vmdesk.store.Store;
import io.vmdesk.vault.Credential;
import io.vmdesk.vault.Vault;
import java.io.IOException;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The platform's side of login capture: the credentials a session captured, or a user's newest for a provider, in
 * plaintext — only to a caller whose API key has {@code credentials:read}, and every read goes to the audit log.
 */
final class CredentialRoutes {
    private static final Logger log = LoggerFactory.getLogger(CredentialRoutes.class);
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._@:+-]{1,128}");

    private final Vault vault;
    private final ApiKeys keys;
    private final Store store;
    private final Clock clock;

    CredentialRoutes(Vault vault, ApiKeys keys, Store store, Clock clock) {
        this.vault = vault;
        this.keys = keys;
        this.store = store;
        this.clock = clock;
    }

    private ApiKeyRow require(Context ctx, Scope scope) {
        try {
            return KeyGuard.require(keys, ctx, scope);
        } catch (ApiException refused) {
            // a refused attempt at credentials is worth as much to an auditor as a granted one
            Object key = ctx.attribute("vmdesk.apiKey");
            store.audit().append(new AuditRow(clock.instant(), key == null ? "anonymous" : key.toString(),
                    "credentials.refused", null, null, null, ctx.method() + " " + ctx.path() + ": "
                    + refused.getMessage()));
            throw refused;
        }
    }

    void forSession(Context ctx) throws IOException {
        ApiKeyRow caller = require(ctx, Scope.CREDENTIALS_READ);
        String id = SessionRoutes.sessionId(ctx.pathParam("id"));
        send(ctx, caller, vault.forSession(id), "session " + id, id);
    }

    void latest(Context ctx) throws IOException {
        ApiKeyRow caller = require(ctx, Scope.CREDENTIALS_READ);
        String userId = ctx.pathParam("userId");
        String provider = ctx.pathParam("provider");
        if (!NAME.matcher(userId).matches() || !NAME.matcher(provider).matches()) {
            throw new ApiException(400, "invalid-field", "userId and provider must be 1-128 characters of letters,"
                    + " digits and ._@:+-");
        }
        send(ctx, caller, vault.latest(userId, provider), "user " + userId + " provider " + provider, null);
    }

    /**
     * {@code POST /api/admin/vault/rotate} (admin key): re-reads the master key file and re-wraps every data key under
     * its first key, while the controller keeps serving. Then the old key's line can be removed from the file.
     */
    void rotate(Context ctx) {
        ApiKeyRow caller = require(ctx, Scope.ADMIN);
        try {
            // never load a key set that cannot open what is stored: reads would fail until a later rotation
            vault.keys().reload(vault.recordsByKeyId().keySet());
        } catch (io.vmdesk.config.ConfigException | IllegalStateException e) {
            store.audit().append(new AuditRow(clock.instant(), caller.id(), "vault.rotate.refused", null, null, null,
                    e.getMessage()));
            throw new ApiException(409, "bad-key-file", "nothing was changed: " + e.getMessage());
        }
        int rewrapped;
        try {
            rewrapped = vault.rotate();
        } catch (io.vmdesk.vault.VaultException e) {
            store.audit().append(new AuditRow(clock.instant(), caller.id(), "vault.rotate.incomplete", null, null,
                    null, e.getMessage()));
            throw new ApiException(409, "rotation-incomplete", e.getMessage());
        }
        store.audit().append(new AuditRow(clock.instant(), caller.id(), "vault.rotate", null, null, null,
                rewrapped + " record(s) re-wrapped under key " + vault.keys().currentKeyId()));
        Json.send(ctx, 200, Map.of("rewrapped", rewrapped, "currentKeyId", vault.keys().currentKeyId()));
    }

    private void send(Context ctx, ApiKeyRow caller, Optional<Credential> found, String what, String sessionId)
            throws IOException {
        if (found.isEmpty()) {
            store.audit().append(new AuditRow(clock.instant(), caller.id(), "credentials.read.miss", sessionId, null,
                    null, what));
            throw new ApiException(404, "no-credentials", "no captured credentials for " + what);
        }
        try (Credential credential = found.get()) {
            store.audit().append(new AuditRow(clock.instant(), caller.id(), "credentials.read",
                    credential.sessionId(), credential.userId(), credential.provider(), "version " + credential.version()));
            log.info("session={} credentials read by key {} (user={} provider={} version={})", credential.sessionId(),
                    caller.id(), credential.userId(), credential.provider(), credential.version());
            JsonNode payload = Json.MAPPER.readTree(credential.plaintext());
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("sessionId", credential.sessionId());
            out.put("userId", credential.userId());
            out.put("provider", credential.provider());
            out.put("version", credential.version());
            out.put("current", credential.current());
            out.put("capturedAt", credential.createdAt());
            out.put("files", payload.path("files"));
            ctx.header("Cache-Control", "no-store");
            Json.send(ctx, 200, out);
        }
    }
}
