package io.vmdesk.config;

import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * The configuration is unusable. Carries EVERY problem found, not just the first, so an operator fixes them all in
 * one round instead of discovering them one restart at a time. The message is the problems, one per line.
 */
public final class ConfigException extends Exception {

    private static final long serialVersionUID = 1L;

    private final transient List<Problem> problems;

    public ConfigException(List<Problem> problems) {
        super(render(problems));
        this.problems = List.copyOf(problems);
    }

    public List<Problem> problems() {
        return problems;
    }

    private static String render(List<Problem> problems) {
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("a ConfigException needs at least one problem");
        }
        return problems.stream().map(Problem::toString).collect(Collectors.joining("\n"));
    }

    /**
     * One thing wrong: the variable to look at, what is wrong (including where the value came from), and a concrete
     * fix such as {@code set IP_POOL_START=192.168.100.2}.
     */
    public record Problem(String variable, String message, String fix) {

        public Problem {
            Objects.requireNonNull(variable, "variable");
            Objects.requireNonNull(message, "message");
            Objects.requireNonNull(fix, "fix");
        }

        /** One line: what is wrong, then how to fix it. */
        @Override
        public String toString() {
            return message + ". Fix: " + fix;
        }
    }
}
