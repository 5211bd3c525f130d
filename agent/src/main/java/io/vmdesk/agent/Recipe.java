package io.vmdesk.agent;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A provider's login recipe as served by the controller ({@code GET …/recipe}). Built only by {@link RecipeParser},
 * which has validated every field.
 */
public record Recipe(String provider, Login login, List<Harvest> harvest, Duration timeout) {

    /** How the login is performed. */
    public sealed interface Login permits PkceLogin, CliLogin {
        String type();
    }

    /** The agent's built-in authorization-code flow with PKCE (RFC 7636 S256) and a loopback redirect (RFC 8252). */
    public record PkceLogin(URI authorizeUrl, URI tokenUrl, String clientId, String clientSecret, List<String> scopes,
                            String redirectPath, Map<String, String> extraParams) implements Login {
        @Override
        public String type() {
            return "pkce";
        }

        @Override
        public String toString() {
            return "PkceLogin[authorizeUrl=" + authorizeUrl + ", tokenUrl=" + tokenUrl + ", clientId=" + clientId
                    + ", clientSecret=" + (clientSecret == null ? "none" : "[redacted]") + ", scopes=" + scopes
                    + ", redirectPath=" + redirectPath + ", extraParams=" + extraParams.keySet() + "]";
        }
    }

    /** The provider's own CLI; {@code env} values may start with {@code ~}. */
    public record CliLogin(List<String> command, Map<String, String> env) implements Login {
        @Override
        public String type() {
            return "cli";
        }
    }

    /**
     * A file to hand back.
     *
     * @param path     exactly as written in the recipe ({@code ~/…}); sent back verbatim
     * @param required dotted JSON paths that must exist and be non-empty
     */
    public record Harvest(String path, List<String> required) {}
}
