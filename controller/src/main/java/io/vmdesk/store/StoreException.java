package io.vmdesk.store;

/** Anything that went wrong talking to the store: opening, migrating, or a failed statement. */
public class StoreException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public StoreException(String message) {
        super(message);
    }

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
