package io.vmdesk.agent;

public final class BootstrapException extends Exception {
    public BootstrapException(String message) {
        super(message);
    }
}
