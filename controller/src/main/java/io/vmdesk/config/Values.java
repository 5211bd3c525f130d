package io.vmdesk.config;

import io.vmdesk.net.Ipv4Address;
import io.vmdesk.net.Ipv4Network;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parsers for single values. Each either returns the typed value or throws {@link Invalid} with a short phrase that
 * completes "NAME='value' ..."; the loader adds where the value came from and the fix.
 */
final class Values {

    static final List<String> GUEST_DRIVERS = List.of("netns", "qemu", "firecracker");
    static final List<String> DATABASE_PREFIXES = List.of("jdbc:sqlite:", "jdbc:postgresql:", "postgres://", "postgresql://");

    /** sun_path holds 108 bytes including the terminating NUL. */
    static final int MAX_SOCKET_PATH_BYTES = 107;
    /** IFNAMSIZ is 16 including the terminating NUL. */
    static final int MAX_INTERFACE_NAME_BYTES = 15;

    /** AES-256. */
    static final int MASTER_KEY_BYTES = 32;

    private static final Pattern DURATION = Pattern.compile("(\\d{1,12})(ms|s|m|h)?");

    private Values() {
    }

    /** A value that does not parse; {@code fix} overrides the setting's generic fix when it can be more specific. */
    static final class Invalid extends Exception {
        private static final long serialVersionUID = 1L;
        final String fix;

        Invalid(String detail) {
            this(detail, null);
        }

        Invalid(String detail, String fix) {
            super(detail);
            this.fix = fix;
        }
    }

    static int port(String text) throws Invalid {
        long n = wholeNumber(text);
        if (n < 1 || n > 65535) {
            throw new Invalid("is not between 1 and 65535");
        }
        return (int) n;
    }

    static int atLeastOne(String text) throws Invalid {
        long n = wholeNumber(text);
        if (n < 1) {
            throw new Invalid("is less than 1");
        }
        if (n > Integer.MAX_VALUE) {
            throw new Invalid("is too large");
        }
        return (int) n;
    }

    private static long wholeNumber(String text) throws Invalid {
        if (!text.matches("\\d{1,12}")) {
            throw new Invalid("is not a whole number");
        }
        return Long.parseLong(text);
    }

    static Ipv4Address address(String text) throws Invalid {
        try {
            return Ipv4Address.parse(text);
        } catch (IllegalArgumentException e) {
            throw new Invalid("is not an IPv4 address");
        }
    }

    /** CIDR network; when only the host bits are wrong, the fix names the intended network. */
    static Ipv4Network network(String text) throws Invalid {
        try {
            return Ipv4Network.parse(text);
        } catch (IllegalArgumentException e) {
            String[] parts = text.split("/", 2);
            if (parts.length == 2 && parts[1].matches("\\d{1,2}") && Integer.parseInt(parts[1]) <= 32) {
                try {
                    Ipv4Address address = Ipv4Address.parse(parts[0]);
                    int prefix = Integer.parseInt(parts[1]);
                    int mask = prefix == 0 ? 0 : -1 << (32 - prefix);
                    Ipv4Network meant = new Ipv4Network(new Ipv4Address(address.bits() & mask), prefix);
                    throw new Invalid("has host bits set (it is an address, not a network)",
                            "set INTERNAL_NETWORK=" + meant + " (and BRIDGE_IP=" + address + " if that address was meant for the bridge)");
                } catch (IllegalArgumentException notAnAddress) {
                    // fall through to the generic message
                }
            }
            throw new Invalid("is not a network in CIDR form a.b.c.d/n");
        }
    }

    /** 90s, 5m, 2h, 500ms, or a bare number of seconds; nothing else (no "1.5m", no "5 min", no ISO-8601). */
    static Duration duration(String text) throws Invalid {
        Matcher m = DURATION.matcher(text);
        if (!m.matches()) {
            throw new Invalid("is not a duration");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        Duration d = switch (unit) {
            case "ms" -> Duration.ofMillis(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofSeconds(n);
        };
        if (d.isZero()) {
            throw new Invalid("is zero");
        }
        return d;
    }

    /**
     * Text that parses back with {@link #duration}: the largest exact unit, but hours and minutes only from 2 up, so
     * the defaults read as documented (60s, not 1m).
     */
    static String format(Duration d) {
        long ms = d.toMillis();
        if (ms % 3_600_000 == 0 && ms >= 2 * 3_600_000) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0 && ms >= 2 * 60_000) {
            return ms / 60_000 + "m";
        }
        if (ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }

    /** http(s)://host[:port]; one trailing slash is forgiven and stripped. */
    static String publicUrl(String text) throws Invalid {
        String url = text.endsWith("/") ? text.substring(0, text.length() - 1) : text;
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new Invalid("is not a valid URL");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new Invalid("does not start with http:// or https://");
        }
        if (uri.getRawUserInfo() != null) {
            throw new Invalid("contains a user name or password");
        }
        if (uri.getHost() == null) {
            throw new Invalid("has no valid host name");
        }
        if (uri.getPort() == 0 || uri.getPort() > 65535) {
            throw new Invalid("has a port outside 1..65535");
        }
        if (uri.getRawPath() != null && !uri.getRawPath().isEmpty()) {
            throw new Invalid("has a path (" + uri.getRawPath() + "); only scheme, host and port are allowed");
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new Invalid("has a query or fragment; only scheme, host and port are allowed");
        }
        return url;
    }

    /** The kernel's dev_valid_name(): 1..15 bytes, not "." or "..", no '/', ':' or whitespace. */
    static String interfaceName(String text) throws Invalid {
        int bytes = text.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_INTERFACE_NAME_BYTES) {
            throw new Invalid("is " + bytes + " bytes long; Linux interface names have at most " + MAX_INTERFACE_NAME_BYTES);
        }
        if (text.equals(".") || text.equals("..")) {
            throw new Invalid("is not allowed as an interface name");
        }
        if (text.contains("/") || text.contains(":") || text.codePoints().anyMatch(Character::isWhitespace)) {
            throw new Invalid("contains '/', ':' or whitespace, which Linux interface names cannot");
        }
        return text;
    }

    static Path directory(String text) throws Invalid {
        try {
            return Path.of(text).toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            throw new Invalid("is not a valid path");
        }
    }

    static Path socketPath(String text) throws Invalid {
        Path path = directory(text);
        int bytes = path.toString().getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_SOCKET_PATH_BYTES) {
            throw new Invalid("is " + bytes + " bytes long as an absolute path; a Unix socket path has at most "
                    + MAX_SOCKET_PATH_BYTES);
        }
        return path;
    }

    static String databaseUrl(String text) throws Invalid {
        String lower = text.toLowerCase(Locale.ROOT);
        if (DATABASE_PREFIXES.stream().noneMatch(lower::startsWith)) {
            throw new Invalid("is not a supported database URL");
        }
        return text;
    }

    /** The fix for any malformed master key: how to make a good one. */
    static final String MASTER_KEY_FIX = "generate a key with `head -c 32 /dev/urandom | base64` and set"
            + " VAULT_MASTER_KEY to its output (or put it on the first line of VAULT_MASTER_KEY_FILE)";

    /**
     * The base64 encoding of exactly 32 bytes, returned as given. The messages never include the value or any part
     * of it: it is a secret even when malformed (it may be a real key with a typo).
     */
    static String masterKey(String text) throws Invalid {
        byte[] key;
        try {
            key = Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw new Invalid("is not base64", MASTER_KEY_FIX);
        }
        int length = key.length;
        Arrays.fill(key, (byte) 0);
        if (length != MASTER_KEY_BYTES) {
            throw new Invalid("decodes to " + length + " bytes; a master key is exactly " + MASTER_KEY_BYTES + " bytes",
                    MASTER_KEY_FIX);
        }
        return text;
    }

    /** A file path, made absolute; whether the file exists is checked by whoever reads it. */
    static Path file(String text) throws Invalid {
        return directory(text);
    }

    static boolean bool(String text) throws Invalid {
        return switch (text) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new Invalid("is neither true nor false");
        };
    }

    static String viewerPolicy(String text) throws Invalid {
        if (!text.equals("shared") && !text.equals("exclusive")) {
            throw new Invalid("is not a viewer policy");
        }
        return text;
    }

    static String networkTopology(String text) throws Invalid {
        if (!text.equals("bridge") && !text.equals("slot")) {
            throw new Invalid("is not a network topology");
        }
        return text;
    }

    static String liveViewUpstream(String text) throws Invalid {
        if (!text.equals("vnc") && !text.equals("websockify")) {
            throw new Invalid("is not a live-view upstream");
        }
        return text;
    }

    /** Bytes: a bare number, or a number with KiB or MiB; from 4 KiB to 16 MiB. */
    static int bufferSize(String text) throws Invalid {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d{1,9})\\s*(KiB|MiB)?").matcher(text);
        if (!m.matches()) {
            throw new Invalid("is not a size");
        }
        long bytes = Long.parseLong(m.group(1)) * ("MiB".equals(m.group(2)) ? 1024 * 1024
                : "KiB".equals(m.group(2)) ? 1024 : 1);
        if (bytes < 4 * 1024 || bytes > 4 * 1024 * 1024) {
            throw new Invalid("is not between 4KiB and 4MiB");
        }
        return (int) bytes;
    }

    /** Extra kernel arguments: words of key or key=value; ip= and console= are vmdesk's own. */
    static java.util.List<String> kernelArgs(String text) throws Invalid {
        java.util.List<String> words = java.util.List.of(text.trim().split("\\s+"));
        for (String word : words) {
            if (!io.vmdesk.net.BootArgs.acceptable(word)) {
                throw new Invalid("'" + word + "' is not a kernel argument vmdesk passes on: " + io.vmdesk.net.BootArgs.RULE);
            }
        }
        return words;
    }

    static String guestDriver(String text) throws Invalid {
        if (!GUEST_DRIVERS.contains(text)) {
            throw new Invalid("is not a known guest driver");
        }
        return text;
    }
}
