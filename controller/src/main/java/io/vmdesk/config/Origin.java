package io.vmdesk.config;

import java.nio.file.Path;

/**
 * Where one raw value came from, precise enough for an error message to send the operator to the right place
 * (the predecessor's problem was values nobody could trace).
 */
record Origin(Source source, Path file, int line) {

    static final Origin DEFAULT = new Origin(Source.DEFAULT, null, 0);
    static final Origin ENV = new Origin(Source.ENV, null, 0);

    static Origin dotEnv(Path file, int line) {
        return new Origin(Source.DOTENV, file, line);
    }

    /** E.g. "set in /etc/vmdesk/.env line 3"; used inside parentheses after a value. */
    String where() {
        return switch (source) {
            case DEFAULT -> "default";
            case ENV -> "set in the process environment";
            case DOTENV -> "set in " + file + " line " + line;
        };
    }
}
