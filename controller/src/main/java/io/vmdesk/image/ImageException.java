package io.vmdesk.image;

/** The image cannot be read at all; the message says why and what to do. */
public final class ImageException extends Exception {
    public ImageException(String message) {
        super(message);
    }
}
