package io.vmdesk.host;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vmdesk.net.Namespaces;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * A throw-away network namespace "vmdesk-t-<random>" that plays the host side in integration tests, so that no
 * bridge, veth, address or guest traffic ever touches the machine's own network namespace. {@link #close()} deletes
 * it, everything in it, and every guest namespace whose name starts with {@link #guestPrefix()}.
 */
public final class TestNamespace implements AutoCloseable {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final String name;
    private final String tag;
    private final HostCommands plain = new HostCommands();
    private final List<String> extraNamespaces = new ArrayList<>();

    private TestNamespace(String name, String tag) {
        this.name = name;
        this.tag = tag;
    }

    /** Skips the calling test (with the reason) unless we are root and iproute2 is installed. */
    public static void assumeUsable() {
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/ip")) || Files.isExecutable(Path.of("/sbin/ip"))
                        || Files.isExecutable(Path.of("/usr/bin/ip")),
                "skipped: needs iproute2's `ip` (apt-get install iproute2)");
        String uid;
        try {
            uid = new HostCommands().runChecked(TIMEOUT, "id", "-u").stdout().strip();
        } catch (RuntimeException e) {
            uid = "?";
        }
        assumeTrue(uid.equals("0"), "skipped: network namespace tests need root (uid 0), running as uid " + uid);
    }

    public static TestNamespace create() {
        assumeUsable();
        String name = "vmdesk-t-" + randomHex(4);
        TestNamespace ns = new TestNamespace(name, randomHex(3));
        ns.plain.runChecked(TIMEOUT, "ip", "netns", "add", name);
        try {
            ns.plain.runChecked(TIMEOUT, "ip", "netns", "exec", name, "ip", "link", "set", "dev", "lo", "up");
        } catch (RuntimeException e) {
            ns.close();
            throw e;
        }
        return ns;
    }

    public static String randomHex(int bytes) {
        byte[] b = new byte[bytes];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /** The test namespace's name. */
    public String name() {
        return name;
    }

    /** A random instance tag for guest namespace names (see Naming.namespaceName). */
    public String tag() {
        return tag;
    }

    /** Guest namespaces named with {@link #tag()} start with this; close() deletes them all. */
    public String guestPrefix() {
        return "vmdesk-" + tag + "-";
    }

    /** Commands that run inside this namespace. */
    public HostCommands commands() {
        return new HostCommands(name);
    }

    /** Another namespace for close() to delete. */
    public String track(String otherNamespace) {
        extraNamespaces.add(otherNamespace);
        return otherNamespace;
    }

    @Override
    public void close() {
        Namespaces namespaces = new Namespaces(plain);
        List<String> doomed = new ArrayList<>(namespaces.list(guestPrefix()));
        doomed.addAll(extraNamespaces);
        doomed.add(name);
        RuntimeException first = null;
        for (String ns : doomed) {
            try {
                namespaces.delete(ns);
            } catch (RuntimeException e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
