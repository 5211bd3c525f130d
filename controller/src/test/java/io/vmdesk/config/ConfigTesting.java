package io.vmdesk.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmdesk.config.ConfigException.Problem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Small helpers so each test reads as "given this environment/.env, expect these problems". */
final class ConfigTesting {

    private ConfigTesting() {
    }

    static Config load(Map<String, String> env) throws ConfigException {
        return Config.load(env, null);
    }

    static ConfigException failure(Map<String, String> env) {
        return failure(env, null);
    }

    static ConfigException failure(Map<String, String> env, Path dotEnv) {
        try {
            Config config = Config.load(env, dotEnv);
            throw new AssertionError("expected a ConfigException, got " + config.describe());
        } catch (ConfigException e) {
            return e;
        }
    }

    /** The single problem of a failure; a second one would mean the rules produce noise. */
    static Problem onlyProblem(ConfigException e) {
        assertThat(e.problems()).as(e.getMessage()).hasSize(1);
        return e.problems().get(0);
    }

    static Problem problemFor(ConfigException e, String variable) {
        return e.problems().stream().filter(p -> p.variable().equals(variable)).findFirst()
                .orElseThrow(() -> new AssertionError("no problem for " + variable + " in:\n" + e.getMessage()));
    }

    static List<String> variables(ConfigException e) {
        return e.problems().stream().map(Problem::variable).toList();
    }

    static Path writeDotEnv(Path dir, String... lines) throws IOException {
        Path file = dir.resolve(".env");
        Files.write(file, List.of(lines));
        return file;
    }
}
