package io.vmdesk.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vmdesk.doctor.Check;
import io.vmdesk.doctor.Report;
import io.vmdesk.doctor.Status;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The host panel's doctor line: never blocks the page, runs again only when the last run is a minute old. */
class DoctorSummaryTest {

    @Test
    void theSummaryNamesTheFailingAndWarningChecksAndIsRefreshedOnlyWhenStale() {
        AtomicInteger runs = new AtomicInteger();
        Report report = new Report(List.of(
                new Check("bridge.address", Status.FAIL, "vmdbr0", "192.168.0.1/16", "ip addr replace …"),
                new Check("neighbour.gc-thresh", Status.WARN, "gc_thresh2", "128", "sysctl …"),
                new Check("bridge.up", Status.OK, "vmdbr0", "UP", "")));
        MutableClock clock = new MutableClock(Instant.parse("2026-12-04T10:00:00Z"));
        CountDownLatch firstLookDone = new CountDownLatch(1);
        DoctorSummary summary = new DoctorSummary(() -> {
            runs.incrementAndGet();
            awaitQuietly(firstLookDone); // the run must not finish before the page has seen "in progress"
            return report;
        }, clock);

        assertThat(summary.current()).isEqualTo("first run in progress");
        firstLookDone.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> !summary.current().startsWith("first"));
        assertThat(summary.current()).isEqualTo("1 fail (bridge.address) · 1 warn (neighbour.gc-thresh) · 1 ok, "
                + "2026-12-04T10:00:00Z");
        clock.now = clock.now.plusSeconds(30);
        summary.current();
        assertThat(runs).hasValue(1);
        clock.now = clock.now.plusSeconds(31);
        summary.current();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(runs).hasValue(2));
    }

    @Test
    void aDoctorThatThrowsIsReportedNotPropagated() {
        DoctorSummary summary = new DoctorSummary(() -> {
            throw new IllegalStateException("ip: command not found");
        }, Clock.systemUTC());
        summary.current();
        await().atMost(Duration.ofSeconds(10)).until(() -> summary.current().equals(
                "doctor failed: ip: command not found"));
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static final class MutableClock extends Clock {
        volatile Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }
}
