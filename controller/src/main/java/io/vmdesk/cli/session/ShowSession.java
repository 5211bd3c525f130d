package io.vmdesk.cli.session;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code vmdesk session show ID}: a session's record with its steps and diagnosis. */
@Command(name = "show", description = "Show a session: status, live view, steps with timings, diagnosis.")
final class ShowSession extends SessionSubcommand {
    @Parameters(paramLabel = "ID", description = "the session id")
    String id;

    @Override
    void run(ControllerClient client) throws ControllerException {
        JsonNode session = client.get(path(id));
        if (json()) {
            printJson(session);
        } else {
            SessionText.record(out(), session);
        }
    }
}
