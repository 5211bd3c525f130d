package io.vmdesk.net;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The one place for vmdesk's naming scheme of host resources.
 *
 * <p>Everything a session leaves on the host is named so that it can be traced back to its session and its
 * controller from the name alone, which is what crash recovery has when the store is gone:
 * <ul>
 *   <li>host-side veth/TAP interface: {@code "vmd" + the first 11 hex digits of the session id} (dashes removed),
 *       14 bytes, within Linux's 15-byte IFNAMSIZ limit; every vmdesk link starts with {@link #INTERFACE_PREFIX};</li>
 *   <li>network namespace: {@code "vmdesk-" + instance tag + "-" + the first 12 hex digits of the session id}; the
 *       instance tag (6 hex digits of a SHA-256 of the controller's absolute data directory) keeps two controllers
 *       on one machine from reaping each other's namespaces ({@link #namespacePrefix});</li>
 *   <li>guest MAC: {@code 02:fc:} (locally administered, unicast) followed by the four octets of the guest's IPv4
 *       address, so MAC and address are unique together and one can be read off the other in a packet capture.</li>
 * </ul>
 */
public final class Naming {
    /** Host-side veth/TAP names: "vmd" + first 11 hex chars of the session id (dashes removed) = 14 bytes ≤ 15. */
    public static final String INTERFACE_PREFIX = "vmd";
    private static final Pattern HEX = Pattern.compile("[0-9a-f]+");
    private static final Pattern TAG = Pattern.compile("[a-z0-9]{1,16}");
    private static final Pattern INTERFACE = Pattern.compile(INTERFACE_PREFIX + "[0-9a-f]{11}");
    /** A guest namespace or its slot: "vmdesk-" + tag + "-" + 12 hex digits, optionally + "-slot". */
    private static final Pattern NAMESPACE = Pattern.compile("vmdesk-([a-z0-9]{1,16})-[0-9a-f]{12}(?:-slot)?");

    private Naming() {
    }

    public static String interfaceName(String sessionId) {
        return INTERFACE_PREFIX + hex(sessionId).substring(0, 11);
    }

    /**
     * Whether {@code name} has exactly the shape {@link #interfaceName} gives ("vmd" + 11 lower-case hex digits).
     * The shape alone does not say which controller made it: interface names carry no instance tag.
     */
    public static boolean isInterfaceName(String name) {
        return name != null && INTERFACE.matcher(name).matches();
    }

    /**
     * The instance tag in a session namespace's name ({@link #namespaceName}, or its slot namespace
     * {@code …-slot}); empty when the name is not shaped like one.
     */
    public static java.util.Optional<String> instanceTagOfNamespace(String namespace) {
        if (namespace == null) {
            return java.util.Optional.empty();
        }
        var m = NAMESPACE.matcher(namespace);
        return m.matches() ? java.util.Optional.of(m.group(1)) : java.util.Optional.empty();
    }

    /** {@code 02:fc:} + the 4 address octets in hex, e.g. 192.168.100.2 → 02:fc:c0:a8:64:02. */
    public static String macFor(Ipv4Address guest) {
        return String.format("02:fc:%02x:%02x:%02x:%02x", guest.octet(0), guest.octet(1), guest.octet(2),
                guest.octet(3));
    }

    /** {@code "vmdesk-" + instanceTag + "-"}: every namespace of one controller starts with this. */
    public static String namespacePrefix(String instanceTag) {
        if (instanceTag == null || !TAG.matcher(instanceTag).matches()) {
            throw new IllegalArgumentException("instance tag '" + instanceTag + "' must be 1-16 of [a-z0-9]");
        }
        return "vmdesk-" + instanceTag + "-";
    }

    public static String namespaceName(String instanceTag, String sessionId) {
        return namespacePrefix(instanceTag) + hex(sessionId).substring(0, 12);
    }

    /** 6 hex chars of a SHA-256 of the absolute, normalised data dir: separates controllers sharing a machine. */
    public static String instanceTag(Path dataDir) {
        String path = dataDir.toAbsolutePath().normalize().toString();
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(path.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 3);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    /** The session id's hex digits, lower case, dashes removed; at least 12 of them. */
    private static String hex(String sessionId) {
        if (sessionId == null) {
            throw new IllegalArgumentException("missing session id");
        }
        String hex = sessionId.replace("-", "").toLowerCase(Locale.ROOT);
        if (hex.length() < 12 || !HEX.matcher(hex).matches()) {
            throw new IllegalArgumentException("session id '" + sessionId
                    + "' must consist of at least 12 hex digits (dashes allowed), like a UUID");
        }
        return hex;
    }
}
