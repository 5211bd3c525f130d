package io.vmdesk.agent;

/** Progress reports to the controller ({@code POST …/events}). */
public interface Events {
    String LOGIN_STARTED = "login-started";
    String BROWSER_OPENED = "browser-opened";
    String CREDENTIALS_FOUND = "credentials-found";
    String ERROR = "error";

    /** Best effort: a failure is logged, not thrown. {@code detail} must hold no secret. */
    void send(String type, String detail);
}
