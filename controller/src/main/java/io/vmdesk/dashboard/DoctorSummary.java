package io.vmdesk.dashboard;

import io.vmdesk.doctor.Check;
import io.vmdesk.doctor.Report;
import io.vmdesk.doctor.Status;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The host panel's one-line doctor summary. A full doctor run probes every guest (ARP, RFB) and takes seconds with many
 * sessions, while the panel is rendered on every page load and feed update; so the summary is the last run's, and a
 * new run starts in the background when that one is older than {@link #MAX_AGE}. Never blocks the caller.
 */
public final class DoctorSummary {
    private static final Logger log = LoggerFactory.getLogger(DoctorSummary.class);
    static final Duration MAX_AGE = Duration.ofSeconds(60);

    private final Supplier<Report> doctor;
    private final Clock clock;
    private final AtomicBoolean running = new AtomicBoolean();
    private volatile String summary = "first run in progress";
    private volatile Instant ranAt = Instant.EPOCH;

    public DoctorSummary(Supplier<Report> doctor, Clock clock) {
        this.doctor = doctor;
        this.clock = clock;
    }

    /** The last run's summary, such as "1 fail (bridge.address) · 0 warn · 31 ok, 12:01:03Z"; refreshes when stale. */
    public String current() {
        if (Duration.between(ranAt, clock.instant()).compareTo(MAX_AGE) > 0 && running.compareAndSet(false, true)) {
            Thread.ofVirtual().name("doctor-summary").start(this::refresh);
        }
        return summary;
    }

    private void refresh() {
        try {
            Report report = doctor.get();
            summary = describe(report) + ", " + clock.instant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        } catch (RuntimeException e) {
            log.warn("doctor summary failed: {}", e.toString());
            summary = "doctor failed: " + e.getMessage();
        } finally {
            ranAt = clock.instant();
            running.set(false);
        }
    }

    static String describe(Report report) {
        return count(report, Status.FAIL) + " · " + count(report, Status.WARN) + " · " + report.count(Status.OK) + " ok";
    }

    private static String count(Report report, Status status) {
        String ids = report.checks().stream().filter(c -> c.status() == status).map(Check::id).distinct()
                .collect(Collectors.joining(", "));
        return report.count(status) + " " + status.label() + (ids.isEmpty() ? "" : " (" + ids + ")");
    }
}
