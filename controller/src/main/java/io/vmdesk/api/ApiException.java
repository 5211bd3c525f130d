package io.vmdesk.api;

import java.util.Map;

/** An error the API reports as {@code {error, detail}} with an HTTP status, never as a stack trace. */
public final class ApiException extends RuntimeException {
    private final int status;
    private final String error;
    private final Map<String, String> headers;

    public ApiException(int status, String error, String detail) {
        this(status, error, detail, Map.of());
    }

    public ApiException(int status, String error, String detail, Map<String, String> headers) {
        super(detail, null, false, false);
        this.status = status;
        this.error = error;
        this.headers = headers;
    }

    public int status() {
        return status;
    }

    public String error() {
        return error;
    }

    public Map<String, String> headers() {
        return headers;
    }
}
