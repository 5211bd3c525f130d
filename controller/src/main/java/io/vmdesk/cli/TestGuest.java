package io.vmdesk.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Builds (or finds cached) the VM drivers' test guest with the repository's images/test-guest/build.sh. */
public final class TestGuest {
    private TestGuest() {
    }

    /** @return the directory holding vmlinuz and initrd.gz */
    public static Path build() throws IOException, InterruptedException {
        Path script = repositoryRoot().resolve("images/test-guest/build.sh");
        Process build = new ProcessBuilder(script.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(build.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (build.waitFor() != 0) {
            throw new IOException(script + " failed (see above)");
        }
        List<String> lines = out.lines().toList();
        return Path.of(lines.getLast().trim());
    }

    /** The checkout this controller was built in: from the agent jar's location (set by ./vmdesk), else upwards. */
    private static Path repositoryRoot() throws IOException {
        String agentJar = System.getProperty("vmdesk.agent.jar");
        Path start = agentJar != null ? Path.of(agentJar).toAbsolutePath() : Path.of("").toAbsolutePath();
        for (Path p = start; p != null; p = p.getParent()) {
            if (Files.exists(p.resolve("images/test-guest/build.sh"))) {
                return p;
            }
        }
        throw new IOException("images/test-guest/build.sh not found above " + start + "; run from a vmdesk checkout");
    }
}
