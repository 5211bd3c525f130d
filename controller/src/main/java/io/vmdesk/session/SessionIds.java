package io.vmdesk.session;

import java.util.UUID;

/** Session ids are lower-case UUIDs as the controller makes them; anything else names no session. */
public final class SessionIds {
    private SessionIds() {
    }

    public static boolean isValid(String id) {
        try {
            return id != null && UUID.fromString(id).toString().equals(id);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
