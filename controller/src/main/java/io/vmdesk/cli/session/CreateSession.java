package io.vmdesk.cli.session;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code vmdesk session create}: POST a session; with --wait, until it has left STARTING. */
@Command(name = "create", description = "Start a session and print its id and live-view URL.")
final class CreateSession extends SessionSubcommand {
    @Option(names = "--provider", required = true, description = "the login recipe, e.g. claude_code, codex, gemini")
    String provider;

    @Option(names = "--user", required = true, description = "the platform's id for the user")
    String user;

    @Option(names = "--wait", description = "wait until the session is READY (or has failed) and print its record")
    boolean await;

    @Option(names = "--timeout", defaultValue = "120", paramLabel = "SECONDS",
            description = "how long --wait waits (default: ${DEFAULT-VALUE})")
    long timeoutSeconds;

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
        if (!"READY".equals(session.path("status").asText())) {
            throw new ControllerException("session " + id + " is " + session.path("status").asText()
                    + (session.path("status").asText().equals("STARTING") ? " after " + timeoutSeconds + " s" : "")
                    + "; see its steps above, or ./vmdesk session logs " + id, ControllerException.EXIT_REFUSED);
        }
    }

    private JsonNode settled(ControllerClient client, String id) throws ControllerException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(timeoutSeconds));
        JsonNode session = client.get(path(id));
        while ("STARTING".equals(session.path("status").asText()) && Instant.now().isBefore(deadline)) {
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
}
