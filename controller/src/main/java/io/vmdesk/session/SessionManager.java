package io.vmdesk.session;

import io.vmdesk.config.Config;
import io.vmdesk.guest.GuestDriver;
import io.vmdesk.guest.GuestHandle;
import io.vmdesk.guest.GuestSpec;
import io.vmdesk.metrics.ControllerMetrics;
import io.vmdesk.net.HostNetwork;
import io.vmdesk.net.Ipv4Address;
import io.vmdesk.net.Namespaces;
import io.vmdesk.net.Naming;
import io.vmdesk.store.SessionRow;
import io.vmdesk.store.StepRow;
import io.vmdesk.store.Store;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the sessions of this host: admission, the start pipeline, timers and teardown. The store is the truth; this
 * class keeps only what a running controller needs in memory ({@link LiveSession}).
 */
public final class SessionManager implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SessionManager.class);

    private final Config config;
    private final Store store;
    private final GuestDriver driver;
    private final StartPipeline pipeline;
    private final Teardown teardown;
    private final HostNetwork network;
    private final Namespaces namespaces;
    private final Clock clock;
    private final String instanceTag;
    private final Map<String, LiveSession> live = new ConcurrentHashMap<>();
    private final List<BiConsumer<String, EndReason>> endListeners = new CopyOnWriteArrayList<>();
    private final ExecutorService workers = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("session-", 0).factory());
    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("session-timers").factory());
    private final Object admission = new Object();
    private final CreationRate creationRate;
    private final SessionEvents events;
    private final ControllerMetrics metrics;
    private final CredentialSink credentials;
    private final AgentLauncher agents;
    private volatile java.util.function.Function<String, Optional<String>> diagnoser = id -> Optional.empty();

    public SessionManager(Config config, Store store, GuestDriver driver, StartPipeline pipeline, HostNetwork network,
            Namespaces namespaces, SessionEvents events, CredentialSink credentials, AgentLauncher agents,
            ControllerMetrics metrics, Clock clock) {
        this.config = config;
        this.metrics = metrics;
        this.events = events;
        this.credentials = credentials;
        this.agents = agents;
        this.network = network;
        this.namespaces = namespaces;
        this.store = store;
        this.driver = driver;
        this.pipeline = pipeline;
        this.teardown = new Teardown(store, driver);
        this.clock = clock;
        this.instanceTag = Naming.instanceTag(config.dataDir());
        this.creationRate = new CreationRate(config.createRatePerMinute(), clock);
        timers.scheduleWithFixedDelay(this::enforceTimers, 1, 1, TimeUnit.SECONDS);
    }

    /**
     * How a session that failed to start is diagnosed (the doctor, for the controller): the text is appended to the
     * session's diagnosis. Runs before teardown, while the guest's resources still exist.
     */
    public void diagnoseFailuresWith(java.util.function.Function<String, Optional<String>> diagnoser) {
        this.diagnoser = diagnoser;
    }

    /** Called with (sessionId, reason) before a session's guest is torn down, so viewers get a proper close. */
    public void onSessionEnd(BiConsumer<String, EndReason> listener) {
        endListeners.add(listener);
    }

    /**
     * Admits a session, leases its address and starts its guest in the background. Returns at once with the row in
     * STARTING; the live view waits for READY.
     */
    public SessionRow create(String provider, String userId) throws AdmissionException {
        String id = UUID.randomUUID().toString();
        Instant now = clock.instant();
        Instant expiresAt = now.plus(config.maxLifetime());
        LiveSession session;
        synchronized (admission) {
            admit(userId);
            store.sessions().insert(new SessionRow(id, userId, provider, SessionStatus.STARTING.name(), null, null,
                    now, expiresAt, null, null, null, null, null));
            long started = System.nanoTime();
            Optional<Ipv4Address> address = store.leases().acquire(id, config.poolStart(), config.poolEnd());
            if (address.isEmpty()) {
                store.sessions().finish(id, SessionStatus.FAILED.name(), "admission: address pool exhausted", null, now);
                throw new AdmissionException("too-many-sessions", "the address pool " + config.poolStart() + "-"
                        + config.poolEnd()
                        + " is exhausted", Duration.ofSeconds(10));
            }
            String mac = Naming.macFor(address.get());
            store.sessions().setAddress(id, address.get().toString(), mac);
            io.vmdesk.host.TestHook.pauseAt("net.lease", id);
            events.step(id, new StepRow("net.lease", "ok", now,
                    (System.nanoTime() - started) / 1_000_000, address.get() + " " + mac));
            GuestSpec spec = specFor(id, address.get(), mac, agents.launchFor(id));
            session = new LiveSession(id, provider, userId, spec, now, expiresAt);
            live.put(id, session);
        }
        log.info("session={} created provider={} user={} address={}", id, provider, userId, session.spec.address());
        workers.submit(() -> start(session));
        return store.sessions().find(id).orElseThrow();
    }

    /** Everything a session's guest is made of derives from its id and address: the same after a restart. */
    private GuestSpec specFor(String id, Ipv4Address address, String mac, io.vmdesk.guest.AgentLaunch agent) {
        return new GuestSpec(id, address, config.internalNetwork(), config.gateway(), mac, Naming.interfaceName(id),
                Naming.namespaceName(instanceTag, id), config.dataDir().resolve("sessions").resolve(id),
                config.bridgeDevice(), config.chromiumBin(), agent);
    }

    /**
     * The three limits, cheapest refusal first; the rate's token is taken last, so a request refused by a limit
     * does not use up the rate. Called under the admission lock.
     */
    private void admit(String userId) throws AdmissionException {
        if (live.size() >= config.maxSessions()) {
            throw new AdmissionException("too-many-sessions", "MAX_SESSIONS=" + config.maxSessions()
                    + " sessions are live on this host", Duration.ofSeconds(10));
        }
        long mine = live.values().stream().filter(s -> s.userId.equals(userId)).count();
        if (mine >= config.maxSessionsPerUser()) {
            throw new AdmissionException("too-many-sessions-for-user", "user " + userId + " has " + mine
                    + " live session(s), MAX_SESSIONS_PER_USER=" + config.maxSessionsPerUser()
                    + "; end one (DELETE /api/auth/session/{id}) or wait for it to end", Duration.ofSeconds(10));
        }
        Optional<Duration> wait = creationRate.take();
        if (wait.isPresent()) {
            throw new AdmissionException("rate-limited", "more than SESSION_CREATE_RATE="
                    + config.createRatePerMinute() + " sessions per minute were asked for", wait.get());
        }
    }

    private void start(LiveSession session) {
        Optional<StartPipeline.Failure> failure = pipeline.run(session, new StoreLedger(store.ledger(), session.id));
        if (failure.isEmpty()) {
            if (store.sessions().find(session.id).map(r -> r.status().equals("STARTING")).orElse(false)) {
                store.sessions().markReady(session.id, clock.instant());
                session.lastActivity = clock.instant();
                session.ready.complete(true);
                metrics.ready(Duration.between(session.createdAt, clock.instant()));
                events.status(session.id, SessionStatus.READY, null);
                log.info("session={} READY", session.id);
            }
            return;
        }
        if (!session.ending.get()) {
            // "guest.ready failed: TCP refused: …" counts as "guest.ready failed: TCP refused"
            String[] parts = failure.get().summary().split(": ", 3);
            metrics.readinessFailure(parts.length > 1 ? parts[0] + ": " + parts[1] : parts[0]);
            String diagnosis = failure.get().diagnosis();
            try {
                Optional<String> found = diagnoser.apply(session.id);
                if (found.isPresent()) {
                    diagnosis = (diagnosis == null ? "" : diagnosis + "\n") + found.get();
                }
            } catch (RuntimeException e) {
                log.warn("session={} doctor failed: {}", session.id, e.toString());
            }
            end(session, EndReason.NOT_READY, failure.get().summary(), SessionStatus.FAILED, diagnosis);
        }
    }

    public Optional<SessionRow> find(String id) {
        return store.sessions().find(id);
    }

    public List<SessionRow> list(String status, String userId) {
        return store.sessions().list(status, userId);
    }

    public List<StepRow> steps(String id) {
        return store.sessions().steps(id);
    }

    /** The last lines of each of a live session's guest process logs; empty once the session has ended. */
    public Optional<String> logTail(String id, int maxLines) {
        LiveSession session = live.get(id);
        GuestHandle guest = session == null ? null : session.guest;
        return guest == null ? Optional.empty() : Optional.of(guest.logTail(maxLines));
    }

    /** Ends a session (idempotent: ending an ended session changes nothing). */
    public Optional<SessionRow> delete(String id) {
        LiveSession session = live.get(id);
        if (session != null) {
            end(session, EndReason.DELETED, null, SessionStatus.ENDED);
        }
        return store.sessions().find(id);
    }

    /**
     * Waits (bounded) until the session is READY. Empty when it is unknown; otherwise the row as it stands at the end
     * of the wait (still STARTING when the bound passed).
     */
    public Optional<SessionRow> awaitReady(String id, Duration timeout) throws InterruptedException {
        LiveSession session = live.get(id);
        if (session != null) {
            try {
                session.ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
                // fall through: the row says where the session stands
            }
        }
        return store.sessions().find(id);
    }

    /**
     * A viewer reached the guest. Only viewers that did count as someone watching: WebSocket attempts that were
     * refused or never got through (a reconnect loop, a bad token) change neither the viewer count nor the idle clock.
     */
    public void viewerAttached(String id) {
        LiveSession session = live.get(id);
        if (session != null) {
            session.viewers.incrementAndGet();
        }
    }

    /**
     * An attached viewer left: the idle clock starts again from now. Its reason is kept while the session lives;
     * viewers of an ended session change nothing.
     */
    public void viewerDetached(String id, String reason) {
        LiveSession session = live.get(id);
        if (session == null) {
            return;
        }
        session.viewers.decrementAndGet();
        session.lastActivity = clock.instant();
        if (reason != null) {
            store.sessions().setLastDisconnect(id, reason);
        }
    }

    /** Follows a session's steps and status changes (server-sent events). */
    public Runnable follow(String id, java.util.function.Consumer<java.util.Map<String, Object>> follower) {
        return events.follow(id, follower);
    }

    /** Every session's steps and status changes, as (session id, event); @return a handle that stops following */
    public Runnable followAll(java.util.function.BiConsumer<String, java.util.Map<String, Object>> follower) {
        return events.followAll(follower);
    }

    /** Bounds on what one session may put in the store. */
    public static final class Limits {
        /** An agent reports a handful of events; more is a loop or abuse, and would bloat every read. */
        public static final int AGENT_EVENTS = 100;

        private Limits() {
        }
    }

    /**
     * Progress reported by the session's agent (false when the session has reported too many). An error is recorded (a failed step, visible in the API and the
     * events) but does not end the session: the user still has the desktop, and the platform decides what next.
     */
    public boolean agentEvent(String id, String type, String detail) {
        LiveSession session = live.get(id);
        if (session == null) {
            return true;
        }
        if (session.agentEvents.incrementAndGet() > Limits.AGENT_EVENTS) {
            return false;
        }
        session.lastActivity = clock.instant();
        events.step(id, new StepRow("agent." + type, type.equals("error") ? "failed" : "ok", clock.instant(), 0, detail));
        metrics.agentEvent(session.provider, type);
        log.info("session={} agent {}", id, type);
        return true;
    }

    /**
     * The agent handed back the login's credentials: they go to the vault, the session becomes
     * CREDENTIALS_CAPTURED and its guest is torn down.
     *
     * @return the version stored for the session's user and provider
     */
    public int captureCredentials(String id, byte[] plaintext) {
        LiveSession session = live.get(id);
        SessionRow row = store.sessions().find(id).orElseThrow();
        if (session == null || session.ending.get()) {
            throw new IllegalStateException("session " + id + " is not live");
        }
        long t0 = System.nanoTime();
        int version = credentials.store(row.userId(), row.provider(), id, plaintext);
        java.util.Arrays.fill(plaintext, (byte) 0);
        events.step(id, new StepRow("credentials.stored", "ok", clock.instant(), (System.nanoTime() - t0) / 1_000_000,
                row.provider() + " version " + version));
        log.info("session={} credentials captured provider={} version={}", id, row.provider(), version);
        workers.submit(() -> end(session, EndReason.CREDENTIALS_CAPTURED, "version " + version,
                SessionStatus.CREDENTIALS_CAPTURED));
        return version;
    }

    public int liveCount() {
        return live.size();
    }

    /** Live sessions in a status (STARTING, READY or ENDING), from memory: cheap enough for every scrape. */
    public long count(SessionStatus status) {
        return live.values().stream().filter(s -> switch (status) {
            case ENDING -> s.ending.get();
            case READY -> !s.ending.get() && s.ready.isDone();
            case STARTING -> !s.ending.get() && !s.ready.isDone();
            default -> false;
        }).count();
    }

    /**
     * {@code POST …/keepalive}: the platform says the session is still wanted, which restarts its idle clock (never
     * its hard lifetime). Empty when the session is not live.
     */
    public Optional<Instant> keepalive(String id) {
        LiveSession session = live.get(id);
        if (session == null || session.ending.get()) {
            return Optional.empty();
        }
        session.lastActivity = clock.instant();
        log.info("session={} keepalive", id);
        return Optional.of(idleDeadline(session));
    }

    /** When a live session ends for idleness unless something happens first; empty when it is not live. */
    public Optional<Instant> idleDeadline(String id) {
        LiveSession session = live.get(id);
        return session == null || session.ending.get() ? Optional.empty() : Optional.of(idleDeadline(session));
    }

    /**
     * When a session with no viewer becomes idle. Idle means: no viewer attached to the guest and no agent progress.
     * The clock runs from the latest of READY, the last attached viewer leaving, the last agent event and the last
     * keepalive; WebSocket attempts that never reach the guest (refused tokens, noVNC's reconnect loop) do not move it.
     */
    private Instant idleDeadline(LiveSession session) {
        return session.lastActivity.plus(config.idleTimeout());
    }

    /** Lifetime and idle limits, checked every second. */
    private void enforceTimers() {
        Instant now = clock.instant();
        for (LiveSession session : live.values()) {
            if (session.ending.get()) {
                continue;
            }
            Optional<String> lost = session.ready.isDone() && session.guest != null ? session.guest.failure()
                    : Optional.empty();
            if (lost.isPresent()) {
                // READY promises a reachable desktop; a guest that lost a process cannot keep that promise
                String evidence = session.guest.logTail(40);
                workers.submit(() -> end(session, EndReason.GUEST_LOST, lost.get(), SessionStatus.FAILED, evidence));
            } else if (!now.isBefore(session.expiresAt)) {
                workers.submit(() -> end(session, EndReason.LIFETIME_OVER, "SESSION_MAX_LIFETIME="
                        + config.maxLifetime().toSeconds() + "s reached", SessionStatus.ENDED));
            } else if (session.viewers.get() == 0 && session.ready.isDone()
                    && !now.isBefore(idleDeadline(session))) {
                workers.submit(() -> end(session, EndReason.IDLE_LIMIT, "no viewer, no agent progress and no keepalive"
                        + " for SESSION_IDLE_TIMEOUT=" + config.idleTimeout().toSeconds() + "s",
                        SessionStatus.ENDED));
            }
        }
    }

    /** The one path by which a session ends: tell viewers, wait for the running step, remove everything, record. */
    void end(LiveSession session, EndReason reason, String detail, SessionStatus finalStatus) {
        end(session, reason, detail, finalStatus, null);
    }

    /** @param evidence what was seen (log tails…), kept as the session's diagnosis */
    void end(LiveSession session, EndReason reason, String detail, SessionStatus finalStatus, String evidence) {
        if (!session.ending.compareAndSet(false, true)) {
            return;
        }
        String endedReason = detail == null ? reason.code() : reason.code() + ": " + detail;
        log.info("session={} ending reason={}", session.id, endedReason);
        store.sessions().setStatus(session.id, SessionStatus.ENDING.name());
        session.ready.complete(false);
        tellViewers(session, reason);
        io.vmdesk.host.TestHook.pauseAt("teardown.begin", session.id);
        session.stepLock.lock();
        List<String> problems;
        long started = System.nanoTime();
        try {
            problems = teardown.release(session.id);
        } finally {
            session.stepLock.unlock();
        }
        events.step(session.id, new StepRow("teardown", problems.isEmpty() ? "ok" : "failed",
                clock.instant(), (System.nanoTime() - started) / 1_000_000, String.join("; ", problems)));
        io.vmdesk.host.TestHook.pauseAt("teardown.recorded", session.id);
        String diagnosis = evidence;
        if (diagnosis == null && session.guest != null && finalStatus == SessionStatus.FAILED) {
            diagnosis = session.guest.logTail(40);
        }
        if (!problems.isEmpty()) {
            diagnosis = (diagnosis == null ? "" : diagnosis + "\n") + "teardown: " + String.join("; ", problems);
        }
        store.sessions().finish(session.id, finalStatus.name(), endedReason, diagnosis, clock.instant());
        agents.revoke(session.id);
        live.remove(session.id);
        metrics.sessionEnded(finalStatus.name(), reason.code());
        events.status(session.id, finalStatus, endedReason);
        log.info("session={} {} reason={}", session.id, finalStatus, endedReason);
    }

    /** Closes the session's viewers with the reason's close code (through the end listeners). */
    private void tellViewers(LiveSession session, EndReason reason) {
        for (BiConsumer<String, EndReason> listener : endListeners) {
            try {
                listener.accept(session.id, reason);
            } catch (RuntimeException e) {
                log.warn("session={} end listener failed: {}", session.id, e.toString());
            }
        }
    }

    /**
     * Start-up reconciliation, before the port opens: READY sessions whose guests are whole and reachable are
     * revived, the other sessions a previous run left live are ended, and every host
     * resource the ledger or the host shows without a live owner is removed, in parallel.
     */
    public ReconcileReport reconcile() {
        Reconciler reconciler = new Reconciler(store, driver, teardown, config, instanceTag, namespaces, network, clock,
                this::revivable);
        ReconcileReport report = reconciler.run();
        for (Reconciler.Revived r : reconciler.revived()) {
            SessionRow row = r.row();
            LiveSession session = new LiveSession(row.id(), row.provider(), row.userId(), r.spec(), row.createdAt(),
                    row.expiresAt());
            session.guest = r.guest();
            session.lastActivity = clock.instant();
            session.ready.complete(true);
            live.put(row.id(), session);
            log.info("session={} revived after a controller restart (READY, guest reachable)", row.id());
        }
        metrics.reconciled(report.sessionsEnded(), report.leftoversRemoved().size(), report.problems().size());
        return report;
    }

    /**
     * A READY session of a previous run, if its guest is whole (every recorded process is still the one started) and
     * the host reads its RFB banner again: READY keeps its promise after a restart, or the session is ended.
     */
    private Optional<Reconciler.Revived> revivable(SessionRow row) {
        if (row.browserIp() == null) {
            return Optional.empty();
        }
        GuestSpec spec = specFor(row.id(), Ipv4Address.parse(row.browserIp()), row.mac(), null);
        Map<String, String> processes = new java.util.LinkedHashMap<>();
        store.ledger().open(row.id()).stream().filter(e -> e.kind().equals("process"))
                .forEach(e -> processes.put(e.name(), e.detail()));
        Optional<io.vmdesk.guest.GuestHandle> guest = driver.adopt(spec, processes);
        if (guest.isEmpty()) {
            return Optional.empty();
        }
        long t0 = System.nanoTime();
        try {
            String banner = pipeline.reprove(spec, guest.get(), Duration.ofSeconds(5));
            events.step(row.id(), new StepRow("controller.revived", "ok", clock.instant(),
                    (System.nanoTime() - t0) / 1_000_000, "guest taken over after a controller restart; " + banner));
            io.vmdesk.host.TestHook.pauseAt("controller.revived", row.id());
            return Optional.of(new Reconciler.Revived(row, spec, guest.get()));
        } catch (io.vmdesk.readiness.ReadinessException e) {
            log.info("session={} cannot be revived: {}", row.id(), e.getMessage());
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /**
     * Controller shutdown (SIGTERM): viewers get 1001. Guests are torn down in parallel, waiting at most
     * SHUTDOWN_TIMEOUT (what is left, the next start reconciles); with SHUTDOWN_LEAVE_GUESTS they keep running, their
     * rows and ledger stay as they are, and the next start revives them.
     */
    @Override
    public void close() {
        timers.shutdownNow();
        List<LiveSession> sessions = List.copyOf(live.values());
        if (config.shutdownLeaveGuests()) {
            for (LiveSession session : sessions) {
                tellViewers(session, EndReason.CONTROLLER_SHUTDOWN);
                log.info("session={} left running for the next start (SHUTDOWN_LEAVE_GUESTS=true)", session.id);
            }
            workers.shutdownNow();
            return;
        }
        ExecutorService stoppers = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().factory());
        for (LiveSession session : sessions) {
            stoppers.submit(() -> end(session, EndReason.CONTROLLER_SHUTDOWN, null, SessionStatus.ENDED));
        }
        stoppers.shutdown();
        try {
            if (!stoppers.awaitTermination(config.shutdownTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn("shutdown: {} session(s) not torn down within SHUTDOWN_TIMEOUT={}s; the next start "
                        + "reconciles them", live.size(), config.shutdownTimeout().toSeconds());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        workers.shutdownNow();
    }
}
