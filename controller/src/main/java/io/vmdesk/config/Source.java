package io.vmdesk.config;

/** Where an effective setting came from; shown by {@link Config#describe()}. */
enum Source {
    DEFAULT("default"),
    ENV("env"),
    DOTENV(".env");

    private final String label;

    Source(String label) {
        this.label = label;
    }

    String label() {
        return label;
    }
}
