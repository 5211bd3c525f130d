package io.vmdesk.readiness;

/** Readiness did not succeed within its bound; carries the last observed failure and its evidence. */
public final class ReadinessException extends Exception {
    private final ReadinessFailure failure;

    public ReadinessException(ReadinessFailure failure, String evidence) {
        super(failure.label() + ": " + evidence);
        this.failure = failure;
    }

    public ReadinessFailure failure() {
        return failure;
    }
}
