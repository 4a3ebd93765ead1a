package org.pluginscheduler.monitor;

import java.io.IOException;
import java.io.OutputStream;
import java.util.function.IntSupplier;

import io.micrometer.core.instrument.distribution.pause.NoPauseDetector;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.pluginscheduler.api.SchedulerAdmin;

/**
 * The scheduler's metrics: one Prometheus registry with the state gauges ({@link SchedulerMeters}) and the
 * event-fed meters ({@link RunMeters}). Independent of OSGi; {@link MetricsComponent} is its OSGi face.
 */
final class Metrics implements AutoCloseable {

    /** The Prometheus text exposition format this serves. */
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final SchedulerMeters state;
    private final RunMeters runs;
    private final TaskLabels labels;

    /** @param maxTaskSeries the most distinct task label values, read at each admission of a new task */
    Metrics(SchedulerAdmin admin, IntSupplier maxTaskSeries) {
        // the default pause detector needs LatencyUtils, which is not embedded (bnd.bnd)
        registry.config().pauseDetector(new NoPauseDetector());
        this.state = new SchedulerMeters(admin, registry);
        this.labels = new TaskLabels(maxTaskSeries);
        this.runs = new RunMeters(registry, labels);
    }

    /** @return the event-fed meters */
    /**
     * Exports how many observer events the meters missed (their queue was full), so an undercount in
     * {@code pluginscheduler_runs_total} shows instead of passing silently.
     */
    void observeDrops(SchedulerAdmin.Subscription subscription) {
        io.micrometer.core.instrument.FunctionCounter.builder("pluginscheduler.observer.dropped.events",
                        subscription, SchedulerAdmin.Subscription::dropped)
                .description("Scheduler events these metrics missed because their queue was full (a batch of runs "
                        + "written together is one event); while it grows, the run counters undercount")
                .register(registry);
    }

    RunMeters runs() {
        return runs;
    }

    /** @return the task labels given so far */
    TaskLabels labels() {
        return labels;
    }

    /**
     * Takes a fresh snapshot of the scheduler's state and writes every metric in the text format. One scrape at a
     * time, so every gauge of a scrape reads the same snapshot.
     */
    synchronized void scrape(OutputStream out) throws IOException {
        state.refresh();
        registry.scrape(out, CONTENT_TYPE);
    }

    /** @return {@link #scrape(OutputStream)} as text */
    synchronized String scrape() {
        state.refresh();
        return registry.scrape(CONTENT_TYPE);
    }

    @Override
    public void close() {
        registry.close();
    }
}
