package io.vmdesk.install;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.vmdesk.cli.PrivateNamespace;
import io.vmdesk.cli.UnixRelay;
import io.vmdesk.net.Naming;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * The distribution as an operator gets it: {@code ./vmdesk dist} builds the tarball, which is unpacked in a clean
 * directory and installed below a temporary prefix with its own {@code vmdesk install}; the unit passes
 * {@code systemd-analyze verify}, and its ExecStart line, run as systemd would (in a test network namespace), gives a
 * healthy controller.
 */
@Timeout(300)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DistributionIT {
    static Path work;
    static Path unpacked;
    static InstallLayout layout;

    record Result(int status, String output) {
    }

    @BeforeAll
    static void buildAndUnpack() throws Exception {
        String uid = run(List.of("id", "-u")).output().strip();
        assumeThat(uid).as("the installed controller creates network namespaces: run as root").isEqualTo("0");
        work = Files.createTempDirectory("vmdesk-dist-");
        Path source = Path.of(System.getProperty("vmdesk.root", "..")).toAbsolutePath().normalize();
        Result dist = run(List.of(source.resolve("vmdesk").toString(), "dist"));
        assertThat(dist.status()).as(dist.output()).isZero();
        Path tarball = Path.of(dist.output().lines().filter(l -> l.endsWith(".tar.gz")).findFirst().orElseThrow());
        Files.createDirectories(work.resolve("unpacked"));
        Result untar = run(List.of("tar", "-xzf", tarball.toString(), "-C", work.resolve("unpacked").toString()));
        assertThat(untar.status()).as(untar.output()).isZero();
        try (Stream<Path> top = Files.list(work.resolve("unpacked"))) {
            unpacked = top.findFirst().orElseThrow();
        }
        layout = new InstallLayout(work.resolve("root"));
    }

    @AfterAll
    static void clean() throws IOException {
        if (work != null) {
            try (Stream<Path> walk = Files.walk(work)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    @Order(1)
    void theTarballHoldsTheBuiltApplicationAndNoSources() throws Exception {
        assertThat(unpacked.getFileName().toString()).startsWith("vmdesk-");
        for (String file : List.of("vmdesk", "DISTRIBUTION", "lib/vmdesk-controller.jar", "agent/vmdesk-agent.jar",
                "share/vmdesk.env.example", "share/vmdesk.service", "share/operator-guide.md")) {
            assertThat(unpacked.resolve(file)).as(file).isRegularFile();
        }
        assertThat(unpacked.resolve("controller")).doesNotExist();
        assertThat(unpacked.resolve("pom.xml")).doesNotExist();
        try (java.util.zip.ZipFile jar = new java.util.zip.ZipFile(unpacked.resolve("lib/vmdesk-controller.jar").toFile())) {
            assertThat(jar.getEntry("novnc/vnc.html")).as("noVNC is bundled in the jar").isNotNull();
        }
        assertThat(Files.readString(unpacked.resolve("share/vmdesk.env.example")))
                .isEqualTo(SettingsReference.envFile(java.util.Map.of()));
    }

    @Test
    @Order(2)
    void installLaysItOutWithoutBuildingAnything() throws Exception {
        Result install = run(List.of(unpacked.resolve("vmdesk").toString(), "install", "--prefix",
                layout.prefix().toString()));
        assertThat(install.status()).as(install.output()).isZero();
        assertThat(install.output()).doesNotContain("building").contains("unit         " + layout.unitFile());
        assertThat(unpacked.resolve("target")).as("nothing compiled in the distribution").doesNotExist();
        assertThat(layout.launcher()).isExecutable();
        assertThat(layout.appDir().resolve("lib/vmdesk-controller.jar")).isRegularFile();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(layout.envFile()))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(layout.dataDir()))).isEqualTo("rwx--x--x");
        assertThat(Files.readString(layout.envFile())).contains("\nDATA_DIR=" + layout.dataDir() + "\n")
                .contains("#VIEWER_POLICY=exclusive");
        assertThat(layout.command()).isSymbolicLink();
        assertThat(Files.readSymbolicLink(layout.command())).isEqualTo(layout.launcher());
        assertThat(Files.readString(layout.bashCompletion())).contains("_complete_vmdesk");

        Result help = run(List.of(layout.command().toString(), "session", "--help"));
        assertThat(help.output()).as("the installed command runs through its link").contains("create").contains("logs");
    }

    @Test
    @Order(3)
    void systemdAcceptsTheUnit() throws Exception {
        assumeThat(Path.of("/usr/bin/systemd-analyze")).as("systemd-analyze (package systemd) is not installed")
                .exists();
        Result verify = run(List.of("systemd-analyze", "verify", layout.unitFile().toString()));
        assumeThat(verify.output()).as("systemd-analyze cannot run in this container: " + verify.output())
                .doesNotContain("Failed to connect to bus").doesNotContain("Failed to initialize manager");
        assertThat(verify.status()).as(verify.output()).isZero();
        // It exits 0 on unknown or misspelt settings too, with a warning naming the file: there must be none.
        assertThat(verify.output()).doesNotContain(layout.unitFile().getFileName().toString());
    }

    @Test
    @Order(4)
    void theUnitsCommandLineGivesAHealthyController() throws Exception {
        String unit = Files.readString(layout.unitFile());
        List<String> execStart = Arrays.asList(value(unit, "ExecStart").split("\\s+"));
        Path workingDirectory = Path.of(value(unit, "WorkingDirectory"));
        assertThat(workingDirectory).isEqualTo(layout.dataDir());
        // As an operator would: the controller's HTTP port is in a test namespace, so also listen on a socket.
        Path socket = layout.dataDir().resolve("http.sock");
        Files.writeString(layout.envFile(), "CONTROL_SOCKET=" + socket + "\n", java.nio.file.StandardOpenOption.APPEND);

        PrivateNamespace namespace = PrivateNamespace.create("vmdesk-t-" + UUID.randomUUID().toString().substring(0, 8),
                Naming.namespacePrefix(Naming.instanceTag(layout.dataDir())));
        Process service = null;
        try {
            List<String> command = new ArrayList<>(namespace.enter());
            command.addAll(execStart);
            ProcessBuilder builder = new ProcessBuilder(command).directory(workingDirectory.toFile())
                    .redirectErrorStream(true).redirectOutput(work.resolve("service.log").toFile());
            // systemd's environment: PATH and nothing else (no JAVA_HOME, no Maven)
            builder.environment().clear();
            builder.environment().put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
            service = builder.start();
            int status = awaitHealth(service, socket);
            assertThat(status).as(Files.readString(work.resolve("service.log"))).isEqualTo(200);
            assertThat(Files.readString(work.resolve("service.log"))).doesNotContain("building");
            assertThat(layout.dataDir().resolve("vmdesk.db")).isRegularFile();

            service.destroy();
            assertThat(service.waitFor(60, TimeUnit.SECONDS)).as("stops on SIGTERM").isTrue();
        } finally {
            if (service != null && service.isAlive()) {
                service.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            namespace.close();
        }

        // Installing again (an upgrade) keeps the operator's configuration and the data.
        String configured = Files.readString(layout.envFile());
        Result again = run(List.of(unpacked.resolve("vmdesk").toString(), "install", "--prefix",
                layout.prefix().toString()));
        assertThat(again.status()).as(again.output()).isZero();
        assertThat(again.output()).contains("kept         " + layout.envFile());
        assertThat(Files.readString(layout.envFile())).isEqualTo(configured);
        assertThat(layout.dataDir().resolve("vmdesk.db")).isRegularFile();
    }

    private static int awaitHealth(Process service, Path socket) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        Instant deadline = Instant.now().plus(Duration.ofSeconds(90));
        while (Instant.now().isBefore(deadline) && service.isAlive()) {
            if (Files.exists(socket)) {
                try (UnixRelay relay = UnixRelay.start(0, socket)) {
                    HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(
                            "http://127.0.0.1:" + relay.port() + "/api/health")).timeout(Duration.ofSeconds(10)).build(),
                            HttpResponse.BodyHandlers.ofString());
                    assertThat(health.body()).contains("\"status\"");
                    return health.statusCode();
                } catch (IOException notYet) {
                    // the socket exists a moment before the server accepts on it
                }
            }
            Thread.sleep(200);
        }
        return -1;
    }

    private static String value(String unit, String key) {
        return unit.lines().filter(l -> l.startsWith(key + "=")).findFirst().orElseThrow()
                .substring(key.length() + 1).strip();
    }

    private static Result run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + command + "\n" + out);
        }
        return new Result(p.exitValue(), out);
    }
}
