package io.vmdesk.agent;

/** A recipe the agent cannot run; the message names the field and the problem, and never echoes a secret. */
public final class RecipeException extends Exception {
    public RecipeException(String message) {
        super(message);
    }
}
