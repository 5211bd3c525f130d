package io.vmdesk.config;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The one table of every vmdesk setting. {@link Config#describe()}, unknown-name detection, error fixes and the
 * operator guide all read it, so a setting cannot exist in one place and be missing in another (the predecessor's
 * {@code .env} used names its code never read). The enum constant's name IS the environment variable name.
 */
public enum Setting {

    PORT("4000", "TCP port the HTTP server listens on.",
            "a whole number from 1 to 65535", "4000"),
    LISTEN_ADDRESS("0.0.0.0", "IPv4 address the HTTP server binds to.",
            "an IPv4 address a.b.c.d", "0.0.0.0"),
    PUBLIC_URL("http://localhost:$PORT", "Base URL users reach the controller at; used to build links.",
            "http:// or https:// then host[:port], with no path, query or trailing slash", "https://desk.example.com"),
    CONTROL_SOCKET("(unset)", "Path of a Unix socket the HTTP server also listens on.",
            "a file path of at most 107 bytes", "/run/vmdesk/control.sock"),
    BRIDGE_DEVICE("br0", "Linux bridge the sessions' network interfaces are attached to.",
            "a Linux interface name: 1 to 15 bytes, no '/', ':' or whitespace", "br0"),
    BRIDGE_IP("192.168.100.1", "Address of the bridge; it is the sessions' gateway.",
            "an IPv4 address inside INTERNAL_NETWORK", "192.168.100.1"),
    INTERNAL_NETWORK("192.168.100.0/24", "Network of the bridge and the sessions; the sessions' netmask derives from it.",
            "a network in CIDR form a.b.c.d/n with no host bits set", "192.168.100.0/24"),
    IP_POOL_START("lowest address of the largest block of usable hosts of INTERNAL_NETWORK without BRIDGE_IP",
            "First address handed to sessions.",
            "an IPv4 address inside INTERNAL_NETWORK", "192.168.100.2"),
    IP_POOL_END("highest address of the largest block of usable hosts of INTERNAL_NETWORK without BRIDGE_IP",
            "Last address handed to sessions.",
            "an IPv4 address inside INTERNAL_NETWORK", "192.168.100.254"),
    DATA_DIR("/var/lib/vmdesk", "Directory for the database and per-session state; made absolute.",
            "a directory path", "/var/lib/vmdesk"),
    DATABASE_URL("(unset: SQLite file $DATA_DIR/vmdesk.db)", "Database holding sessions and leases.",
            "a URL starting with jdbc:sqlite:, jdbc:postgresql:, postgres:// or postgresql://",
            "postgres://vmdesk:secret@db.example.com:5432/vmdesk", true),
    VAULT_MASTER_KEY("(unset)",
            "Master key that wraps the data keys of stored credentials. To rotate keys use VAULT_MASTER_KEY_FILE instead.",
            "the base64 encoding of exactly 32 random bytes", "$(head -c 32 /dev/urandom | base64)", true),
    VAULT_MASTER_KEY_FILE("(unset: $DATA_DIR/vault.key, generated with mode 0600 on first start)",
            "File of master keys, one base64 32-byte key per line: the first line is the current key, the others are"
                    + " older keys still accepted for decryption until rotation has re-wrapped everything.",
            "a file path", "/etc/vmdesk/vault.key"),
    GUEST_DRIVER("netns", "How sessions are isolated: netns (sandbox), qemu (QEMU microVM) or firecracker.",
            "netns, qemu or firecracker", "qemu"),
    MAX_SESSIONS("10", "Most sessions that may run at once; the IP pool must be at least this large.",
            "a whole number of at least 1", "10"),
    SESSION_READY_TIMEOUT("60s", "How long a starting session may take to become ready.",
            "a duration such as 500ms, 90s, 5m or 2h (a bare number means seconds)", "60s"),
    SESSION_MAX_LIFETIME("30m", "Longest a session may live.",
            "a duration such as 500ms, 90s, 5m or 2h (a bare number means seconds)", "30m"),
    SESSION_IDLE_TIMEOUT("10m", "A session with no activity for this long is ended.",
            "a duration such as 500ms, 90s, 5m or 2h (a bare number means seconds)", "10m"),
    VIEWER_WAIT_TIMEOUT("30s", "How long a live-view WebSocket waits for a STARTING session.",
            "a duration such as 500ms, 90s, 5m or 2h (a bare number means seconds)", "30s"),
    PROXY_PING_INTERVAL("15s", "How often the live-view proxy pings its WebSocket clients.",
            "a duration of at least 1s, such as 15s or 1m (a bare number means seconds)", "15s"),
    VIEWER_POLICY("shared", "Several viewers of one session: shared (all see it, the first one controls it, the others"
            + " only watch) or exclusive (a new viewer replaces the old one, which is closed with 4410).",
            "shared or exclusive", "exclusive"),
    CHROMIUM_BIN("chromium", "Chromium executable started in each session.",
            "a command name or path", "chromium"),
    PROVIDERS_FILE("(unset: built-in recipes only)",
            "JSON file of login recipes that extends or overrides the built-in ones (claude_code, codex, gemini,"
                    + " copilot, oidc); the oidc provider needs its endpoints and client id from here.",
            "a file path", "/etc/vmdesk/providers.json"),
    AGENT_JAR("(unset: the agent built with this controller, agent/target/vmdesk-agent.jar)",
            "The login agent's jar, started in each session's guest.",
            "a file path", "/opt/vmdesk/vmdesk-agent.jar"),
    // issue 7: lifecycle
    LIVE_VIEW_TOKEN_TTL("5m", "How long the token in a handed-out novncURL may be used to open the live view; the"
            + " page exchanges it for a cookie that lasts as long as the session.",
            "a duration of at least 1s, such as 90s or 5m (a bare number means seconds)", "5m"),
    MAX_SESSIONS_PER_USER("3", "Most live sessions one userId may have at once; more get 429.",
            "a whole number of at least 1", "3"),
    SESSION_CREATE_RATE("30", "Sessions that may be created per minute on this host (a token bucket that holds a"
            + " minute's worth, so short bursts pass); more get 429 with Retry-After.",
            "a whole number of at least 1 (sessions per minute)", "30"),
    SHUTDOWN_TIMEOUT("30s", "On SIGTERM, how long the controller waits for guests to be torn down before it exits"
            + " anyway (what is left, the next start reconciles).",
            "a duration such as 500ms, 90s, 5m or 2h (a bare number means seconds)", "30s"),
    SHUTDOWN_LEAVE_GUESTS("false", "On SIGTERM, close viewers (1001) but leave READY guests running; the next start"
            + " revives those still alive and reachable instead of ending them.",
            "true or false", "true"),
    // issue 6: the live-view proxy
    LIVE_VIEW_UPSTREAM("vnc", "What the live-view proxy connects to in the guest: vnc (raw RFB on :5900) or websockify"
            + " (a websockify WebSocket on :6080, for images that serve one).",
            "vnc or websockify", "websockify"),
    LIVE_VIEW_BUFFER("256KiB", "Most guest-to-browser bytes the proxy holds for one viewer (also its read size);"
            + " a viewer that does not take them within LIVE_VIEW_STALL_TIMEOUT is closed with 1013.",
            "a size from 4KiB to 4MiB such as 65536, 64KiB or 1MiB", "256KiB"),
    LIVE_VIEW_STALL_TIMEOUT("10s", "How long a viewer may leave the proxy's buffer full (stop reading) before it is"
            + " closed with 1013; keep it below 2 x PROXY_PING_INTERVAL.",
            "a duration of at least 1s, such as 10s", "10s"),
    // issue 4: VMs
    KERNEL_IMAGE("(unset; required by the qemu and firecracker drivers)",
            "The guest kernel of the VM drivers (qemu: a bzImage/vmlinuz; firecracker: an uncompressed vmlinux)."
                    + " `./vmdesk image build test-guest` prints one.",
            "a file path", "/var/cache/vmdesk/images/test-guest-0123456789abcdef/vmlinuz"),
    INITRD("(unset: no initramfs)", "An initramfs for the VM guests (the test guest boots from it alone).",
            "a file path", "/var/cache/vmdesk/images/test-guest-0123456789abcdef/initrd.gz"),
    ROOTFS_IMAGE("(unset: no root drive)",
            "The golden ext4 root filesystem; each guest gets its own copy-on-write copy.",
            "a file path", "/var/lib/vmdesk/images/rootfs.ext4"),
    VM_KERNEL_ARGS("(unset)", "Extra guest kernel arguments, after vmdesk's own (console, reboot, panic, ip=).",
            "words such as key or key=value separated by spaces", "vmdesk.test.drop_ip_after=5"),
    VM_VCPUS("1", "Virtual CPUs per VM guest.", "a whole number of at least 1", "2"),
    VM_MEMORY_MIB("256", "Memory per VM guest in MiB.", "a whole number of at least 1", "2048"),
    QEMU_BIN("qemu-system-x86_64", "The QEMU executable of the qemu driver.", "a command name or path",
            "/usr/bin/qemu-system-x86_64"),
    FIRECRACKER_BIN("firecracker", "The Firecracker executable of the firecracker driver.", "a command name or path",
            "/usr/local/bin/firecracker"),
    JAILER_BIN("(unset: Firecracker runs without the jailer)",
            "Firecracker's jailer. Not supported yet: the firecracker driver refuses to start guests while it is set;"
                    + " leave it unset.",
            "a command name or path", "/usr/local/bin/jailer"),
    NETWORK_TOPOLOGY("bridge", "How guests are wired: bridge (a TAP or veth on BRIDGE_DEVICE, the guest holds its"
            + " pool address) or slot (per guest a namespace with identical inner addressing, 169.254.0.21 behind"
            + " NAT, reached at its pool address routed through a veth pair).",
            "bridge or slot", "slot");

    private final String defaultText;
    private final String description;
    private final String expected;
    private final String example;
    private final boolean secret;

    Setting(String defaultText, String description, String expected, String example) {
        this(defaultText, description, expected, example, false);
    }

    Setting(String defaultText, String description, String expected, String example, boolean secret) {
        this.defaultText = defaultText;
        this.description = description;
        this.expected = expected;
        this.example = example;
        this.secret = secret;
    }

    /** The default as documentation text (derived defaults are described, e.g. "http://localhost:$PORT"). */
    public String defaultText() {
        return defaultText;
    }

    /** One sentence for the operator guide. */
    public String description() {
        return description;
    }

    /** What a valid value looks like, phrased to follow "expected". */
    public String expected() {
        return expected;
    }

    /** A valid example value. */
    public String example() {
        return example;
    }

    /** Whether values must be redacted (passwords in DATABASE_URL, all of VAULT_MASTER_KEY) wherever they are shown. */
    public boolean secret() {
        return secret;
    }

    /** The generic fix for a malformed value: what is expected, with an example. */
    String formatFix() {
        return "set " + name() + " to " + expected + ", e.g. " + name() + "=" + example;
    }

    /** The setting with exactly this variable name. */
    public static Optional<Setting> find(String variable) {
        for (Setting s : values()) {
            if (s.name().equals(variable)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }

    /** "PORT, LISTEN_ADDRESS, ..." for messages that list what exists. */
    static String allNames() {
        return Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", "));
    }
}
