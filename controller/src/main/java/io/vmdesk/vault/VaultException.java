package io.vmdesk.vault;

/**
 * The vault cannot do what was asked: most importantly, a record failed authentication (it was tampered with, moved
 * to another row, or its master key is missing or wrong). The message names the record id and never any secret.
 */
public class VaultException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public VaultException(String message) {
        super(message);
    }

    public VaultException(String message, Throwable cause) {
        super(message, cause);
    }
}
