package org.pluginscheduler.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import javax.sql.DataSource;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.Schedule;
import org.pluginscheduler.api.ScheduledTaskProvider;
import org.pluginscheduler.api.SchedulerStats;
import org.pluginscheduler.api.TaskDefinition;
import org.pluginscheduler.api.TaskExecution;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.TaskResult;
import org.pluginscheduler.api.TaskScheduler;

/**
 * The storage soak of issue 16: our scheduler as it really runs (Felix, SCR, Config Admin, the H2 store or the
 * in-memory one) under a steady load for a long time, sampled every few seconds: the H2 file's size, the most runs
 * any task holds in the store, heap in use after a full collection, fire lag p99 and runs per second of the window.
 * At the end it writes the samples (CSV), a chart of them (SVG) and a summary with the goals, and says which held.
 *
 * <pre>
 * java -Xmx2g -jar scheduler-bench.jar --soak h2 --load 1000 --minutes 60
 * java -Xmx2g -jar scheduler-bench.jar --soak h2 --load max --minutes 60
 * java -Xmx2g -jar scheduler-bench.jar --soak memory --load 1000 --minutes 60
 * </pre>
 *
 * <p>Loads: {@code 1000} is 1,000 tasks each firing every second (1,000 runs/s, no work in the task); {@code max} is
 * 1,000 tasks every 100 ms doing 1 ms of work each with the default 8 workers: more fires than the workers can run,
 * so the scheduler runs as many as the machine executes and records the rest as skipped (the load the issue was
 * found with). Each task's first fire is spread over its interval.
 */
final class Soak {

    /**
     * What to run.
     *
     * @param store          {@code h2} or {@code memory}
     * @param tasks          how many tasks
     * @param every          each task's interval
     * @param workMillis     how long each run works (sleeps)
     * @param duration       how long to run
     * @param sample         how often to sample
     * @param maxRunsPerTask the store's per-task cap
     * @param pruneMinutes   the H2 store's prune interval
     * @param out            where the CSV, SVG and summary go
     * @param name           the file names' stem
     * @param heapSlackBytes how far heap after GC may move even when that is more than 10%: 0 for the hour-long
     *                       runs; the short form in {@code mvn verify} allows a few MB, because at its ~20 MB of
     *                       heap the transient state of the H2 store (a swing of ~4 MB between samples, absent on
     *                       the in-memory store) is more than 10%
     * @param lagSlackMillis how much more than 5 ms the fire lag p99 may rise: 0 for the hour-long runs; the short
     *                       form allows more, because over 90 s on H2 the window's p99 swings between ~13 and ~34 ms
     *                       from one 5-second sample to the next
     * @param fileSlack      how much more than 10% of its size the file may grow over the second half: 0 for the
     *                       hour-long runs; the short form allows more, because over 90 s its size swings by up to half
     *                       from one 5-second sample to the next as H2 writes and frees chunks (54.0 → 59.8 → 55.9 →
     *                       63.6 MB in a CI run; 22.8 → 49.4 MB in another), and its quarters hold five samples each
     */
    record Plan(String store, int tasks, Duration every, int workMillis, Duration duration, Duration sample,
                int maxRunsPerTask, int pruneMinutes, Path out, String name, long heapSlackBytes,
                double lagSlackMillis, double fileSlack) {

        static Plan parse(Map<String, String> options) {
            String store = options.getOrDefault("--soak", "h2").toLowerCase(Locale.ROOT);
            if (!store.equals("h2") && !store.equals("memory")) {
                throw new IllegalArgumentException("--soak: '" + store + "' is not h2 or memory");
            }
            String load = options.getOrDefault("--load", "1000").toLowerCase(Locale.ROOT);
            int tasks = Integer.parseInt(options.getOrDefault("--tasks", "1000"));
            Duration every;
            int work;
            if (load.equals("max")) {
                every = Duration.ofMillis(100);
                work = 1;
            } else {
                int rate = Integer.parseInt(load);
                if (rate < 1 || rate > tasks * 1000) {
                    throw new IllegalArgumentException("--load: " + rate + " runs/s is not in 1–" + tasks * 1000
                            + " for " + tasks + " tasks");
                }
                every = Duration.ofNanos(1_000_000_000L * tasks / rate);
                work = 0;
            }
            Duration duration = Duration.ofSeconds(Math.round(Double.parseDouble(
                    options.getOrDefault("--minutes", "60")) * 60));
            Duration sample = Duration.ofSeconds(Integer.parseInt(options.getOrDefault("--sample-seconds", "30")));
            int cap = Integer.parseInt(options.getOrDefault("--max-runs-per-task", "200"));
            int prune = Integer.parseInt(options.getOrDefault("--prune-minutes", "1"));
            Path out = Path.of(options.getOrDefault("--out", Env.target().resolve("soak").toString()));
            String name = options.getOrDefault("--name", "soak-" + store + "-" + load);
            return new Plan(store, tasks, every, work, duration, sample, cap, prune, out, name, 0, 0, 0);
        }

        boolean durable() {
            return store.equals("h2");
        }

        /** @return the fires per second the schedule asks for */
        double fireRate() {
            return tasks * 1e9 / every.toNanos();
        }

        /** @return one prune interval's runs of one task: the most a task may hold above its cap */
        long intervalRunsPerTask() {
            return Duration.ofMinutes(pruneMinutes).toNanos() / every.toNanos();
        }
    }

    /** One sample: the window since the previous one. */
    record Sample(double minutes, long fileBytes, long rows, long maxRowsPerTask, long heapAfterGc,
                  double lagP99Millis, double runsPerSecond, double skippedPerSecond) {
    }

    private Soak() {
    }

    static void main(Map<String, String> options) throws Exception {
        Plan plan = Plan.parse(options);
        Result result = run(plan, line -> System.out.println(line));
        result.write(plan);
        System.out.println(result.summary(plan));
        System.out.println("(written to " + plan.out().toAbsolutePath() + ")");
        System.exit(result.goalsMet(plan) ? 0 : 1);
    }

    /** Collects the fire lag of the runs of one window. Thread-safe; a late record into a closed window is lost. */
    private static final class Window {
        private final long[] lags;
        private final AtomicInteger count = new AtomicInteger();

        Window(int capacity) {
            lags = new long[capacity];
        }

        void record(long lagNanos) {
            int i = count.getAndIncrement();
            if (i < lags.length) {
                lags[i] = lagNanos;
            }
        }

        double p99Millis() {
            int n = Math.min(count.get(), lags.length);
            if (n == 0) {
                return Double.NaN;
            }
            long[] sorted = Arrays.copyOf(lags, n);
            Arrays.sort(sorted);
            return sorted[Math.max(0, (int) Math.ceil(0.99 * n) - 1)] / 1e6;
        }
    }

    static Result run(Plan plan, java.util.function.Consumer<String> progress) throws Exception {
        Path work = Env.freshWork(plan.name());
        int capacity = (int) Math.min(50_000_000L, (long) (plan.fireRate() * plan.sample().toSeconds() * 1.5) + 1_000);
        Window[] window = {new Window(capacity)};
        LongAdder executed = new LongAdder();
        List<TaskDefinition> definitions = new ArrayList<>(plan.tasks());
        long everyNanos = plan.every().toNanos();
        for (int i = 0; i < plan.tasks(); i++) {
            definitions.add(TaskDefinition.builder("s" + i).schedule(new Schedule.Interval(plan.every(),
                    Duration.ofNanos(everyNanos * i / plan.tasks()), Optional.empty())).build());
        }
        TaskResult ok = TaskResult.success();
        ScheduledTaskProvider provider = new ScheduledTaskProvider() {
            @Override
            public List<TaskDefinition> tasks() {
                return definitions;
            }

            @Override
            public TaskResult execute(TaskExecution execution) throws InterruptedException {
                window[0].record(Duration.between(execution.scheduledTime(), Instant.now()).toNanos());
                if (plan.workMillis() > 0) {
                    Thread.sleep(plan.workMillis());
                }
                executed.increment();
                return ok;
            }
        };
        System.setProperty("bench.store.h2", "max.runs.per.task=" + plan.maxRunsPerTask() + ",prune.interval.minutes="
                + plan.pruneMinutes() + extra("bench.store.h2"));
        System.setProperty("bench.store.memory", "max.runs.per.task=" + plan.maxRunsPerTask()
                + extra("bench.store.memory"));
        List<Sample> samples = new ArrayList<>();
        long heapBefore;
        try (EmbeddedScheduler s = EmbeddedScheduler.start(work, plan.durable(), 8)) {
            TaskScheduler ts = s.scheduler();
            heapBefore = Env.usedHeapAfterGc(true);
            ServiceRegistration<ScheduledTaskProvider> reg = s.context().registerService(ScheduledTaskProvider.class,
                    provider, null);
            String bundle = s.context().getBundle().getSymbolicName();
            TaskId last = TaskId.of(bundle, "s" + (plan.tasks() - 1));
            if (!Env.await(() -> ts.task(last).isPresent(), 120_000)) {
                throw new IllegalStateException("the soak tasks were not registered");
            }
            RowCounter rows = plan.durable() ? new H2Rows(s.context(), s.h2File())
                    : new ApiRows(ts, bundle, plan.tasks(), plan.maxRunsPerTask());
            long start = System.nanoTime();
            long end = start + plan.duration().toNanos();
            long previous = start;
            long previousExecuted = 0;
            long previousSkipped = skipped(ts.stats());
            progress.accept(String.format(Locale.ROOT, "soak %s: %d tasks every %d ms (%.0f fires/s), %d ms of work, "
                    + "%s, sampling every %d s", plan.name(), plan.tasks(), plan.every().toMillis(), plan.fireRate(),
                    plan.workMillis(), plan.duration(), plan.sample().toSeconds()));
            while (System.nanoTime() < end) {
                long next = Math.min(end, previous + plan.sample().toNanos());
                Env.sleep(Math.max(0, (next - System.nanoTime()) / 1_000_000));
                Window closed = window[0];
                window[0] = new Window(capacity);
                long now = System.nanoTime();
                double seconds = (now - previous) / 1e9;
                long done = executed.sum();
                long skippedNow = skipped(ts.stats());
                // heap first: counting the rows reads every run's page into H2's page cache (its CACHE_SIZE, which H2
                // scales with the heap), and the cache would then be counted as heap in use
                long heap = Env.usedHeapAfterGc(true);
                long fileBytes = s.h2File() == null ? 0 : size(s.h2File());
                long[] counted = rows.count();
                Sample sample = new Sample((now - start) / 60e9, fileBytes, counted[0], counted[1], heap,
                        closed.p99Millis(),
                        (done - previousExecuted) / seconds, (skippedNow - previousSkipped) / seconds);
                samples.add(sample);
                progress.accept(String.format(Locale.ROOT, "%6.1f min  file %8.1f MB  rows %8d  max rows/task %6d  "
                                + "heap %7.1f MB  lag p99 %7.1f ms  runs/s %7.0f  skipped/s %6.0f", sample.minutes(),
                        sample.fileBytes() / 1e6, sample.rows(), sample.maxRowsPerTask(), sample.heapAfterGc() / 1e6,
                        sample.lagP99Millis(), sample.runsPerSecond(), sample.skippedPerSecond()));
                previous = now;
                previousExecuted = done;
                previousSkipped = skippedNow;
            }
            reg.unregister();
        }
        Env.deleteTree(work); // gigabytes at most, but not to be left behind
        return new Result(samples, heapBefore);
    }

    private static String extra(String property) {
        String v = System.getProperty(property, "");
        return v.isBlank() ? "" : "," + v;
    }

    private static long skipped(SchedulerStats stats) {
        return stats.runsByStatus().getOrDefault(RunStatus.SKIPPED, 0L);
    }

    private static long size(Path h2File) {
        try {
            Path file = h2File.resolveSibling(h2File.getFileName() + ".mv.db");
            return Files.exists(file) ? Files.size(file) : 0;
        } catch (IOException e) {
            return -1;
        }
    }

    /** Counts the runs the store holds. */
    private interface RowCounter {
        /** @return all runs, and the most of one task */
        long[] count() throws Exception;
    }

    /**
     * Counts in the H2 database itself, on a connection of the H2 bundle's own engine (the file is open there, so
     * the bench's copy of H2 could not open it): the DataSourceFactory service, called reflectively because
     * org.osgi.service.jdbc is not on the bench's class path.
     */
    private static final class H2Rows implements RowCounter {
        private final DataSource dataSource;

        H2Rows(BundleContext ctx, Path h2File) throws Exception {
            ServiceReference<?> ref = ctx.getServiceReference("org.osgi.service.jdbc.DataSourceFactory");
            Object factory = ctx.getService(ref);
            Properties p = new Properties();
            p.setProperty("url", "jdbc:h2:file:" + h2File + ";DB_CLOSE_ON_EXIT=FALSE");
            p.setProperty("user", "sa");
            p.setProperty("password", "");
            dataSource = (DataSource) factory.getClass().getMethod("createDataSource", Properties.class)
                    .invoke(factory, p);
        }

        @Override
        public long[] count() throws Exception {
            try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
                 ResultSet r = s.executeQuery("SELECT COALESCE(SUM(n), 0), COALESCE(MAX(n), 0) FROM (SELECT "
                         + "COUNT(*) n FROM runs GROUP BY task_id) counts")) {
                r.next();
                return new long[] {r.getLong(1), r.getLong(2)};
            }
        }
    }

    /** Counts through the scheduler's API (the in-memory store). */
    private record ApiRows(TaskScheduler ts, String bundle, int tasks, int cap) implements RowCounter {
        @Override
        public long[] count() {
            long max = 0;
            long all = 0;
            for (int i = 0; i < tasks; i++) {
                int n = ts.runs(TaskId.of(bundle, "s" + i), cap * 100).size();
                all += n;
                max = Math.max(max, n);
            }
            return new long[] {all, max};
        }
    }

    /** The samples of one soak and the goals judged on them. */
    record Result(List<Sample> samples, long heapBefore) {

        /** @return the goals, each with whether it held and the numbers it was judged on */
        Map<String, String> goals(Plan plan) {
            Map<String, String> goals = new LinkedHashMap<>();
            List<Sample> secondHalf = samples.subList(samples.size() / 2, samples.size());
            if (samples.size() < 4) {
                goals.put("enough samples", "FAILED: " + samples.size() + " samples (at least 4 needed)");
                return goals;
            }
            if (plan.durable()) {
                // medians of quarters, as for heap and lag: the file's size swings by up to ±40% from one sample to
                // the next as H2 writes and frees chunks, so two single samples judged the swing, not the trend
                double fileSecondQuarter = median(samples.subList(samples.size() / 4, samples.size() / 2).stream()
                        .mapToDouble(Sample::fileBytes).toArray());
                double fileLastQuarter = median(samples.subList(samples.size() * 3 / 4, samples.size()).stream()
                        .mapToDouble(Sample::fileBytes).toArray());
                double growth = (fileLastQuarter - fileSecondQuarter) / fileLastQuarter;
                double allowed = 0.10 + plan.fileSlack();
                goals.put(String.format(Locale.ROOT, "file size plateaus (growth over the second half ≤ %.0f%% of its "
                        + "size%s; median of the last quarter against the second quarter's)", allowed * 100,
                        plan.fileSlack() > 0 ? ", the short form's allowance" : ""),
                        verdict(growth <= allowed, String.format(Locale.ROOT, "%.1f MB → %.1f MB: %+.1f%%; second "
                                + "half %.1f–%.1f MB", fileSecondQuarter / 1e6, fileLastQuarter / 1e6, growth * 100,
                                secondHalf.stream().mapToDouble(Sample::fileBytes).min().orElse(0) / 1e6,
                                secondHalf.stream().mapToDouble(Sample::fileBytes).max().orElse(0) / 1e6)));
            }
            long maxRows = samples.stream().mapToLong(Sample::maxRowsPerTask).max().orElse(0);
            long bound = plan.maxRunsPerTask() + (plan.durable() ? plan.intervalRunsPerTask() : 0);
            goals.put("max rows per task ≤ cap + one prune interval's runs", verdict(maxRows <= bound,
                    maxRows + " rows at most, bound " + bound + " (cap " + plan.maxRunsPerTask()
                            + (plan.durable() ? " + " + plan.intervalRunsPerTask() : "") + ")"));
            double heapSecondQuarter = median(samples.subList(samples.size() / 4, samples.size() / 2).stream()
                    .mapToDouble(Sample::heapAfterGc).toArray());
            double heapLastQuarter = median(samples.subList(samples.size() * 3 / 4, samples.size()).stream()
                    .mapToDouble(Sample::heapAfterGc).toArray());
            double lo = secondHalf.stream().mapToDouble(Sample::heapAfterGc).min().orElse(0);
            double hi = secondHalf.stream().mapToDouble(Sample::heapAfterGc).max().orElse(0);
            boolean flat = Math.abs(heapLastQuarter - heapSecondQuarter)
                    <= Math.max(heapSecondQuarter * 0.10, plan.heapSlackBytes());
            goals.put("heap after GC flat within ±10%" + (plan.heapSlackBytes() > 0 ? String.format(Locale.ROOT,
                    " (at least ±%.0f MB in the short form)", plan.heapSlackBytes() / 1e6) : "")
                    + " (median of the last quarter against the second quarter's)",
                    verdict(flat, String.format(Locale.ROOT, "%.1f MB → %.1f MB (%+.1f%%); second half %.1f–%.1f MB",
                            heapSecondQuarter / 1e6, heapLastQuarter / 1e6,
                            (heapLastQuarter - heapSecondQuarter) * 100 / heapSecondQuarter, lo / 1e6, hi / 1e6)));
            double[] lags = secondHalf.stream().mapToDouble(Sample::lagP99Millis).filter(d -> !Double.isNaN(d))
                    .toArray();
            double firstQuarter = median(samples.subList(samples.size() / 4, samples.size() / 2).stream()
                    .mapToDouble(Sample::lagP99Millis).filter(d -> !Double.isNaN(d)).toArray());
            double lastQuarter = median(samples.subList(samples.size() * 3 / 4, samples.size()).stream()
                    .mapToDouble(Sample::lagP99Millis).filter(d -> !Double.isNaN(d)).toArray());
            double plus = 5 + plan.lagSlackMillis();
            boolean stable = lags.length > 0 && (lastQuarter <= Math.max(firstQuarter * 1.5, firstQuarter + plus));
            goals.put(String.format(Locale.ROOT, "fire lag p99 stable (median of the last quarter ≤ 1.5× or +%.0f ms "
                    + "of the second quarter's)", plus),
                    verdict(stable, String.format(Locale.ROOT, "%.1f ms → %.1f ms", firstQuarter, lastQuarter)));
            return goals;
        }

        boolean goalsMet(Plan plan) {
            return goals(plan).values().stream().allMatch(v -> v.startsWith("held"));
        }

        String summary(Plan plan) {
            StringBuilder sb = new StringBuilder();
            double runs = samples.stream().mapToDouble(Sample::runsPerSecond).average().orElse(0);
            double skippedRate = samples.stream().mapToDouble(Sample::skippedPerSecond).average().orElse(0);
            sb.append(String.format(Locale.ROOT, "## Soak %s%n%n%s store, %d tasks every %d ms (%.0f fires/s), %d ms "
                            + "of work each, 8 workers, max.runs.per.task %d%s; %.1f minutes, a sample every %d s; "
                            + "heap before the load %.1f MB.%n%nMean %.0f runs/s executed, %.0f/s skipped.%n%n",
                    plan.name(), plan.durable() ? "H2" : "In-memory", plan.tasks(), plan.every().toMillis(),
                    plan.fireRate(), plan.workMillis(), plan.maxRunsPerTask(), plan.durable()
                            ? ", prune.interval.minutes " + plan.pruneMinutes() : "",
                    samples.isEmpty() ? 0 : samples.get(samples.size() - 1).minutes(), plan.sample().toSeconds(),
                    heapBefore / 1e6, runs, skippedRate));
            if (plan.durable() && !samples.isEmpty()) {
                Sample last = samples.get(samples.size() - 1);
                sb.append(String.format(Locale.ROOT, "At the end: %d runs held, file %.1f MB, %.0f bytes of file per "
                        + "run held.%n%n", last.rows(), last.fileBytes() / 1e6,
                        last.rows() == 0 ? 0 : (double) last.fileBytes() / last.rows()));
            }
            sb.append("| goal | result |\n|---|---|\n");
            goals(plan).forEach((goal, v) -> sb.append("| ").append(goal).append(" | ").append(v).append(" |\n"));
            return sb.toString();
        }

        void write(Plan plan) throws IOException {
            Files.createDirectories(plan.out());
            StringBuilder csv = new StringBuilder("minutes,file_bytes,rows,max_rows_per_task,heap_after_gc_bytes,"
                    + "lag_p99_ms,runs_per_s,skipped_per_s\n");
            for (Sample s : samples) {
                csv.append(String.format(Locale.ROOT, "%.2f,%d,%d,%d,%d,%.2f,%.1f,%.1f%n", s.minutes(), s.fileBytes(),
                        s.rows(), s.maxRowsPerTask(), s.heapAfterGc(), s.lagP99Millis(), s.runsPerSecond(),
                        s.skippedPerSecond()));
            }
            Files.writeString(plan.out().resolve(plan.name() + ".csv"), csv);
            Files.writeString(plan.out().resolve(plan.name() + ".svg"), SoakChart.svg(plan, samples));
            Files.writeString(plan.out().resolve(plan.name() + ".md"), summary(plan));
        }

        private static String verdict(boolean held, String numbers) {
            return (held ? "held: " : "FAILED: ") + numbers;
        }

        private static double median(double[] values) {
            if (values.length == 0) {
                return Double.NaN;
            }
            double[] sorted = values.clone();
            Arrays.sort(sorted);
            return sorted[sorted.length / 2];
        }
    }
}
