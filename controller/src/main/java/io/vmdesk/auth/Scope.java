package io.vmdesk.auth;

import java.util.Arrays;
import java.util.Optional;

/** What a platform API key may do. */
public enum Scope {
    SESSIONS_CREATE("sessions:create"),
    SESSIONS_READ("sessions:read"),
    SESSIONS_DELETE("sessions:delete"),
    CREDENTIALS_READ("credentials:read"),
    ADMIN("admin");

    private final String label;

    Scope(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    public static Optional<Scope> find(String label) {
        return Arrays.stream(values()).filter(s -> s.label.equals(label)).findFirst();
    }
}
