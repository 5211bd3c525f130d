package io.vmdesk.cli.session;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code vmdesk session logs ID}: the session's steps (controller and agent) and the tail of its guest's process
 * logs; with --follow, its event stream until the session ends.
 */
@Command(name = "logs", description = "Print a session's steps and the tail of its process logs (--follow: stream "
        + "its events until it ends).")
final class SessionLogs extends SessionSubcommand {
    @Parameters(paramLabel = "ID", description = "the session id")
    String id;

    /** The controller's own limit (GET …/logs?lines=). */
    static final int MAX_LINES = 2000;

    @Option(names = {"-n", "--lines"}, defaultValue = "100", paramLabel = "N", description = "lines of each process "
            + "log, 1 to " + MAX_LINES + " (default: ${DEFAULT-VALUE})")
    int lines;

    @Option(names = {"-f", "--follow"}, description = "stream the session's steps and status changes as they happen "
            + "(one JSON object per line with --json)")
    boolean follow;

    @Override
    void validate() {
        if (lines < 1 || lines > MAX_LINES) {
            throw usage("--lines (-n) must be a whole number from 1 to " + MAX_LINES + ", not " + lines
                    + "; e.g. -n 200");
        }
    }

    @Override
    void run(ControllerClient client) throws ControllerException {
        if (follow) {
            client.events(path(id) + "/events", event -> {
                out().println(json() ? event.toString() : SessionText.event(event));
                out().flush();
            });
            return;
        }
        JsonNode logs = client.get(path(id) + "/logs?lines=" + lines);
        if (json()) {
            printJson(logs);
            return;
        }
        out().println("session " + id + " (" + SessionText.text(logs, "status") + ")");
        out().println("steps:");
        SessionText.steps(out(), logs.path("steps"));
        if (!SessionText.text(logs, "log").isEmpty()) {
            out().println("process logs:");
            out().print(logs.get("log").asText());
        } else {
            out().println("process logs: none (the session has ended and its guest directory is gone)");
            if (!SessionText.text(logs, "diagnosis").isEmpty()) {
                out().println("diagnosis:");
                logs.get("diagnosis").asText().lines().forEach(l -> out().println("  " + l));
            }
        }
    }
}
