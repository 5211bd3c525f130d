package io.vmdesk.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code ./vmdesk}: the controller's command line. */
@Command(name = "vmdesk", mixinStandardHelpOptions = true, scope = CommandLine.ScopeType.INHERIT, version = "vmdesk 0.1.0",
        description = "Disposable browser desktops for provider logins, shown through noVNC.",
        subcommands = {ServeCommand.class, DemoCommand.class, ConfigCommand.class, BenchCommand.class, ApiKeyCommand.class,
                        io.vmdesk.cli.session.SessionCommand.class, CompletionCommand.class, InstallCommand.class,
                        DoctorCommand.class, ImageCommand.class, CommandLine.HelpCommand.class})
public final class Main {

    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
    }
}
