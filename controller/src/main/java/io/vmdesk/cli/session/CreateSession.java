package io.vmdesk.cli.session;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmdesk.session.SessionStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code vmdesk session create}: POST a session; with --wait, until it is READY or has ended, its diagnosis written
 * (a failing session passes through ENDING while the doctor examines it and its guest is torn down).
 */
@Command(name = "create", description = "Start a session and print its id and live-view URL.")
final class CreateSession extends SessionSubcommand {
    @Option(names = "--provider", required = true, description = "the login recipe, e.g. claude_code, codex, gemini")
    String provider;

    @Option(names = "--user", required = true, description = "the platform's id for the user")
    String user;

    @Option(names = "--wait", description = "wait until the session is READY, or has ended (FAILED, ENDED) and its "
            + "diagnosis is written, and print its record; exit status 1 unless it is READY")
    boolean await;

    @Option(names = "--timeout", defaultValue = "120", paramLabel = "SECONDS",
            description = "how long --wait waits, in whole seconds; 0 waits without a limit (default: ${DEFAULT-VALUE})")
    long timeoutSeconds;

    @Override
    void validate() {
        if (timeoutSeconds < 0) {
            throw usage("--timeout must be 0 (wait without a limit) or a positive number of seconds, not "
                    + timeoutSeconds + "; e.g. --timeout 300");
        }
    }

    @Override
    void run(ControllerClient client) throws ControllerException {
        JsonNode created = client.post("/api/auth/session", Map.of("provider", provider, "userId", user));
        String id = created.path("sessionId").asText();
        if (!await) {
            if (json()) {
                printJson(created);
            } else {
                out().println("created session " + id + " (" + created.path("status").asText() + ")");
                out().println("live view: " + created.path("novncURL").asText());
            }
            return;
        }
        JsonNode session = settled(client, id);
        if (json()) {
            printJson(session);
        } else {
            SessionText.record(out(), session);
        }
        String status = session.path("status").asText();
        if (status.equals("READY")) {
            return;
        }
        if (!settled(status)) {
            throw new ControllerException("session " + id + " is still " + status + " after " + timeoutSeconds
                    + " s (--timeout); follow it with ./vmdesk session logs " + id + " --follow",
                    ControllerException.EXIT_REFUSED);
        }
        String reason = SessionText.text(session, "endedReason");
        throw new ControllerException("session " + id + " is " + status + (reason.isEmpty() ? "" : " (" + reason + ")")
                + (SessionText.text(session, "diagnosis").isEmpty() ? "; no diagnosis was recorded"
                        : "; its diagnosis is above") + ", and the logs it kept: ./vmdesk session logs " + id,
                ControllerException.EXIT_REFUSED);
    }

    /** Polls until the session is READY or final; at most --timeout (0: no limit). */
    private JsonNode settled(ControllerClient client, String id) throws ControllerException {
        Instant deadline = timeoutSeconds == 0 ? Instant.MAX : Instant.now().plus(Duration.ofSeconds(timeoutSeconds));
        JsonNode session = client.get(path(id));
        while (!settled(session.path("status").asText()) && Instant.now().isBefore(deadline)) {
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            session = client.get(path(id));
        }
        return session;
    }

    /** READY, or a final status: the controller writes a final status together with its diagnosis. */
    private static boolean settled(String status) {
        try {
            SessionStatus s = SessionStatus.valueOf(status);
            return s == SessionStatus.READY || s.isFinal();
        } catch (IllegalArgumentException unknown) {
            return false;
        }
    }
}
