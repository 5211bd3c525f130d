package io.vmdesk.config;

import static io.vmdesk.config.Setting.*;

import io.vmdesk.config.ConfigException.Problem;
import io.vmdesk.net.Ipv4Address;
import io.vmdesk.net.Ipv4Network;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Builds a {@link Config}: merges the process environment over {@code .env}, parses every setting, then checks
 * how they fit together. It never stops at the first problem; all of them go into one {@link ConfigException}.
 */
final class ConfigLoader {

    private final List<Problem> problems = new ArrayList<>();
    /** Unknown-name problems, kept apart in tolerant mode (they do not change any value). */
    private final List<Problem> nameProblems = new ArrayList<>();
    private final boolean tolerateUnknownNames;
    private final Map<Setting, String> raw = new EnumMap<>(Setting.class);
    private final Map<Setting, Origin> origins = new EnumMap<>(Setting.class);

    private ConfigLoader(boolean tolerateUnknownNames) {
        this.tolerateUnknownNames = tolerateUnknownNames;
    }

    static Config load(Map<String, String> environment, Path dotEnvPath) throws ConfigException {
        return new ConfigLoader(false).run(environment == null ? Map.of() : environment, dotEnvPath);
    }

    /**
     * Like {@link #load}, but unknown or misnamed variables do not stop it: they are returned beside the
     * configuration (they change no value), so a diagnosis can go on to examine the host with it.
     */
    static Config.Tolerant loadTolerant(Map<String, String> environment, Path dotEnvPath) throws ConfigException {
        ConfigLoader loader = new ConfigLoader(true);
        try {
            Config config = loader.run(environment == null ? Map.of() : environment, dotEnvPath);
            return new Config.Tolerant(config, List.copyOf(loader.nameProblems));
        } catch (ConfigException e) {
            List<Problem> all = new ArrayList<>(loader.nameProblems);
            all.addAll(e.problems());
            throw new ConfigException(all);
        }
    }

    private Config run(Map<String, String> env, Path dotEnvPath) throws ConfigException {
        DotEnvFile dotEnv = DotEnvFile.read(dotEnvPath, problems);
        int before = problems.size();
        checkNames(env, dotEnv);
        if (tolerateUnknownNames) {
            List<Problem> names = problems.subList(before, problems.size());
            nameProblems.addAll(names);
            names.clear();
        }
        collect(env, dotEnv);

        Integer port = parse(PORT, Values::port, 4000);
        String listenAddress = parse(LISTEN_ADDRESS, v -> Values.address(v).toString(), "0.0.0.0");
        String publicUrl = parse(PUBLIC_URL, Values::publicUrl, "http://localhost:" + (port == null ? 4000 : port));
        Path controlSocket = parse(CONTROL_SOCKET, Values::socketPath, null);
        String bridgeDevice = parse(BRIDGE_DEVICE, Values::interfaceName, "br0");
        Ipv4Address bridgeIp = parse(BRIDGE_IP, Values::address, Ipv4Address.parse("192.168.100.1"));
        Ipv4Network network = parse(INTERNAL_NETWORK, Values::network, Ipv4Network.parse("192.168.100.0/24"));
        Ipv4Address poolStart = parse(IP_POOL_START, Values::address, null);
        Ipv4Address poolEnd = parse(IP_POOL_END, Values::address, null);
        Path dataDir = parse(DATA_DIR, Values::directory, Path.of("/var/lib/vmdesk"));
        String databaseUrl = parse(DATABASE_URL, Values::databaseUrl, null);
        String vaultMasterKey = parse(VAULT_MASTER_KEY, Values::masterKey, null);
        Path vaultMasterKeyFile = parse(VAULT_MASTER_KEY_FILE, Values::file, null);
        String guestDriver = parse(GUEST_DRIVER, Values::guestDriver, "netns");
        Integer maxSessions = parse(MAX_SESSIONS, Values::atLeastOne, 10);
        Duration readyTimeout = parse(SESSION_READY_TIMEOUT, Values::duration, Duration.ofSeconds(60));
        Duration maxLifetime = parse(SESSION_MAX_LIFETIME, Values::duration, Duration.ofMinutes(30));
        Duration idleTimeout = parse(SESSION_IDLE_TIMEOUT, Values::duration, Duration.ofMinutes(10));
        Duration viewerWait = parse(VIEWER_WAIT_TIMEOUT, Values::duration, Duration.ofSeconds(30));
        Duration pingInterval = parse(PROXY_PING_INTERVAL, ConfigLoader::atLeastASecond, Duration.ofSeconds(15));
        String viewerPolicy = parse(VIEWER_POLICY, Values::viewerPolicy, "shared");
        String chromiumBin = parse(CHROMIUM_BIN, v -> v, "chromium");
        Path providersFile = parse(PROVIDERS_FILE, Values::file, null);
        Path agentJar = parse(AGENT_JAR, Values::file, null);
        Duration liveViewTokenTtl = parse(LIVE_VIEW_TOKEN_TTL, ConfigLoader::atLeastASecond, Duration.ofMinutes(5));
        Integer maxSessionsPerUser = parse(MAX_SESSIONS_PER_USER, Values::atLeastOne, 3);
        Integer createRate = parse(SESSION_CREATE_RATE, Values::atLeastOne, 30);
        Duration shutdownTimeout = parse(SHUTDOWN_TIMEOUT, Values::duration, Duration.ofSeconds(30));
        Boolean shutdownLeaveGuests = parse(SHUTDOWN_LEAVE_GUESTS, Values::bool, false);
        String liveViewUpstream = parse(LIVE_VIEW_UPSTREAM, Values::liveViewUpstream, "vnc");
        Integer liveViewBuffer = parse(LIVE_VIEW_BUFFER, Values::bufferSize, 256 * 1024);
        Duration liveViewStall = parse(LIVE_VIEW_STALL_TIMEOUT, ConfigLoader::atLeastASecond, Duration.ofSeconds(10));
        Path kernelImage = parse(KERNEL_IMAGE, Values::file, null);
        Path initrd = parse(INITRD, Values::file, null);
        Path rootfsImage = parse(ROOTFS_IMAGE, Values::file, null);
        List<String> vmKernelArgs = parse(VM_KERNEL_ARGS, Values::kernelArgs, List.of());
        Integer vmVcpus = parse(VM_VCPUS, Values::atLeastOne, 1);
        Integer vmMemoryMib = parse(VM_MEMORY_MIB, Values::atLeastOne, 256);
        String qemuBin = parse(QEMU_BIN, v -> v, "qemu-system-x86_64");
        String firecrackerBin = parse(FIRECRACKER_BIN, v -> v, "firecracker");
        String jailerBin = parse(JAILER_BIN, v -> v, null);
        String networkTopology = parse(NETWORK_TOPOLOGY, Values::networkTopology, "bridge");
        if (guestDriver != null && !guestDriver.equals("netns") && kernelImage == null && !raw.containsKey(KERNEL_IMAGE)) {
            problems.add(new Problem(KERNEL_IMAGE.name(), "GUEST_DRIVER=" + guestDriver + " needs a guest kernel but"
                    + " KERNEL_IMAGE is not set", "set KERNEL_IMAGE (and INITRD) to the files `./vmdesk image build"
                    + " test-guest` prints, or use GUEST_DRIVER=netns"));
        }

        // A pool bound that did not parse was reported already; checking around it would only add noise.
        boolean poolParsed = (poolStart != null || !raw.containsKey(IP_POOL_START))
                && (poolEnd != null || !raw.containsKey(IP_POOL_END));
        PoolRules.Pool pool = poolParsed
                ? new PoolRules(problems, this::shown).check(network, bridgeIp, poolStart, poolEnd, maxSessions)
                : null;

        if (raw.containsKey(VAULT_MASTER_KEY) && raw.containsKey(VAULT_MASTER_KEY_FILE)) {
            // Two sources of the current key would disagree sooner or later; which one wins must never be a guess.
            problems.add(new Problem(VAULT_MASTER_KEY.name(), "VAULT_MASTER_KEY (" + where(VAULT_MASTER_KEY)
                    + ") and " + shown(VAULT_MASTER_KEY_FILE, raw.get(VAULT_MASTER_KEY_FILE))
                    + " are both set, but only one may be",
                    "unset one of them; to keep the key and be able to rotate it, put the value of VAULT_MASTER_KEY"
                            + " as the first line of " + raw.get(VAULT_MASTER_KEY_FILE) + " and unset VAULT_MASTER_KEY"));
        }

        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        Config config = new Config(port, listenAddress, publicUrl, controlSocket, bridgeDevice, bridgeIp, network,
                pool.start(), pool.end(), dataDir, databaseUrl, vaultMasterKey, vaultMasterKeyFile, guestDriver,
                maxSessions, readyTimeout, maxLifetime, idleTimeout, viewerWait, pingInterval, viewerPolicy, chromiumBin,
                providersFile, agentJar, liveViewTokenTtl, maxSessionsPerUser, createRate, shutdownTimeout,
                shutdownLeaveGuests, liveViewUpstream, liveViewBuffer, liveViewStall, kernelImage, initrd, rootfsImage, vmKernelArgs, vmVcpus, vmMemoryMib,
                qemuBin, firecrackerBin, jailerBin, networkTopology);
        Map<Setting, Source> sources = new EnumMap<>(Setting.class);
        for (Setting s : Setting.values()) {
            sources.put(s, origins.getOrDefault(s, Origin.DEFAULT).source());
        }
        Provenance.remember(config, sources);
        return config;
    }

    /** Every unknown name in .env is an error; in the environment only those that look meant for vmdesk. */
    private void checkNames(Map<String, String> env, DotEnvFile dotEnv) {
        for (DotEnvFile.Entry e : dotEnv.entries()) {
            if (Setting.find(e.name()).isEmpty() && !SettingNames.CLIENT_VARIABLES.contains(e.name())) {
                problems.add(unknown(e.name(), "set in " + dotEnv.file() + " line " + e.line(), "in " + dotEnv.file()));
            }
        }
        for (String name : new TreeSet<>(env.keySet())) {
            if (Setting.find(name).isEmpty() && SettingNames.looksLikeOurs(name)) {
                problems.add(unknown(name, "set in the process environment", "in the process environment"));
            }
        }
    }

    private static Problem unknown(String name, String where, String place) {
        Optional<Setting> meant = SettingNames.suggestion(name);
        String message = name + " is not a vmdesk setting"
                + meant.map(s -> "; did you mean " + s.name() + "?").orElse("") + " (" + where + ")";
        String fix = meant.map(s -> "rename " + name + " to " + s.name() + " " + place)
                .orElse("remove " + name + " " + place + "; the vmdesk settings are " + Setting.allNames());
        return new Problem(name, message, fix);
    }

    /** Process environment wins over .env; a blank value counts as unset, so it falls through to the next layer. */
    private void collect(Map<String, String> env, DotEnvFile dotEnv) {
        Map<String, DotEnvFile.Entry> fromFile = new java.util.HashMap<>();
        dotEnv.entries().forEach(e -> fromFile.put(e.name(), e));
        for (Setting s : Setting.values()) {
            String fromEnv = env.get(s.name());
            DotEnvFile.Entry entry = fromFile.get(s.name());
            if (fromEnv != null && !fromEnv.isBlank()) {
                raw.put(s, fromEnv.strip());
                origins.put(s, Origin.ENV);
            } else if (entry != null && !entry.value().isBlank()) {
                raw.put(s, entry.value().strip());
                origins.put(s, Origin.dotEnv(dotEnv.file(), entry.line()));
            }
        }
    }

    @FunctionalInterface
    private interface Parser<T> {
        T parse(String text) throws Values.Invalid;
    }

    /** The parsed value, the fallback when unset, or null after recording a problem. */
    private <T> T parse(Setting s, Parser<T> parser, T fallback) {
        String text = raw.get(s);
        if (text == null) {
            return fallback;
        }
        try {
            return parser.parse(text);
        } catch (Values.Invalid e) {
            String given = Redaction.shown(s, text);
            problems.add(new Problem(s.name(), s.name() + "='" + given + "' " + e.getMessage() + " (" + where(s) + ")",
                    e.fix != null ? e.fix : s.formatFix()));
            return null;
        }
    }

    private static Duration atLeastASecond(String text) throws Values.Invalid {
        Duration d = Values.duration(text);
        if (d.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new Values.Invalid("is shorter than 1s");
        }
        return d;
    }

    private String where(Setting s) {
        return origins.getOrDefault(s, Origin.DEFAULT).where();
    }

    /** "NAME=value (where it came from)" for cross-setting messages. */
    private String shown(Setting s, Object value) {
        String text = String.valueOf(value);
        return s.name() + "=" + Redaction.shown(s, text) + " (" + where(s) + ")";
    }
}
