package io.vmdesk.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * What the controller counts and times, exposed in Prometheus' text format at {@code GET /metrics}. One method per
 * event, so callers never spell a metric name; tags are small closed sets (step names, statuses, close codes,
 * providers), never session or user ids.
 */
public final class ControllerMetrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final AtomicInteger viewers = new AtomicInteger();
    private final Counter bytesToBrowser;
    private final Counter bytesToGuest;

    public ControllerMetrics() {
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        Gauge.builder("vmdesk.proxy.connections", viewers, AtomicInteger::get)
                .description("live-view WebSocket connections open now").register(registry);
        bytesToBrowser = Counter.builder("vmdesk.proxy.bytes").tag("direction", "to_browser")
                .description("bytes relayed by the live-view proxy").baseUnit("bytes").register(registry);
        bytesToGuest = Counter.builder("vmdesk.proxy.bytes").tag("direction", "to_guest")
                .description("bytes relayed by the live-view proxy").baseUnit("bytes").register(registry);
    }

    /** Sessions in a live status, read when scraped. */
    public void sessionsInStatus(String status, Supplier<Number> count) {
        Gauge.builder("vmdesk.sessions", count).tag("status", status).description("sessions by status")
                .register(registry);
    }

    /** Address-pool use, read when scraped. */
    public void pool(Supplier<Number> leased, int size) {
        Gauge.builder("vmdesk.pool.leased", leased).description("addresses leased from the pool").register(registry);
        Gauge.builder("vmdesk.pool.size", () -> size).description("addresses in the pool").register(registry);
    }

    public void step(String name, String outcome, long millis) {
        Timer.builder("vmdesk.session.step").tag("step", name).tag("outcome", outcome)
                .description("time of each step of a session").publishPercentileHistogram()
                .register(registry).record(Duration.ofMillis(millis));
    }

    public void ready(Duration sinceCreate) {
        Timer.builder("vmdesk.session.ready").description("from POST to READY").publishPercentileHistogram()
                .register(registry).record(sinceCreate);
    }

    public void sessionEnded(String status, String reason) {
        Counter.builder("vmdesk.sessions.ended").tag("status", status).tag("reason", reason)
                .description("sessions ended, by final status and reason").register(registry).increment();
    }

    public void readinessFailure(String failure) {
        Counter.builder("vmdesk.readiness.failures").tag("failure", failure)
                .description("sessions that did not become ready, by cause").register(registry).increment();
    }

    public void agentEvent(String provider, String type) {
        Counter.builder("vmdesk.agent.events").tag("provider", provider).tag("type", type)
                .description("login agent progress and outcomes").register(registry).increment();
    }

    public void viewerOpened() {
        viewers.incrementAndGet();
        Counter.builder("vmdesk.proxy.connections.opened")
                .description("live-view WebSocket connections opened").register(registry).increment();
    }

    public void viewerClosed(int closeCode) {
        viewers.decrementAndGet();
        Counter.builder("vmdesk.proxy.closes").tag("code", String.valueOf(closeCode))
                .description("live-view connections ended, by close code").register(registry).increment();
    }

    public void toBrowser(int bytes) {
        bytesToBrowser.increment(bytes);
    }

    public void toGuest(int bytes) {
        bytesToGuest.increment(bytes);
    }

    public void reconciled(int sessionsEnded, int leftoversRemoved, int problems) {
        Counter.builder("vmdesk.reconcile.sessions.ended")
                .description("sessions a start-up reconciliation ended").register(registry).increment(sessionsEnded);
        Counter.builder("vmdesk.reconcile.leftovers.removed")
                .description("unowned host resources a start-up reconciliation removed").register(registry).increment(leftoversRemoved);
        Counter.builder("vmdesk.reconcile.problems")
                .description("resources a start-up reconciliation could not remove").register(registry).increment(problems);
    }

    /** The Prometheus text exposition. */
    public String scrape() {
        return registry.scrape();
    }
}
