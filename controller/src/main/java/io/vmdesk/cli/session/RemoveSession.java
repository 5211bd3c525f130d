package io.vmdesk.cli.session;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code vmdesk session rm ID…}: ends sessions (idempotent, as the API's DELETE). */
@Command(name = "rm", description = "End one or more sessions and remove what they hold on the host.")
final class RemoveSession extends SessionSubcommand {
    @Parameters(paramLabel = "ID", arity = "1..*", description = "session ids")
    List<String> ids;

    @Override
    void run(ControllerClient client) throws ControllerException {
        var ended = ControllerClient.JSON.createArrayNode();
        ControllerException first = null;
        for (String id : ids) {
            try {
                JsonNode session = client.delete(path(id));
                ended.add(session);
                if (!json()) {
                    out().println("ended " + id + " (" + SessionText.text(session, "status")
                            + (SessionText.text(session, "endedReason").isEmpty() ? ""
                                    : ", " + SessionText.text(session, "endedReason")) + ")");
                }
            } catch (ControllerException e) {
                // the other ids are still ended; the first problem decides the exit status
                if (ids.size() > 1) {
                    err().println("vmdesk: " + id + ": " + e.getMessage());
                }
                first = first == null ? e : first;
            }
        }
        if (json()) {
            printJson(ended);
        }
        if (first != null) {
            throw ids.size() > 1 ? new ControllerException("not every session could be ended (see above)",
                    first.exitStatus) : first;
        }
    }
}
