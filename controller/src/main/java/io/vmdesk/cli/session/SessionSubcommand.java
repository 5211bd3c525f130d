package io.vmdesk.cli.session;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * What every {@code vmdesk session} subcommand shares: the connection options, output to picocli's writers (so tests
 * can read it), and one place that turns a {@link ControllerException} into a message and an exit status (1 refused,
 * 3 unreachable); bad usage, including a controller URL that is no URL, is picocli's usage error with status 2.
 */
abstract class SessionSubcommand implements Callable<Integer> {
    @Mixin
    ControllerOptions controller;

    @Spec
    CommandSpec spec;

    @Override
    public final Integer call() {
        // bad usage is picocli's to report (the message, the command's usage, exit 2) before anything is sent
        validate();
        ControllerClient client;
        try {
            client = controller.client();
        } catch (ControllerOptions.BadUsage e) {
            throw usage(e.getMessage());
        }
        try {
            run(client);
            return 0;
        } catch (ControllerException e) {
            err().println("vmdesk: " + e.getMessage());
            err().flush();
            return e.exitStatus;
        } finally {
            out().flush();
        }
    }

    abstract void run(ControllerClient client) throws ControllerException;

    /** Checks the options beyond what picocli's types do; throws {@link #usage} when one makes no sense. */
    void validate() {
    }

    /** A usage error: picocli prints the message and the command's usage, and exits with 2. */
    ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    boolean json() {
        return controller.json;
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    void printJson(JsonNode node) {
        try {
            out().println(ControllerClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static String path(String sessionId) {
        return "/api/auth/session/" + sessionId;
    }
}
