package io.vmdesk.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Renders {@link Config#describe()}: "NAME=value (source)" per setting, in table order, secrets redacted. */
final class Description {

    private Description() {
    }

    static List<String> of(Config config) {
        Optional<Map<Setting, Source>> sources = Provenance.of(config);
        List<String> lines = new ArrayList<>();
        for (Setting s : Setting.values()) {
            String value = value(config, s);
            String shown = value == null ? "" : Redaction.shown(s, value);
            // "given" marks a Config constructed in code, whose sources are unknown.
            String source = sources.map(m -> m.get(s).label()).orElse("given");
            lines.add(s.name() + "=" + shown + " (" + source + note(config, s, value) + ")");
        }
        return List.copyOf(lines);
    }

    /** Explains an empty value, so "unset" never reads as "forgotten". */
    private static String note(Config config, Setting s, String value) {
        if (value != null) {
            return "";
        }
        return switch (s) {
            case DATABASE_URL -> config.dataDir() == null ? ": SQLite" : ": SQLite file " + config.sqliteFile();
            case CONTROL_SOCKET -> ": no Unix socket";
            case VAULT_MASTER_KEY_FILE -> config.vaultMasterKey() != null ? ": the key is VAULT_MASTER_KEY"
                    : config.dataDir() == null ? ": generated key file" : ": generated key file " + config.generatedVaultKeyFile();
            default -> ": unset";
        };
    }

    /** Exhaustive on purpose: adding a Setting without showing it does not compile. */
    private static String value(Config c, Setting s) {
        Object v = switch (s) {
            case PORT -> c.port();
            case LISTEN_ADDRESS -> c.listenAddress();
            case PUBLIC_URL -> c.publicUrl();
            case CONTROL_SOCKET -> c.controlSocket();
            case BRIDGE_DEVICE -> c.bridgeDevice();
            case BRIDGE_IP -> c.bridgeIp();
            case INTERNAL_NETWORK -> c.internalNetwork();
            case IP_POOL_START -> c.poolStart();
            case IP_POOL_END -> c.poolEnd();
            case DATA_DIR -> c.dataDir();
            case DATABASE_URL -> c.databaseUrl();
            case VAULT_MASTER_KEY -> c.vaultMasterKey();
            case VAULT_MASTER_KEY_FILE -> c.vaultMasterKeyFile();
            case GUEST_DRIVER -> c.guestDriver();
            case MAX_SESSIONS -> c.maxSessions();
            case SESSION_READY_TIMEOUT -> duration(c.readyTimeout());
            case SESSION_MAX_LIFETIME -> duration(c.maxLifetime());
            case SESSION_IDLE_TIMEOUT -> duration(c.idleTimeout());
            case VIEWER_WAIT_TIMEOUT -> duration(c.viewerWaitTimeout());
            case PROXY_PING_INTERVAL -> duration(c.pingInterval());
            case VIEWER_POLICY -> c.viewerPolicy();
            case CHROMIUM_BIN -> c.chromiumBin();
            case PROVIDERS_FILE -> c.providersFile();
            case AGENT_JAR -> c.agentJar();
            case LIVE_VIEW_TOKEN_TTL -> duration(c.liveViewTokenTtl());
            case MAX_SESSIONS_PER_USER -> c.maxSessionsPerUser();
            case SESSION_CREATE_RATE -> c.createRatePerMinute();
            case SHUTDOWN_TIMEOUT -> duration(c.shutdownTimeout());
            case SHUTDOWN_LEAVE_GUESTS -> c.shutdownLeaveGuests();
            case LIVE_VIEW_UPSTREAM -> c.liveViewUpstream();
            case LIVE_VIEW_BUFFER -> c.liveViewBuffer();
            case LIVE_VIEW_STALL_TIMEOUT -> duration(c.liveViewStallTimeout());
            case KERNEL_IMAGE -> c.kernelImage();
            case INITRD -> c.initrd();
            case ROOTFS_IMAGE -> c.rootfsImage();
            case VM_KERNEL_ARGS -> c.vmKernelArgs() == null || c.vmKernelArgs().isEmpty() ? null
                    : String.join(" ", c.vmKernelArgs());
            case VM_VCPUS -> c.vmVcpus();
            case VM_MEMORY_MIB -> c.vmMemoryMib();
            case QEMU_BIN -> c.qemuBin();
            case FIRECRACKER_BIN -> c.firecrackerBin();
            case JAILER_BIN -> c.jailerBin();
            case NETWORK_TOPOLOGY -> c.networkTopology();
        };
        return v == null ? null : v.toString();
    }

    private static String duration(java.time.Duration d) {
        return d == null ? null : Values.format(d);
    }
}
