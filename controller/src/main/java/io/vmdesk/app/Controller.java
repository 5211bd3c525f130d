package io.vmdesk.app;

import io.vmdesk.agentapi.AgentRoutes;
import io.vmdesk.agentapi.AgentTokens;
import io.vmdesk.api.ApiServer;
import io.vmdesk.auth.ApiKeys;
import io.vmdesk.auth.LiveViewTokens;
import io.vmdesk.config.ConfigException;
import io.vmdesk.doctor.Doctor;
import io.vmdesk.vault.MasterKeys;
import io.vmdesk.vault.Vault;
import io.vmdesk.provider.ProviderCatalog;
import io.vmdesk.session.AgentLauncher;
import io.vmdesk.session.CredentialSink;
import io.vmdesk.metrics.ControllerMetrics;
import io.vmdesk.session.SessionEvents;
import io.vmdesk.session.SessionStatus;
import io.vmdesk.config.Config;
import io.vmdesk.guest.GuestDriver;
import io.vmdesk.host.HostCommands;
import io.vmdesk.net.HostNetwork;
import io.vmdesk.net.Namespaces;
import io.vmdesk.readiness.RfbReadiness;
import io.vmdesk.session.ReconcileReport;
import io.vmdesk.session.SessionManager;
import io.vmdesk.session.StartPipeline;
import io.vmdesk.store.Store;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires the parts in start-up order: store, bridge, reconciliation (before the port opens), then the API. Closing runs
 * it backwards: viewers get 1001 and guests are torn down before the store closes.
 */
public final class Controller implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Controller.class);

    private final Store store;
    private final SessionManager sessions;
    private final ApiServer api;
    private final ReconcileReport reconciled;
    private final List<AutoCloseable> claims;

    private Controller(List<AutoCloseable> claims, Store store, SessionManager sessions, ApiServer api,
            ReconcileReport reconciled) {
        this.claims = claims;
        this.store = store;
        this.sessions = sessions;
        this.api = api;
        this.reconciled = reconciled;
    }

    /** Starts the controller; throws with an operator-facing message when the host is not usable. */
    public static Controller start(Config config, boolean fixBridge) {
        config.describe().forEach(line -> log.info("config {}", line));
        try {
            Files.createDirectories(config.dataDir());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create DATA_DIR " + config.dataDir() + ": " + e.getMessage(), e);
        }
        io.vmdesk.host.OwnerLock lock = DataDirLock.acquire(config.dataDir());
        try {
            return start(config, fixBridge, lock);
        } catch (RuntimeException | Error e) {
            lock.close();
            throw e;
        }
    }

    private static Controller start(Config config, boolean fixBridge, io.vmdesk.host.OwnerLock lock) {
        HostCommands host = new HostCommands();
        GuestDriver driver = GuestDrivers.create(config, host);
        String jdbcUrl = config.databaseUrl() != null ? config.databaseUrl() : "jdbc:sqlite:" + config.sqliteFile();
        Store store = Store.open(jdbcUrl);
        AutoCloseable storeClaim;
        try {
            // before reconciliation: another controller on this store (another DATA_DIR, another host) would have its
            // live sessions ended as leftovers
            storeClaim = store.claim();
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
        protectDataDir(config);
        try {
            HostNetwork network = new HostNetwork(host, config.bridgeDevice(), config.bridgeIp(),
                    config.internalNetwork());
            log.info("bridge {}", network.ensureBridge(fixBridge));
            Namespaces namespaces = new Namespaces(host);
            Clock clock = Clock.systemUTC();
            ProviderCatalog providers = ProviderCatalog.load(config.providersFile());
            Vault vault = new Vault(store, masterKeys(config));
            vault.missingKeys();
            ApiKeys apiKeys = new ApiKeys(store, Clock.systemUTC());
            ControllerMetrics metrics = new ControllerMetrics();
            SessionEvents events = new SessionEvents(store, metrics);
            StartPipeline pipeline = new StartPipeline(events, driver, new RfbReadiness(network::probeNeighbour,
                    !config.slotTopology()),
                    config.readyTimeout(), clock);
            AgentTokens agentTokens = new AgentTokens();
            AgentLauncher agents = new AgentLauncher(agentTokens, agentCommand(config),
                    "http://" + config.bridgeIp() + ":" + config.port());
            CredentialSink sink = (user, provider, session, plaintext) ->
                    vault.store(user, provider, session, plaintext).version();
            SessionManager sessions = new SessionManager(config, store, driver, pipeline, network, namespaces, events,
                    sink, agents, metrics, clock);
            for (SessionStatus status : List.of(SessionStatus.STARTING, SessionStatus.READY, SessionStatus.ENDING)) {
                metrics.sessionsInStatus(status.name(), () -> sessions.count(status));
            }
            metrics.pool(() -> store.leases().all().size(), config.poolSize());
            Doctor doctor = new Doctor(host, config, List.of(), store);
            // A session that does not become ready gets the doctor's findings for it in its diagnosis.
            sessions.diagnoseFailuresWith(id -> doctor.examineSession(id)
                    .filter(r -> !r.problems().isEmpty())
                    .map(r -> "doctor:\n" + r.toText(false)));
            ReconcileReport report = sessions.reconcile();
            io.vmdesk.host.TestHook.arm(); // a test's pause point is never met by the reconciliation
            ApiServer api = new ApiServer(config, sessions, providers,
                    new AgentRoutes(sessions, providers, agentTokens), vault, apiKeys,
                    LiveViewTokens.open(config.dataDir().resolve("live-view.key"), config.liveViewTokenTtl(), clock),
                    store, metrics,
                    () -> health(config, store, sessions), doctor);
            api.start();
            log.info("vmdesk ready: {} (driver {}, store {}, bridge {} {}/{})", config.publicUrl(),
                    config.guestDriver(), store.kind(), config.bridgeDevice(), config.bridgeIp(),
                    config.internalNetwork().prefix());
            return new Controller(List.of(storeClaim, lock), store, sessions, api, report);
        } catch (RuntimeException e) {
            closeQuietly(storeClaim);
            store.close();
            throw e;
        }
    }

    private static void closeQuietly(AutoCloseable claim) {
        try {
            claim.close();
        } catch (Exception e) {
            log.warn("releasing {} failed: {}", claim, e.toString());
        }
    }

    /**
     * Guests run as unprivileged users and need to traverse DATA_DIR and DATA_DIR/sessions to their own directory,
     * nothing more: both are 0711 whatever the umask (systemd's UMask=0077 would make them 0700 and every guest fail),
     * and the SQLite files (sessions, encrypted credentials, API key digests) are the controller's alone.
     */
    private static void protectDataDir(Config config) {
        try {
            Files.createDirectories(config.dataDir().resolve("sessions"));
            for (java.nio.file.Path dir : List.of(config.dataDir(), config.dataDir().resolve("sessions"))) {
                Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString(
                        "rwx--x--x"));
            }
            for (String suffix : List.of("", "-wal", "-shm")) {
                java.nio.file.Path file = java.nio.file.Path.of(config.sqliteFile() + suffix);
                if (Files.exists(file)) {
                    Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString(
                            "rw-------"));
                }
            }
        } catch (IOException | UnsupportedOperationException e) {
            log.warn("cannot restrict the permissions of DATA_DIR {}: {}", config.dataDir(), e.getMessage());
        }
    }

    private static MasterKeys masterKeys(Config config) {
        try {
            return MasterKeys.load(config);
        } catch (ConfigException e) {
            throw new IllegalStateException("the vault's master key is unusable:\n" + e.getMessage(), e);
        }
    }

    /**
     * How guests start the login agent: this JVM's java with the agent jar (AGENT_JAR, or the one built beside the
     * controller). Without a jar, sessions still give live desktops but capture no login, and the log says so.
     */
    private static List<String> agentCommand(Config config) {
        String jar = config.agentJar() != null ? config.agentJar().toString() : System.getProperty("vmdesk.agent.jar");
        if (jar == null || !Files.isRegularFile(java.nio.file.Path.of(jar))) {
            log.warn("no login agent: AGENT_JAR is unset and no agent jar was built beside the controller ({}); "
                    + "sessions will not capture logins. Fix: build with `mvn package` or set AGENT_JAR", jar);
            return List.of();
        }
        String java = ProcessHandle.current().info().command().orElse("java");
        return List.of(java, "-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar", jar);
    }

    private static Map<String, Object> health(Config config, Store store, SessionManager sessions) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("status", "ok");
        out.put("liveSessions", sessions.liveCount());
        out.put("maxSessions", config.maxSessions());
        out.put("guestDriver", config.guestDriver());
        out.put("store", store.kind());
        out.put("bridge", config.bridgeDevice() + " " + config.bridgeIp() + "/" + config.internalNetwork().prefix());
        Runtime runtime = Runtime.getRuntime();
        out.put("heapUsedBytes", runtime.totalMemory() - runtime.freeMemory());
        out.put("residentBytes", residentBytes());
        return out;
    }

    /** The controller's resident set size (VmRSS), or -1 where /proc is not available. */
    private static long residentBytes() {
        try {
            for (String line : Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux, or /proc hidden: report unknown
        }
        return -1;
    }

    /** Creates a platform API key (the demo makes one for itself). */
    public String createApiKey(String name, java.util.Set<io.vmdesk.auth.Scope> scopes) {
        return new ApiKeys(store, Clock.systemUTC()).create(name, scopes);
    }

    public SessionManager sessions() {
        return sessions;
    }

    public int port() {
        return api.port();
    }

    public ReconcileReport reconciled() {
        return reconciled;
    }

    @Override
    public void close() {
        log.info("shutting down: ending {} live session(s)", sessions.liveCount());
        sessions.close();
        api.close();
        store.close();
        claims.forEach(Controller::closeQuietly);
        log.info("shut down");
    }
}
