package org.pluginscheduler.monitor;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.SchedulerObserver;

/**
 * The meters fed by the scheduler's events (a {@link SchedulerObserver}, called on the observer's own thread):
 * <ul>
 *   <li>per task: runs by status ({@code pluginscheduler_runs_total}) and the time they ran
 *       ({@code pluginscheduler_run_seconds_total}; with the count, the mean duration over any window);</li>
 *   <li>per owner: run duration and fire lag as histograms with a few fixed buckets;</li>
 *   <li>the store's commit latency.</li>
 * </ul>
 * Why histograms per owner and not per task: a histogram is a dozen series, so at 10,000 tasks per-task
 * histograms made a 17 MB scrape that took up to a second; two series per task keep it to a few MB and well under
 * 100 ms, and a slow task still shows in its own run seconds.
 *
 * <p>Labels: {@code task} (the qualified task id, bounded by {@link TaskLabels}: beyond the limit
 * {@value TaskLabels#OTHER}), {@code owner} (a bundle's symbolic name or {@code config}) and {@code status}. A run id
 * is never a label.
 */
final class RunMeters implements SchedulerObserver {

    /** Run duration buckets: 10 ms … 10 min. */
    static final Duration[] DURATION_BUCKETS = {Duration.ofMillis(10), Duration.ofMillis(100), Duration.ofSeconds(1),
            Duration.ofSeconds(10), Duration.ofMinutes(1), Duration.ofMinutes(10)};
    /** Fire lag buckets: 10 ms … 1 min (5 s and 60 s are the default health thresholds). */
    static final Duration[] LAG_BUCKETS = {Duration.ofMillis(10), Duration.ofMillis(100), Duration.ofSeconds(1),
            Duration.ofSeconds(5), Duration.ofSeconds(60)};
    /** Store commit buckets: 1 ms … 1 s. */
    static final Duration[] STORE_BUCKETS = {Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(25),
            Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofSeconds(1)};

    private static final String CAP = " Label task: the qualified task id; beyond the first max.task.series "
            + "distinct tasks (configuration org.pluginscheduler.monitor) runs are counted under task=\"_other\".";

    private final MeterRegistry registry;
    private final TaskLabels labels;
    private final Timer storeWrites;
    private final DistributionSummary storeRecords;
    private final Counter storeFailures;
    private final StoreWrites writes;
    /*
     * The meters by their labels, found without building and looking up a meter id per run (a burst of 10,000
     * runs did that 30,000 times on the observer's thread, in CPU the scheduler's own threads then lacked). One
     * observer thread writes them; the registry holds the same meters for scrapes.
     */
    private final Map<String, Counter> runs = new ConcurrentHashMap<>();
    private final Map<String, Counter> seconds = new ConcurrentHashMap<>();
    private final Map<String, Timer> durations = new ConcurrentHashMap<>();
    private final Map<String, Timer> lags = new ConcurrentHashMap<>();

    RunMeters(MeterRegistry registry, TaskLabels labels) {
        this(registry, labels, System::nanoTime);
    }

    RunMeters(MeterRegistry registry, TaskLabels labels, java.util.function.LongSupplier nanoTime) {
        this.registry = registry;
        this.labels = labels;
        this.writes = new StoreWrites(nanoTime);
        this.storeWrites = Timer.builder("pluginscheduler.store.write")
                .description("Time the task store took to write (commit) one batch of run records")
                .serviceLevelObjectives(STORE_BUCKETS).register(registry);
        this.storeRecords = DistributionSummary.builder("pluginscheduler.store.write.records")
                .description("Run records, pending runs and dead letters written per store batch")
                .register(registry);
        this.storeFailures = Counter.builder("pluginscheduler.store.write.failures")
                .description("Store writes (batches) that failed; the scheduler logs each as an ERROR")
                .register(registry);
    }

    /** @return whether the store takes writes, as the last observed write says */
    StoreWrites writes() {
        return writes;
    }

    /** Counts a finished (or skipped) run, and its duration and fire lag if it started. */
    @Override
    public void runFinished(RunRecord run) {
        if (!run.status().isFinal()) {
            return;
        }
        String task = labels.label(run.taskId());
        String owner = run.taskId().owner();
        runs.computeIfAbsent(task + '\u0000' + owner + '\u0000' + run.status().name(), k ->
                Counter.builder("pluginscheduler.runs")
                        .description("Runs ended, by task, owner and final status (SKIPPED included)." + CAP)
                        .tags("task", task, "owner", owner, "status", run.status().name())
                        .register(registry)).increment();
        run.duration().ifPresent(d -> {
            seconds.computeIfAbsent(task + '\u0000' + owner, k -> Counter.builder("pluginscheduler.run.seconds")
                    .description("Seconds runs executed, by task and owner (divide by runs_total for the mean)."
                            + CAP)
                    .tags("task", task, "owner", owner)
                    .register(registry)).increment(nonNegative(d).toNanos() / 1e9);
            durations.computeIfAbsent(owner, k -> Timer.builder("pluginscheduler.run.duration")
                    .description("How long runs executed, by owner (the plugin)")
                    .tags("owner", owner)
                    .serviceLevelObjectives(DURATION_BUCKETS)
                    .register(registry)).record(nonNegative(d));
        });
        if (run.status() != RunStatus.SKIPPED) {
            run.lag().ifPresent(l -> lags.computeIfAbsent(owner, k -> Timer.builder("pluginscheduler.fire.lag")
                    .description("Fire lag (start minus scheduled time) of runs, by owner (the plugin)")
                    .tags("owner", owner)
                    .serviceLevelObjectives(LAG_BUCKETS)
                    .register(registry)).record(nonNegative(l)));
        }
    }

    /** Records one store write (batch commit) of {@code records} records. */
    @Override
    public void storeWrite(Duration took, int records) {
        storeWrites.record(nonNegative(took));
        storeRecords.record(records);
        writes.succeeded();
    }

    /** Counts a failed store write and remembers it for the store check. */
    @Override
    public void storeWriteFailed(Duration took, int records, String error) {
        storeFailures.increment();
        writes.failed(records, error);
    }

    /** The longest span a timer takes: it records nanoseconds in a long (292 years). */
    private static final Duration LONGEST = Duration.ofNanos(Long.MAX_VALUE);

    /**
     * Clocks of different threads may disagree by a little: a negative span counts as zero. A span past 292 years
     * (the lag of a one-shot centuries past, which fires at once) counts as 292 years; the timer would throw.
     */
    private static Duration nonNegative(Duration d) {
        return d.isNegative() ? Duration.ZERO : d.compareTo(LONGEST) > 0 ? LONGEST : d;
    }
}
