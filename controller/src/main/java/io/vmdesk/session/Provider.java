package io.vmdesk.session;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/** The login providers a session may be created for. The login agent (a later issue) gives each one a recipe. */
public enum Provider {
    claude_code, codex, gemini, copilot, oidc;

    public static Optional<Provider> find(String name) {
        return Arrays.stream(values()).filter(p -> p.name().equals(name)).findFirst();
    }

    public static String accepted() {
        return Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", "));
    }
}
