package io.vmdesk.guest;

/** A guest could not be brought up; {@link #step()} names where, the message says why. */
public class GuestException extends Exception {
    private final String step;

    public GuestException(String step, String message, Throwable cause) {
        super(step + ": " + message, cause);
        this.step = step;
    }

    public String step() {
        return step;
    }
}
