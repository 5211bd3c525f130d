package io.vmdesk.cli.session;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code vmdesk session list}: the sessions the controller knows, newest state from its store. */
@Command(name = "list", aliases = "ls", description = "List sessions, optionally by status or user.")
final class ListSessions extends SessionSubcommand {
    @Option(names = "--status", description = "only sessions with this status, e.g. READY, STARTING, ENDED, FAILED")
    String status;

    @Option(names = "--user", description = "only this user's sessions")
    String user;

    @Override
    void run(ControllerClient client) throws ControllerException {
        StringBuilder query = new StringBuilder();
        if (status != null) {
            query.append("status=").append(URLEncoder.encode(status, StandardCharsets.UTF_8));
        }
        if (user != null) {
            query.append(query.isEmpty() ? "" : "&").append("userId=").append(URLEncoder.encode(user, StandardCharsets.UTF_8));
        }
        JsonNode answer = client.get("/api/auth/sessions" + (query.isEmpty() ? "" : "?" + query));
        if (json()) {
            printJson(answer);
        } else {
            SessionText.table(out(), answer.path("sessions"));
        }
    }
}
