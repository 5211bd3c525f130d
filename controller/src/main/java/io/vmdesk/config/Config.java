package io.vmdesk.config;

import io.vmdesk.net.Ipv4Address;
import io.vmdesk.net.Ipv4Network;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The controller's effective configuration. Obtain it from {@link #load}, which validates everything and refuses
 * to return a configuration with any known problem; the constructor itself does not validate. Every setting, its
 * default and its meaning are listed once, in {@link Setting}.
 *
 * @param port              PORT, default 4000
 * @param listenAddress     LISTEN_ADDRESS, default 0.0.0.0
 * @param publicUrl         PUBLIC_URL, default http://localhost:PORT; http(s)://host[:port], no trailing slash
 * @param controlSocket     CONTROL_SOCKET, null when unset
 * @param bridgeDevice      BRIDGE_DEVICE, default br0
 * @param bridgeIp          BRIDGE_IP, default 192.168.100.1
 * @param internalNetwork   INTERNAL_NETWORK, default 192.168.100.0/24
 * @param poolStart         IP_POOL_START, default derived from the network and bridge
 * @param poolEnd           IP_POOL_END, default derived from the network and bridge
 * @param dataDir           DATA_DIR, default /var/lib/vmdesk, absolute
 * @param databaseUrl       DATABASE_URL, null meaning the SQLite file {@link #sqliteFile()}
 * @param vaultMasterKey    VAULT_MASTER_KEY (secret: base64 of 32 bytes, validated), null when unset
 * @param vaultMasterKeyFile VAULT_MASTER_KEY_FILE, absolute, null when unset; never set together with vaultMasterKey
 * @param guestDriver       GUEST_DRIVER: netns, qemu or firecracker
 * @param maxSessions       MAX_SESSIONS, default 10
 * @param readyTimeout      SESSION_READY_TIMEOUT, default 60s
 * @param maxLifetime       SESSION_MAX_LIFETIME, default 30m
 * @param idleTimeout       SESSION_IDLE_TIMEOUT, default 10m
 * @param viewerWaitTimeout VIEWER_WAIT_TIMEOUT, default 30s
 * @param pingInterval      PROXY_PING_INTERVAL, default 15s
 * @param viewerPolicy      VIEWER_POLICY: shared (default) or exclusive
 * @param chromiumBin       CHROMIUM_BIN, default chromium
 * @param providersFile     PROVIDERS_FILE, null when unset (built-in recipes only)
 * @param agentJar          AGENT_JAR, null when unset (the agent built alongside the controller)
 * @param liveViewTokenTtl  LIVE_VIEW_TOKEN_TTL, default 5m
 * @param maxSessionsPerUser MAX_SESSIONS_PER_USER, default 3
 * @param createRatePerMinute SESSION_CREATE_RATE, default 30
 * @param shutdownTimeout   SHUTDOWN_TIMEOUT, default 30s
 * @param shutdownLeaveGuests SHUTDOWN_LEAVE_GUESTS, default false
 * @param liveViewUpstream  LIVE_VIEW_UPSTREAM: vnc (default) or websockify
 * @param liveViewBuffer    LIVE_VIEW_BUFFER in bytes, default 256 KiB
 * @param liveViewStallTimeout LIVE_VIEW_STALL_TIMEOUT, default 10s
 * @param kernelImage       KERNEL_IMAGE, null when unset (required by the VM drivers)
 * @param initrd            INITRD, null when unset
 * @param rootfsImage       ROOTFS_IMAGE, null when unset
 * @param vmKernelArgs      VM_KERNEL_ARGS, extra guest kernel arguments (empty when unset)
 * @param vmVcpus           VM_VCPUS, default 1
 * @param vmMemoryMib       VM_MEMORY_MIB, default 256
 * @param qemuBin           QEMU_BIN, default qemu-system-x86_64
 * @param firecrackerBin    FIRECRACKER_BIN, default firecracker
 * @param jailerBin         JAILER_BIN, null when unset (no jailer)
 * @param networkTopology   NETWORK_TOPOLOGY: bridge (default) or slot
 */
public record Config(
        int port,
        String listenAddress,
        String publicUrl,
        Path controlSocket,
        String bridgeDevice,
        Ipv4Address bridgeIp,
        Ipv4Network internalNetwork,
        Ipv4Address poolStart,
        Ipv4Address poolEnd,
        Path dataDir,
        String databaseUrl,
        String vaultMasterKey,
        Path vaultMasterKeyFile,
        String guestDriver,
        int maxSessions,
        Duration readyTimeout,
        Duration maxLifetime,
        Duration idleTimeout,
        Duration viewerWaitTimeout,
        Duration pingInterval,
        String viewerPolicy,
        String chromiumBin,
        Path providersFile,
        Path agentJar,
        // issue 7: lifecycle
        Duration liveViewTokenTtl,
        int maxSessionsPerUser,
        int createRatePerMinute,
        Duration shutdownTimeout,
        boolean shutdownLeaveGuests,
        // issue 6: the live-view proxy
        String liveViewUpstream,
        int liveViewBuffer,
        Duration liveViewStallTimeout,
        // issue 4: VMs
        Path kernelImage,
        Path initrd,
        Path rootfsImage,
        java.util.List<String> vmKernelArgs,
        int vmVcpus,
        int vmMemoryMib,
        String qemuBin,
        String firecrackerBin,
        String jailerBin,
        String networkTopology) {

    /** NETWORK_TOPOLOGY=slot: each guest in a slot namespace behind NAT, reached at its routed pool address. */
    public boolean slotTopology() {
        return "slot".equals(networkTopology);
    }

    /** The sessions' gateway. Always the bridge: there is deliberately no separate setting that could disagree. */
    public Ipv4Address gateway() {
        return bridgeIp;
    }

    /** The sessions' netmask. Always from INTERNAL_NETWORK: the predecessor hard-coded 255.255.255.0. */
    public Ipv4Address netmask() {
        return internalNetwork.netmask();
    }

    /** Number of addresses from poolStart to poolEnd inclusive (0 if reversed). */
    public int poolSize() {
        long size = poolEnd.minus(poolStart) + 1;
        return (int) Math.max(0, Math.min(Integer.MAX_VALUE, size));
    }

    /** DATA_DIR/vmdesk.db, the database used when DATABASE_URL is unset. */
    public Path sqliteFile() {
        return dataDir.resolve("vmdesk.db");
    }

    /** DATA_DIR/vault.key, the master key file generated on first start when neither vault setting is given. */
    public Path generatedVaultKeyFile() {
        return dataDir.resolve("vault.key");
    }

    /**
     * The file the vault reads its master keys from: VAULT_MASTER_KEY_FILE, or {@link #generatedVaultKeyFile()} when
     * neither vault setting is given, or null when the key is VAULT_MASTER_KEY itself.
     */
    public Path vaultKeyFile() {
        if (vaultMasterKeyFile != null) {
            return vaultMasterKeyFile;
        }
        return vaultMasterKey != null ? null : generatedVaultKeyFile();
    }

    /**
     * Loads from the process environment, then a {@code .env} file ({@code dotEnv} may be null or missing: ignored).
     * The process environment wins over {@code .env}; a blank value counts as unset. Throws listing EVERY problem.
     */
    public static Config load(Map<String, String> environment, Path dotEnv) throws ConfigException {
        return ConfigLoader.load(environment, dotEnv);
    }

    /**
     * For diagnosis: like {@link #load}, but unknown or misnamed variables (VM_IP_POOL_START…) are returned beside
     * the configuration instead of stopping it; any other problem still throws, with every problem.
     */
    public static Tolerant loadTolerant(Map<String, String> environment, Path dotEnv) throws ConfigException {
        return ConfigLoader.loadTolerant(environment, dotEnv);
    }

    /** A configuration and the unknown variable names that were set beside it. */
    public record Tolerant(Config config, List<ConfigException.Problem> unknownNames) {
    }

    /**
     * The effective configuration, one {@code NAME=value (source)} line per setting in {@link Setting} order, where
     * source is default, env or .env. Passwords in DATABASE_URL and the whole of VAULT_MASTER_KEY are shown as ***.
     */
    public List<String> describe() {
        return Description.of(this);
    }

    /** Redacted like {@link #describe()}: the record's generated toString would print the master key. */
    @Override
    public String toString() {
        return "Config[" + String.join(", ", describe()) + "]";
    }
}
