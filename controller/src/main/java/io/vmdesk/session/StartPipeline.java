package io.vmdesk.session;

import io.vmdesk.guest.GuestDriver;
import io.vmdesk.guest.GuestException;
import io.vmdesk.guest.Ledger;
import io.vmdesk.guest.GuestSpec;
import io.vmdesk.readiness.ReadinessException;
import io.vmdesk.readiness.RfbReadiness;
import io.vmdesk.store.StepRow;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The named steps that take a leased session to READY: wire its network, prepare and start its guest, prove it
 * reachable. Each step is timed and recorded; the first failure stops the pipeline and names the step. Undo is not
 * here: every resource a step creates is in the ledger, and {@link Teardown} removes them all.
 */
public final class StartPipeline {
    private static final Logger log = LoggerFactory.getLogger(StartPipeline.class);
    public static final int VNC_PORT = 5900;

    private final SessionEvents events;
    private final GuestDriver driver;
    private final RfbReadiness readiness;
    private final Duration readyTimeout;
    private final Clock clock;

    public StartPipeline(SessionEvents events, GuestDriver driver, RfbReadiness readiness, Duration readyTimeout,
            Clock clock) {
        this.events = events;
        this.driver = driver;
        this.readiness = readiness;
        this.readyTimeout = readyTimeout;
        this.clock = clock;
    }

    /** Why a session did not become ready: one line for endedReason, the evidence (log tails) for its diagnosis. */
    record Failure(String summary, String diagnosis) {
    }

    /** @return empty on success, else the failure ("step failed: cause") */
    Optional<Failure> run(LiveSession session, Ledger ledger) {
        Instant deadline = clock.instant().plus(readyTimeout);
        try {
            step(session, "net.wire", () -> driver.wireNetwork(session.spec, ledger));
            step(session, "guest.prepare", () -> driver.prepare(session.spec, ledger));
            step(session, "guest.start", () -> session.guest = driver.start(session.spec, ledger,
                    positive(Duration.between(clock.instant(), deadline))));
            waitReady(session, deadline);
            return Optional.empty();
        } catch (StepFailed e) {
            return Optional.of(new Failure(e.getMessage(), e.diagnosis));
        }
    }

    private static Duration positive(Duration d) {
        return d.isNegative() || d.isZero() ? Duration.ofMillis(1) : d;
    }

    private interface Action {
        void run() throws Exception;
    }

    private static final class StepFailed extends Exception {
        final String diagnosis;

        StepFailed(String message) {
            this(message, null);
        }

        StepFailed(String message, String diagnosis) {
            super(message, null, false, false);
            this.diagnosis = diagnosis;
        }
    }

    private void step(LiveSession session, String name, Action action) throws StepFailed {
        Instant started = clock.instant();
        long t0 = System.nanoTime();
        session.stepLock.lock();
        try {
            if (session.ending.get()) {
                throw new StepFailed(name + ": session is ending");
            }
            action.run();
            record(session, name, "ok", started, t0, "");
        } catch (StepFailed e) {
            throw e;
        } catch (Exception e) {
            String full = e instanceof GuestException ? e.getMessage() : e.toString();
            String cause = full.lines().findFirst().orElse(full);
            record(session, name, "failed", started, t0, cause);
            log.warn("session={} step={} failed: {}", session.id, name, cause);
            throw new StepFailed(name + " failed: " + cause, full);
        } finally {
            session.stepLock.unlock();
        }
    }

    /**
     * Proves an adopted guest reachable again, as READY promised before the restart: the host reads its RFB banner.
     * Returns the banner, or throws naming what failed.
     */
    String reprove(GuestSpec spec, io.vmdesk.guest.GuestHandle guest, Duration within)
            throws ReadinessException, InterruptedException {
        return readiness.waitUntilReady(spec.address(), VNC_PORT, within, guest::failure);
    }

    /** Not under the step lock: it only reads, and a delete must be able to interrupt it. */
    private void waitReady(LiveSession session, Instant deadline) throws StepFailed {
        io.vmdesk.host.TestHook.pauseAt("guest.ready", session.id);
        Instant started = clock.instant();
        long t0 = System.nanoTime();
        Duration left = Duration.between(started, deadline);
        if (left.isNegative()) {
            left = Duration.ZERO;
        }
        try {
            String banner = readiness.waitUntilReady(session.spec.address(), VNC_PORT, left, () -> {
                if (session.ending.get()) {
                    return Optional.of("session is ending");
                }
                return session.guest == null ? Optional.empty() : session.guest.failure();
            });
            record(session, "guest.ready", "ok", started, t0, banner);
        } catch (ReadinessException e) {
            String cause = e.getMessage() + " (SESSION_READY_TIMEOUT=" + readyTimeout.toSeconds() + "s)";
            record(session, "guest.ready", "failed", started, t0, cause);
            throw new StepFailed("guest.ready failed: " + cause,
                    session.guest == null ? null : session.guest.logTail(40));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StepFailed("guest.ready: interrupted");
        }
    }

    private void record(LiveSession session, String name, String outcome, Instant started, long t0, String detail) {
        long millis = (System.nanoTime() - t0) / 1_000_000;
        events.step(session.id, new StepRow(name, outcome, started, millis, detail));
        log.info("session={} step={} outcome={} ms={}", session.id, name, outcome, millis);
    }
}
