package io.vmdesk.net;

import io.vmdesk.host.HostCommandException;
import io.vmdesk.host.HostCommands;
import io.vmdesk.host.Processes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Named network namespaces ({@code ip netns}): listing, their processes, and deleting them with everything inside. */
public final class Namespaces {
    private static final Logger log = LoggerFactory.getLogger(Namespaces.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final Duration GRACE = Duration.ofSeconds(2);
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,200}");

    private final HostCommands cmd;

    public Namespaces(HostCommands cmd) {
        this.cmd = Objects.requireNonNull(cmd, "cmd");
    }

    /** {@code ip netns list} names with that prefix. */
    public List<String> list(String prefix) {
        HostCommands.Result r = cmd.runChecked(TIMEOUT, "ip", "netns", "list");
        List<String> names = new ArrayList<>();
        for (String line : r.stdout().split("\n")) {
            String name = line.strip().split("\\s+", 2)[0];
            if (!name.isEmpty() && name.startsWith(prefix)) {
                names.add(name);
            }
        }
        return names;
    }

    /** {@code ip netns pids ns}: processes whose network namespace is ns; empty if ns does not exist. */
    public List<Long> pids(String ns) {
        check(ns);
        HostCommands.Result r = cmd.run(TIMEOUT, "ip", "netns", "pids", ns);
        if (!r.ok()) {
            if (r.stderr().contains("No such file or directory")) {
                return List.of();
            }
            throw new HostCommandException(cmd.wrap(List.of("ip", "netns", "pids", ns)), r.exitCode(), r.stderr());
        }
        List<Long> pids = new ArrayList<>();
        for (String line : r.stdout().split("\n")) {
            if (!line.isBlank()) {
                pids.add(Long.parseLong(line.strip()));
            }
        }
        return pids;
    }

    /**
     * Kills every process in ns (SIGTERM, then SIGKILL after ~2 s), then {@code ip netns del}; deleting the namespace
     * also deletes the interfaces inside it (and so the host ends of their veth pairs). Idempotent: an absent
     * namespace is fine. If a process survives SIGKILL the namespace is kept and this throws, so that the ledger
     * entry stays open and the removal can be retried.
     */
    public void delete(String ns) {
        check(ns);
        if (!list("").contains(ns)) {
            return;
        }
        try {
            for (int round = 0; round < 3; round++) {
                List<ProcessHandle> inside = pids(ns).stream().map(ProcessHandle::of).flatMap(Optional::stream).toList();
                if (inside.isEmpty()) {
                    break;
                }
                log.debug("namespace {}: terminating {} process(es)", ns, inside.size());
                List<ProcessHandle> left = Processes.terminate(inside, GRACE);
                if (!left.isEmpty() && round == 2) {
                    throw new IllegalStateException("namespace " + ns + " still holds process(es) "
                            + left.stream().map(p -> p.pid() + " " + p.info().command().orElse("?")).toList()
                            + " after SIGKILL; namespace kept so that its removal can be retried");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while stopping the processes in namespace " + ns, e);
        }
        HostCommands.Result r = cmd.run(TIMEOUT, "ip", "netns", "del", ns);
        if (!r.ok() && !r.stderr().contains("No such file or directory")) {
            throw new HostCommandException(cmd.wrap(List.of("ip", "netns", "del", ns)), r.exitCode(), r.stderr());
        }
        log.debug("namespace {} deleted", ns);
    }

    private static void check(String ns) {
        if (ns == null || !NAME.matcher(ns).matches()) {
            throw new IllegalArgumentException("'" + ns + "' is not a network namespace name");
        }
    }
}
