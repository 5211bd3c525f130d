package io.vmdesk.cli.session;

/** Why a session command could not do its job, already phrased for the operator, with the exit status to use. */
final class ControllerException extends Exception {
    /** The controller answered with an error (4xx/5xx). */
    static final int EXIT_REFUSED = 1;
    /** The controller could not be reached at all. */
    static final int EXIT_UNREACHABLE = 3;

    final int exitStatus;

    ControllerException(String message, int exitStatus) {
        super(message, null, false, false);
        this.exitStatus = exitStatus;
    }
}
