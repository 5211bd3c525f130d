package io.vmdesk.host;

import java.util.List;

/**
 * A host command that could not be run, timed out, or exited non-zero. The message always names the command, and
 * for a non-zero exit also its exit code and stderr, so the cause is visible wherever the exception ends up.
 */
public class HostCommandException extends RuntimeException {
    private final List<String> command;
    private final int exitCode;
    private final String stderr;

    /** A command that ran and exited non-zero. */
    public HostCommandException(List<String> command, int exitCode, String stderr) {
        super("`" + HostCommands.render(command) + "` failed with exit code " + exitCode
                + (stderr == null || stderr.isBlank() ? " (no stderr)" : ": " + stderr.strip()));
        this.command = List.copyOf(command);
        this.exitCode = exitCode;
        this.stderr = stderr == null ? "" : stderr;
    }

    /** A command that could not be started, or did not finish in time. */
    public HostCommandException(List<String> command, String problem, Throwable cause) {
        super("`" + HostCommands.render(command) + "` " + problem, cause);
        this.command = List.copyOf(command);
        this.exitCode = -1;
        this.stderr = "";
    }

    public List<String> command() {
        return command;
    }

    /** The exit code, or -1 when the command did not run to completion. */
    public int exitCode() {
        return exitCode;
    }

    public String stderr() {
        return stderr;
    }
}
