package io.vmdesk.cli.session;

import picocli.CommandLine.Command;

/** {@code vmdesk session …}: the platform's session API from a shell, against a running controller. */
@Command(name = "session", description = "Create, list, inspect, open and end sessions of a running controller "
        + "(needs an API key: --api-key or VMDESK_API_KEY).",
        subcommands = {CreateSession.class, ListSessions.class, ShowSession.class, RemoveSession.class,
                OpenSession.class, SessionLogs.class})
public final class SessionCommand {
}
