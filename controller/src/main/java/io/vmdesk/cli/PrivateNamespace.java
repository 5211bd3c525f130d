package io.vmdesk.cli;

import io.vmdesk.host.HostCommands;
import io.vmdesk.net.Namespaces;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A network namespace made for one run of the controller (the demo's {@code --netns}, and the tests): everything the
 * controller does to the network happens in it, never in the machine's own namespace. Closing kills what runs in it,
 * deletes it, and deletes the guest namespaces the controller inside named with its prefix.
 */
public final class PrivateNamespace implements AutoCloseable {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final String name;
    private final String guestPrefix;
    private final HostCommands host = new HostCommands();
    private final Namespaces namespaces = new Namespaces(host);
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    private PrivateNamespace(String name, String guestPrefix) {
        this.name = name;
        this.guestPrefix = guestPrefix;
    }

    /**
     * Creates the namespace with loopback up. A leftover of the same name from an earlier run is removed first when
     * nothing runs in it; when something does, it refuses and says how to proceed.
     *
     * @param guestPrefix prefix of the guest namespaces the controller inside will create (removed on close)
     */
    public static PrivateNamespace create(String name, String guestPrefix) {
        PrivateNamespace ns = new PrivateNamespace(name, guestPrefix);
        if (ns.namespaces.list(name).contains(name)) {
            List<Long> pids = ns.namespaces.pids(name);
            if (!pids.isEmpty()) {
                throw new IllegalStateException("network namespace " + name + " exists and processes " + pids
                        + " run in it (another demo?). Stop them, or pick another name with --netns NAME, or remove it:"
                        + " ip netns pids " + name + " | xargs -r kill; ip netns del " + name);
            }
            ns.namespaces.delete(name);
        }
        ns.host.runChecked(TIMEOUT, "ip", "netns", "add", name);
        ns.host.runChecked(TIMEOUT, "ip", "-n", name, "link", "set", "lo", "up");
        return ns;
    }

    public String name() {
        return name;
    }

    /** Host commands that run inside this namespace. */
    public HostCommands commands() {
        return new HostCommands(name);
    }

    /**
     * The command prefix that runs a program in this namespace. {@code nsenter --net} and not {@code ip netns exec}:
     * the latter also gives the program a private mount namespace, so namespaces the controller creates in turn
     * (its guests) would exist only for it, and a crash would leave them unreachable to its successor.
     */
    public List<String> enter() {
        return List.of("nsenter", "--net=/run/netns/" + name);
    }

    /** Starts a process inside the namespace. */
    public Process start(List<String> argv, Map<String, String> environment, boolean inheritIo) throws IOException {
        List<String> command = new ArrayList<>(enter());
        command.addAll(argv);
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().putAll(environment);
        if (inheritIo) {
            builder.inheritIO();
        }
        return builder.start();
    }

    /** Idempotent: the demo's shutdown hook and its normal path may both call it. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        for (String guest : namespaces.list(guestPrefix)) {
            namespaces.delete(guest);
        }
        namespaces.delete(name);
    }
}
