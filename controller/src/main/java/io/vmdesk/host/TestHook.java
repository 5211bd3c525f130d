package io.vmdesk.host;

import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TEST HOOK, for the crash tests only (CrashAtEachStepTest): with the system property
 * {@code -Dvmdesk.test.pauseAt=POINT} the controller stops for good the first time a session reaches POINT, logs
 * {@code TEST HOOK: session=ID paused at POINT} and waits there to be killed with {@code kill -9}. Without the
 * property (always, outside that test) {@link #pauseAt} does nothing. It is a system property and not a setting on
 * purpose: an operator cannot set it through the environment or an env file.
 *
 * <p>Points, in the order a session meets them: create — {@code net.lease} (address leased, nothing on the host),
 * {@code net.wire} (namespace and veth made, the veth not yet a bridge port), {@code guest.prepare} (guest directory
 * made, not yet filled), {@code guest.start} (Xvfb and openbox running, x11vnc and Chromium not yet),
 * {@code guest.ready} (every process running, readiness not yet proved); delete — {@code teardown.begin} (status
 * ENDING, viewers told, nothing removed), {@code teardown.process} (the newest process stopped, the others still
 * running), {@code teardown.directory} (processes and directory gone, interface, namespace and lease left),
 * {@code teardown.recorded} (everything removed, the row still ENDING); restart — {@code controller.revived} (the
 * start-up reconciliation has revived a READY session and not yet ended the others: the one point met before the
 * port opens).
 */
public final class TestHook {
    private static final Logger log = LoggerFactory.getLogger(TestHook.class);
    private static final String POINT = System.getProperty("vmdesk.test.pauseAt");
    private static final AtomicBoolean fired = new AtomicBoolean();
    private static volatile boolean armed;

    private TestHook() {
    }

    /**
     * From now on the point can be met: called once the start-up reconciliation is over, so that its teardowns of a
     * previous run's sessions never pause (a restart armed for {@code teardown.process} still opens its port). Only
     * {@code controller.revived}, which belongs to the reconciliation, is met before.
     */
    public static void arm() {
        armed = POINT != null;
    }

    /** Blocks the calling thread forever if this is the configured point, reached for the first time after arm(). */
    public static void pauseAt(String point, String sessionId) {
        if (POINT == null || !(armed || point.equals("controller.revived")) || !POINT.equals(point)
                || !fired.compareAndSet(false, true)) {
            return;
        }
        log.warn("TEST HOOK: session={} paused at {} (-Dvmdesk.test.pauseAt); waiting to be killed", sessionId, point);
        while (true) {
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException e) {
                // a shutdown interrupts the workers: go on as if nothing had been paused
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
