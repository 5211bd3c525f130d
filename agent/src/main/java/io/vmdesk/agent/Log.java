package io.vmdesk.agent;

import java.time.Instant;

/**
 * One line per event on stderr. Callers pass only non-secret text; as a second line of defence every message goes
 * through {@link Scrubber} and is folded onto a single line.
 */
final class Log {
    private Log() {}

    static void info(String message) {
        write("INFO", message);
    }

    static void warn(String message) {
        write("WARN", message);
    }

    static void error(String message) {
        write("ERROR", message);
    }

    private static void write(String level, String message) {
        String line = Scrubber.scrub(message).replaceAll("[\\r\\n\\t]+", " ");
        synchronized (System.err) {
            System.err.println(Instant.now() + " vmdesk-agent " + level + " " + line);
            System.err.flush();
        }
    }
}
