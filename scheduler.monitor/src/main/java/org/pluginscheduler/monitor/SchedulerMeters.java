package org.pluginscheduler.monitor;

import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.pluginscheduler.api.DeadLetter;
import org.pluginscheduler.api.Priority;
import org.pluginscheduler.api.SchedulerAdmin;
import org.pluginscheduler.api.SchedulerStats;
import org.pluginscheduler.api.TaskInfo;
import org.pluginscheduler.api.TaskState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gauges of the scheduler's state: tasks by state, dead letters, the worker pools, stuck runs, pending retries,
 * held locks and runs, and the recent fire lag percentiles. All of them read one {@link Snapshot}, taken by
 * {@link #refresh()} once per scrape: one {@code tasks()}, one {@code stats()} and one {@code deadLetters()} call
 * however many gauges there are.
 *
 * <p>A source that fails (the store is broken: {@code deadLetters()} throws) leaves its gauges NaN until it answers
 * again; the failure is logged once, when it starts.
 */
final class SchedulerMeters {

    private static final Logger LOG = LoggerFactory.getLogger(SchedulerMeters.class);

    /**
     * What the gauges show.
     *
     * @param tasksByState tasks per state, every state present; null if {@code tasks()} failed
     * @param stats        null if {@code stats()} failed
     * @param deadLetters  -1 if {@code deadLetters()} failed
     */
    record Snapshot(Map<TaskState, Integer> tasksByState, SchedulerStats stats, int deadLetters) {
        static final Snapshot EMPTY = new Snapshot(null, null, -1);
    }

    private final SchedulerAdmin admin;
    private volatile Snapshot snapshot = Snapshot.EMPTY;
    private final Map<String, Boolean> failing = new ConcurrentHashMap<>();

    SchedulerMeters(SchedulerAdmin admin, MeterRegistry registry) {
        this.admin = admin;
        for (TaskState state : TaskState.values()) {
            gauge(registry, "pluginscheduler.tasks", "Tasks by administrative state", null,
                    s -> s.tasksByState == null ? Double.NaN : s.tasksByState.get(state), "state", state.name());
        }
        gauge(registry, "pluginscheduler.dead.letters", "Dead letters kept (runs whose retries are exhausted)", null,
                s -> s.deadLetters < 0 ? Double.NaN : s.deadLetters);
        for (Priority priority : Priority.values()) {
            String p = priority.name();
            gauge(registry, "pluginscheduler.pool.threads", "Configured worker threads of the pool of a priority",
                    null, s -> pool(s, priority).map(SchedulerStats.Pool::threads).orElse(null), "priority", p);
            gauge(registry, "pluginscheduler.pool.active", "Worker threads running task code now", null,
                    s -> pool(s, priority).map(SchedulerStats.Pool::active).orElse(null), "priority", p);
            gauge(registry, "pluginscheduler.pool.queued", "Runs waiting for a worker thread", null,
                    s -> pool(s, priority).map(SchedulerStats.Pool::queued).orElse(null), "priority", p);
            gauge(registry, "pluginscheduler.pool.extra.threads",
                    "Threads added to replace workers held by stuck runs", null,
                    s -> pool(s, priority).map(SchedulerStats.Pool::extra).orElse(null), "priority", p);
        }
        stat(registry, "pluginscheduler.stuck.runs",
                "Runs that timed out and ignore interruption, still holding a thread", SchedulerStats::stuckRuns);
        stat(registry, "pluginscheduler.pending.retries",
                "Retries waiting for their delay, and submissions planned for later", SchedulerStats::pendingRetries);
        stat(registry, "pluginscheduler.held.locks", "Named locks held now", SchedulerStats::heldLocks);
        stat(registry, "pluginscheduler.held.runs", "Runs waiting for an execution service to return",
                SchedulerStats::heldRuns);
        stat(registry, "pluginscheduler.paused", "1 while the whole scheduler is paused",
                st -> st.paused() ? 1 : 0);
        stat(registry, "pluginscheduler.executing", "1 while an execution service is available (0: fires are held)",
                st -> st.executing() ? 1 : 0);
        stat(registry, "pluginscheduler.provider.problems", "Task providers whose task list could not be read in time",
                st -> st.providerProblems().size());
        gauge(registry, "pluginscheduler.recent.fire.lag.p50", "Fire lag median over the recent scheduled runs",
                "seconds", s -> s.stats == null ? Double.NaN : seconds(s.stats.lag().p50()));
        gauge(registry, "pluginscheduler.recent.fire.lag.p99",
                "Fire lag 99th percentile over the recent scheduled runs", "seconds",
                s -> s.stats == null ? Double.NaN : seconds(s.stats.lag().p99()));
    }

    /**
     * Takes a new snapshot for the gauges: call once before each scrape, one scrape at a time ({@link Metrics}
     * serializes them, so a scrape's gauges all read its own snapshot); a gauge never calls the scheduler.
     */
    void refresh() {
        Map<TaskState, Integer> byState = read("tasks()", () -> {
            Map<TaskState, Integer> counts = new EnumMap<>(TaskState.class);
            for (TaskState state : TaskState.values()) {
                counts.put(state, 0);
            }
            List<TaskInfo> tasks = admin.tasks();
            for (TaskInfo task : tasks) {
                counts.merge(task.state(), 1, Integer::sum);
            }
            return counts;
        });
        SchedulerStats stats = read("stats()", admin::stats);
        Integer deadLetters = read("deadLetters()", () -> {
            List<DeadLetter> letters = admin.deadLetters();
            return letters.size();
        });
        snapshot = new Snapshot(byState, stats, deadLetters == null ? -1 : deadLetters);
    }

    /** @return the snapshot the gauges show */
    Snapshot snapshot() {
        return snapshot;
    }

    private <T> T read(String what, Supplier<T> source) {
        try {
            T value = source.get();
            if (failing.remove(what) != null) {
                LOG.info("Metrics: {} answers again", what);
            }
            return value;
        } catch (RuntimeException e) {
            if (failing.put(what, Boolean.TRUE) == null) {
                LOG.warn("Metrics: {} failed; its gauges are NaN until it answers: {}", what, e.toString());
            }
            return null;
        }
    }

    private static Optional<SchedulerStats.Pool> pool(Snapshot s, Priority priority) {
        if (s.stats == null) {
            return Optional.empty();
        }
        return s.stats.pools().stream().filter(p -> p.priority() == priority).findFirst();
    }

    private void stat(MeterRegistry registry, String name, String help, ToDoubleFunction<SchedulerStats> value) {
        gauge(registry, name, help, null, s -> s.stats == null ? Double.NaN : value.applyAsDouble(s.stats));
    }

    /** A gauge of the current snapshot; {@code value} may answer null (nothing to show: NaN). */
    private void gauge(MeterRegistry registry, String name, String help, String unit,
                       Function<Snapshot, Number> value, String... tags) {
        Gauge.builder(name, this, m -> {
                    Number n = value.apply(m.snapshot);
                    return n == null ? Double.NaN : n.doubleValue();
                })
                .description(help).baseUnit(unit).tags(tags).strongReference(true).register(registry);
    }

    private static double seconds(Duration d) {
        return d.toNanos() / 1e9;
    }
}
