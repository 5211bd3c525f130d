package io.vmdesk.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmdesk.auth.ApiKeys;
import io.vmdesk.auth.Scope;
import io.vmdesk.cli.Main;
import io.vmdesk.store.Store;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/** {@code vmdesk session …} against the real controller in a test namespace: every subcommand, text and --json. */
@Timeout(300)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SessionCliTest {
    static ControllerProcess controller;
    static String first;
    static String second;

    record Run(int status, String out, String err) {
        JsonNode json() throws Exception {
            return ControllerProcess.JSON.readTree(out);
        }
    }

    @BeforeAll
    static void start() throws Exception {
        controller = ControllerProcess.start(Map.of());
    }

    @AfterAll
    static void stop() throws Exception {
        if (controller != null) {
            controller.close();
        }
    }

    /** Runs {@code vmdesk args…} in this JVM, as the launcher would, and captures what it prints. */
    static Run vmdesk(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new Main()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err));
        int status = cli.execute(args);
        return new Run(status, out.toString(), err.toString());
    }

    /** {@code vmdesk session <args> --url … --api-key …} with the test controller's admin key. */
    static Run session(String... args) {
        return sessionWithKey(controller.controller.apiKey(), args);
    }

    static Run sessionWithKey(String key, String... args) {
        return sessionAs(controller, key, args);
    }

    /** {@code vmdesk session <args>} against another test's controller, with its admin key. */
    static Run sessionOf(ControllerProcess target, String... args) {
        return sessionAs(target, target.controller.apiKey(), args);
    }

    private static Run sessionAs(ControllerProcess target, String key, String... args) {
        List<String> all = new ArrayList<>(List.of("session"));
        all.addAll(List.of(args));
        all.addAll(List.of("--url", target.baseUrl(), "--api-key=" + key));
        return vmdesk(all.toArray(String[]::new));
    }

    @Test
    @Order(1)
    void createPrintsTheIdAndLiveViewAndWaitsWhenAsked() throws Exception {
        Run created = session("create", "--provider", "codex", "--user", "cli-json", "--json");
        assertThat(created.status()).as(created.err()).isZero();
        first = created.json().get("sessionId").asText();
        assertThat(created.json().get("novncURL").asText()).startsWith(controller.baseUrl() + "/api/auth/session/"
                + first + "/novnc?token=");

        // --timeout 0 waits without a limit (it used to return at once)
        Run waited = session("create", "--provider", "codex", "--user", "cli-text", "--wait", "--timeout", "0");
        assertThat(waited.status()).as(waited.out() + waited.err()).isZero();
        assertThat(waited.out()).containsPattern("status\\s+READY").contains("live view").contains("steps:");
        second = waited.out().lines().filter(l -> l.startsWith("session ")).findFirst().orElseThrow()
                .split("\\s+")[1];
        assertThat(controller.awaitSettled(first, java.time.Duration.ofSeconds(90)).get("status").asText())
                .isEqualTo("READY");
    }

    @Test
    @Order(2)
    void listShowsBothSessionsAsATableOrJson() throws Exception {
        Run text = session("list");
        assertThat(text.status()).as(text.err()).isZero();
        assertThat(text.out()).startsWith("SESSION").contains(first).contains(second).contains("cli-text");

        Run json = session("list", "--status", "ready", "--json");
        assertThat(json.status()).as(json.err()).isZero();
        assertThat(json.json().get("count").asInt()).isEqualTo(2);

        Run mine = session("list", "--user", "cli-json", "--json");
        assertThat(mine.json().get("sessions")).hasSize(1);
        assertThat(mine.json().get("sessions").get(0).get("sessionId").asText()).isEqualTo(first);
    }

    @Test
    @Order(3)
    void showGivesTheRecordWithItsSteps() throws Exception {
        Run text = session("show", second);
        assertThat(text.status()).as(text.err()).isZero();
        assertThat(text.out()).containsPattern("user\\s+cli-text").containsPattern("browser IP\\s+192\\.168\\.")
                .contains("steps:").contains("ok");

        Run json = session("show", second, "--json");
        assertThat(json.json().get("status").asText()).isEqualTo("READY");
        assertThat(json.json().get("steps")).isNotEmpty();
    }

    @Test
    @Order(4)
    void openPrintsTheLiveViewUrl() throws Exception {
        Run text = session("open", second);
        assertThat(text.status()).as(text.err()).isZero();
        String url = text.out().strip();
        assertThat(url).startsWith(controller.baseUrl() + "/api/auth/session/" + second + "/novnc?token=");
        assertThat(controller.get(url.substring(controller.baseUrl().length())).statusCode()).isBetween(200, 399);

        Run json = session("open", second, "--json");
        // each answer carries a fresh live-view token
        assertThat(json.json().get("novncURL").asText()).startsWith(url.substring(0, url.indexOf("?token=") + 7));
        assertThat(json.json().get("status").asText()).isEqualTo("READY");
    }

    @Test
    @Order(5)
    void logsGiveTheStepsAndTheTailOfTheGuestProcessLogs() throws Exception {
        Run text = session("logs", second, "--lines", "5");
        assertThat(text.status()).as(text.err()).isZero();
        assertThat(text.out()).contains("steps:").contains("process logs:").contains("xvfb.log")
                .contains("x11vnc.log").contains("(last 5 lines)");

        Run json = session("logs", second, "--json");
        assertThat(json.json().get("steps")).isNotEmpty();
        assertThat(json.json().get("log").asText()).contains("chromium.log");

        // out of range is bad usage (2), said before anything is sent, not the controller's refusal (1)
        for (String n : List.of("0", "-5", "2001")) {
            Run bad = session("logs", second, "-n", n);
            assertThat(bad.status()).as(bad.err()).isEqualTo(2);
            assertThat(bad.err()).startsWith("--lines (-n) must be a whole number from 1 to 2000, not " + n
                    + "; e.g. -n 200").contains("Usage: vmdesk session logs");
            assertThat(bad.out()).isEmpty();
        }
    }

    @Test
    @Order(6)
    void rmEndsSessionsAndLogsThenSayTheGuestIsGone() throws Exception {
        Run text = session("rm", first);
        assertThat(text.status()).as(text.err()).isZero();
        assertThat(text.out().strip()).isEqualTo("ended " + first + " (ENDED, deleted)");

        Run json = session("rm", second, first, "--json");
        assertThat(json.status()).as(json.err()).isZero();
        assertThat(json.json()).hasSize(2);
        assertThat(json.json().get(0).get("status").asText()).isEqualTo("ENDED");

        Run logs = session("logs", second);
        assertThat(logs.out()).contains("process logs: none");
        Run follow = session("logs", second, "--follow");
        assertThat(follow.status()).as(follow.err()).isZero();
        assertThat(follow.out()).contains("status ENDED (deleted)");
        Run followJson = session("logs", second, "--follow", "--json");
        List<String> lines = followJson.out().lines().toList();
        assertThat(ControllerProcess.JSON.readTree(lines.getLast()).get("status").asText()).isEqualTo("ENDED");
    }

    @Test
    @Order(7)
    void errorsCarryTheControllersDetail() throws Exception {
        Run unknown = session("show", "00000000-0000-0000-0000-000000000000");
        assertThat(unknown.status()).isEqualTo(1);
        assertThat(unknown.err().strip()).isEqualTo("vmdesk: the controller answered 404 session-not-found: no session "
                + "00000000-0000-0000-0000-000000000000 on this controller");

        Run noKey = sessionWithKey("", "list");
        assertThat(noKey.status()).isEqualTo(1);
        assertThat(noKey.err()).contains("401 missing-api-key: send a platform API key")
                .contains("--api-key or in VMDESK_API_KEY");

        String readOnly;
        try (Store store = Store.open("jdbc:sqlite:" + controller.dataDir.resolve("vmdesk.db"))) {
            readOnly = new ApiKeys(store, Clock.systemUTC()).create("cli-read-only", Set.of(Scope.SESSIONS_READ));
        }
        Run forbidden = sessionWithKey(readOnly, "rm", first);
        assertThat(forbidden.status()).isEqualTo(1);
        assertThat(forbidden.err()).contains("403 forbidden:").contains("lacks the scope sessions:delete");
        assertThat(forbidden.out()).isEmpty();
    }

    @Test
    @Order(8)
    void aControllerThatIsNotRunningIsNamedWithTheFix() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        Run run = vmdesk("session", "list", "--url", "http://127.0.0.1:" + port, "--api-key", "vmd_x");
        assertThat(run.status()).isEqualTo(3);
        assertThat(run.err().strip()).isEqualTo("vmdesk: cannot reach the controller at http://127.0.0.1:" + port
                + ": connection refused — start it with ./vmdesk serve or set --url (or VMDESK_URL)");
        assertThat(run.out()).isEmpty();

    }

    @Test
    @Order(8)
    void aUrlThatIsNoUrlIsBadUsageNamingTheFix() throws Exception {
        for (String url : List.of("notaurl", "ftp://127.0.0.1", "http://")) {
            Run run = vmdesk("session", "show", first, "--url", url, "--api-key", "vmd_x");
            assertThat(run.status()).as(run.err()).isEqualTo(2);
            assertThat(run.err()).startsWith("--url '" + url + "' is not an http:// or https:// URL with a host name; "
                    + "give the controller's address, e.g. --url http://127.0.0.1:4000")
                    .contains("Usage: vmdesk session show");
            assertThat(run.out()).isEmpty();
        }
        Run missing = vmdesk("session", "list", "--env-file", "/nonexistent/vmdesk.env", "--api-key", "vmd_x");
        assertThat(missing.status()).isEqualTo(2);
        assertThat(missing.err()).startsWith("--env-file /nonexistent/vmdesk.env does not exist (or is not a file)");
    }

    @Test
    @Order(8)
    void createChecksItsTimeoutBeforeCreatingAnything() throws Exception {
        int before = session("list", "--json").json().get("count").asInt();
        Run run = session("create", "--provider", "codex", "--user", "cli-timeout", "--wait", "--timeout", "-1");
        assertThat(run.status()).isEqualTo(2);
        assertThat(run.err()).startsWith("--timeout must be 0 (wait without a limit) or a positive number of seconds, "
                + "not -1; e.g. --timeout 300");
        assertThat(session("list", "--json").json().get("count").asInt()).isEqualTo(before);
        assertThat(vmdesk("session", "create", "--help").out().replaceAll("\\s+", " "))
                .contains("--timeout=SECONDS how long --wait waits, in whole seconds; 0 waits without a limit");
    }

    @Test
    @Order(8)
    void theControllersPortComesFromAnEnvFileOrTheDotEnvInTheWorkingDirectory() throws Exception {
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("vmdesk-cli-env");
        try {
            // --env-file, as serve has it: PUBLIC_URL, else the loopback at PORT
            java.nio.file.Path envFile = java.nio.file.Files.writeString(dir.resolve("vmdesk.env"),
                    "PORT=" + controller.controller.relayPort() + "\nBRIDGE_DEVICE=br-elsewhere\n");
            Run viaFile = vmdesk("session", "list", "--json", "--env-file", envFile.toString(),
                    "--api-key", controller.controller.apiKey());
            assertThat(viaFile.status()).as(viaFile.err()).isZero();
            assertThat(viaFile.json().get("count").asInt()).isPositive();

            // ./.env of the working directory, in a process of its own started there (VMDESK_URL, PORT unset)
            java.nio.file.Files.writeString(dir.resolve(".env"), "PUBLIC_URL=" + controller.baseUrl() + "\n");
            ProcessBuilder builder = new ProcessBuilder(java.nio.file.Path.of(System.getProperty("java.home"), "bin",
                    "java").toString(), "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                    "session", "show", first).directory(dir.toFile());
            builder.environment().keySet().removeIf(k -> k.equals("VMDESK_URL") || k.equals("PUBLIC_URL")
                    || k.equals("PORT"));
            builder.environment().put("VMDESK_API_KEY", controller.controller.apiKey());
            builder.redirectError(ProcessBuilder.Redirect.INHERIT);
            Process process = builder.start();
            String out = new String(process.getInputStream().readAllBytes());
            assertThat(process.waitFor()).as(out).isZero();
            assertThat(out).containsPattern("session\\s+" + first);
        } finally {
            try (var files = java.nio.file.Files.list(dir)) {
                for (java.nio.file.Path f : files.toList()) {
                    java.nio.file.Files.delete(f);
                }
            }
            java.nio.file.Files.delete(dir);
        }
    }

    @Test
    @Order(9)
    void completionCompletesTheSessionCommandsInBash() throws Exception {
        Run run = vmdesk("completion");
        assertThat(run.status()).isZero();
        assertThat(complete(run.out(), "vmdesk", "session", "")).contains("create", "list", "show", "rm", "open", "logs");
        assertThat(complete(run.out(), "vmdesk", "session", "logs", "--")).contains("--follow", "--lines", "--url",
                "--api-key", "--json");
    }

    /** What bash offers for the last word after sourcing the script (as a shell does on Tab). */
    private static List<String> complete(String script, String... words) throws Exception {
        java.nio.file.Path file = java.nio.file.Files.createTempFile("vmdesk-completion", ".bash");
        try {
            java.nio.file.Files.writeString(file, script);
            String line = String.join(" ", words);
            String command = "source " + file + "; COMP_WORDS=(" + line + (words[words.length - 1].isEmpty() ? " ''" : "")
                    + "); COMP_CWORD=" + (words.length - 1) + "; COMP_LINE='" + line + "'; COMP_POINT=${#COMP_LINE};"
                    + " _complete_vmdesk; printf '%s\\n' \"${COMPREPLY[@]}\"";
            Process bash = new ProcessBuilder("bash", "-c", command).redirectErrorStream(true).start();
            String out = new String(bash.getInputStream().readAllBytes());
            assertThat(bash.waitFor()).as(out).isZero();
            return out.lines().toList();
        } finally {
            java.nio.file.Files.delete(file);
        }
    }
}
