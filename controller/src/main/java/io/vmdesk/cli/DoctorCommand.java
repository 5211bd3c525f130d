package io.vmdesk.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.vmdesk.config.Config;
import io.vmdesk.config.ConfigException;
import io.vmdesk.doctor.Doctor;
import io.vmdesk.doctor.DoctorFixer;
import io.vmdesk.doctor.Report;
import io.vmdesk.host.HostCommands;
import io.vmdesk.store.Store;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code vmdesk doctor}: why guests are (or would be) unreachable on this host, with the evidence and the fix. Exit
 * status 1 when any check fails, 0 otherwise (warnings included), 2 when it cannot run at all.
 */
@Command(name = "doctor", description = "Check the host, the configuration and every live guest; say what is wrong "
        + "and how to fix it.")
final class DoctorCommand implements Callable<Integer> {
    static final int EXIT_FAILED = 1;

    @Option(names = "--env-file", description = "the .env file to read (default: ./.env when it exists)")
    Path envFile;

    @Option(names = "--json", description = "print {\"checks\":[…],\"summary\":{…}} instead of text")
    boolean json;

    @Option(names = "--fix", description = "apply the safe fixes (bridge address, STP off, leftovers), say what "
            + "changed, then check again")
    boolean fix;

    @Option(names = "--netns", paramLabel = "NAME", description = "inspect the network namespace NAME (where a "
            + "controller runs with nsenter --net) instead of this one")
    String netns;

    @Option(names = "--all", description = "also list the checks that passed (text output)")
    boolean all;

    @Override
    public Integer call() throws Exception {
        if (envFile != null && !Files.isRegularFile(envFile)) {
            System.err.println("vmdesk: --env-file " + envFile + " does not exist (or is not a file); fix the path, or "
                    + "leave the option out to read ./.env when there is one");
            return ConfigLoading.EXIT_CONFIG;
        }
        if (netns != null && !Files.exists(Path.of("/run/netns", netns))) {
            System.err.println("vmdesk: there is no network namespace " + netns + " (ip netns list shows them); "
                    + "fix the name or leave --netns out");
            return ConfigLoading.EXIT_CONFIG;
        }
        Path dotEnv = envFile != null ? envFile : Path.of(".env");
        Config config;
        List<ConfigException.Problem> problems;
        try {
            Config.Tolerant loaded = Config.loadTolerant(System.getenv(), dotEnv);
            config = loaded.config();
            problems = loaded.unknownNames();
        } catch (ConfigException e) {
            if (fix) {
                // The defaults are not this host's configuration: "fixing" the host towards them could readdress a
                // bridge or remove what the real configuration uses.
                System.err.println("vmdesk: doctor --fix needs a usable configuration:\n" + e.getMessage()
                        + "\nfix it (or run doctor without --fix to see the host checks against the defaults)");
                return ConfigLoading.EXIT_CONFIG;
            }
            // Unusable values: report them all, and examine the host against the defaults, marked as such.
            problems = new java.util.ArrayList<>(e.problems());
            problems.add(new ConfigException.Problem("(defaults)", "the host checks below compare against vmdesk's "
                    + "defaults because the configuration is unusable", "fix the problems above and run doctor again"));
            config = Config.load(Map.of(), null);
        }
        Optional<String> elsewhere = netns == null ? controllerElsewhere(config) : Optional.empty();
        if (elsewhere.isPresent()) {
            if (fix) {
                System.err.println("vmdesk: " + elsewhere.get() + "; doctor --fix here would change the wrong "
                        + "network namespace");
                return ConfigLoading.EXIT_CONFIG;
            }
            System.err.println("vmdesk: warning: " + elsewhere.get() + "; the checks below are of this one");
        }
        HostCommands cmd = netns == null ? new HostCommands() : new HostCommands(netns);
        try (Store store = openStore(config)) {
            Doctor doctor = new Doctor(cmd, config, problems, store);
            Report report = withPrivileges(doctor.examineHost(), System.getProperty("user.name", ""));
            if (fix) {
                List<String> changes = new DoctorFixer(cmd, config, store).apply(report);
                Report after = withPrivileges(doctor.examineHost(), System.getProperty("user.name", ""));
                report = new Report(after.checks(), changes.isEmpty() ? List.of("nothing to fix") : changes);
            }
            if (json) {
                System.out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                        .writeValueAsString(report.toJson()));
            } else {
                System.out.print(report.toText(all));
            }
            return report.failed() ? EXIT_FAILED : 0;
        }
    }

    /** The controller's store when it exists; doctor never creates one. Null (no store) otherwise. */
    private static Store openStore(Config config) {
        if (config.databaseUrl() == null && !Files.isRegularFile(config.sqliteFile())) {
            return null;
        }
        String url = config.databaseUrl() != null ? config.databaseUrl() : "jdbc:sqlite:" + config.sqliteFile();
        try {
            return Store.open(url);
        } catch (RuntimeException e) {
            System.err.println("vmdesk: cannot open the store (" + e.getMessage() + "); checking without it");
            return null;
        }
    }

    /**
     * When the controller of this DATA_DIR runs (its pid in {@code controller.lock}) in another network namespace than
     * doctor: what to say, with the command that examines the right one.
     */
    static Optional<String> controllerElsewhere(Config config) {
        try {
            String pid = Files.readString(config.dataDir().resolve("controller.lock")).strip();
            if (!pid.matches("\\d+") || ProcessHandle.of(Long.parseLong(pid)).map(p -> !p.isAlive()).orElse(true)) {
                return Optional.empty();
            }
            Path theirs = Path.of("/proc", pid, "ns", "net");
            if (Files.readSymbolicLink(theirs).equals(Files.readSymbolicLink(Path.of("/proc/self/ns/net")))) {
                return Optional.empty();
            }
            return Optional.of("the controller of DATA_DIR " + config.dataDir() + " (pid " + pid + ") runs in another "
                    + "network namespace than this doctor; examine its own with `nsenter --net=" + theirs
                    + " --mount=/proc/" + pid + "/ns/mnt vmdesk doctor …` (or `vmdesk doctor --netns NAME`)");
        } catch (java.io.IOException | RuntimeException unknown) {
            return Optional.empty(); // no lock file, or not allowed to look: nothing to say
        }
    }

    /**
     * Without root, nft, arping, the guests' namespaces and the controller's store may be unreadable, and the checks
     * that need them see less than is there: the report says so first, rather than let their "ok" stand alone.
     */
    static Report withPrivileges(Report report, String user) {
        if (user.equals("root")) {
            return report;
        }
        List<io.vmdesk.doctor.Check> checks = new java.util.ArrayList<>();
        checks.add(io.vmdesk.doctor.Check.warn("doctor.privileges", "doctor", "doctor runs as " + user + ", not root: "
                + "nftables, arping, the guests' namespaces and the controller's store may be unreadable, so checks "
                + "that need them may pass for want of evidence", "run it as root: sudo vmdesk doctor"));
        checks.addAll(report.checks());
        return new Report(checks, report.changes());
    }
}
