package org.pluginscheduler.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.pluginscheduler.api.DeadLetter;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.TaskInfo;
import org.pluginscheduler.api.TaskState;
import org.pluginscheduler.api.store.TaskStoreException;

class MetricsTest {

    private static final Instant T0 = Instant.parse("2026-12-07T10:00:00Z");

    private final FakeAdmin fake = new FakeAdmin();
    private int maxTaskSeries = 10_000;
    private final Metrics metrics = new Metrics(fake.admin, () -> maxTaskSeries);

    @AfterEach
    void close() {
        metrics.close();
    }

    @Test
    void theGaugesShowTheSchedulersState() {
        List<TaskInfo> tasks = new ArrayList<>(FakeAdmin.tasks(3, TaskState.ACTIVE));
        tasks.add(FakeAdmin.task("p", "off", TaskState.DISABLED, null));
        fake.tasks = tasks;
        fake.deadLetters = List.of(new DeadLetter("r1", TaskId.of("p", "t"), java.util.Map.of(), "boom", 3, T0, T0));
        fake.stats = FakeAdmin.stats(2, FakeAdmin.lag(40, 12, 1500), 1, List.of(), true, false);

        String text = metrics.scrape();

        assertEquals(3.0, value(text, "pluginscheduler_tasks{state=\"ACTIVE\"}"), text);
        assertEquals(1.0, value(text, "pluginscheduler_tasks{state=\"DISABLED\"}"));
        assertEquals(0.0, value(text, "pluginscheduler_tasks{state=\"CONFLICT\"}"));
        assertEquals(1.0, value(text, "pluginscheduler_dead_letters"));
        assertEquals(4.0, value(text, "pluginscheduler_pool_threads{priority=\"NORMAL\"}"));
        assertEquals(2.0, value(text, "pluginscheduler_pool_active{priority=\"NORMAL\"}"));
        assertEquals(7.0, value(text, "pluginscheduler_pool_queued{priority=\"NORMAL\"}"));
        assertEquals(1.0, value(text, "pluginscheduler_pool_extra_threads{priority=\"NORMAL\"}"));
        assertTrue(Double.isNaN(value(text, "pluginscheduler_pool_threads{priority=\"BACKGROUND\"}")),
                "a priority without a pool has no value");
        assertEquals(2.0, value(text, "pluginscheduler_stuck_runs"));
        assertEquals(5.0, value(text, "pluginscheduler_pending_retries"));
        assertEquals(1.0, value(text, "pluginscheduler_held_locks"));
        assertEquals(1.0, value(text, "pluginscheduler_executing"));
        assertEquals(0.0, value(text, "pluginscheduler_paused"));
        assertEquals(0.012, value(text, "pluginscheduler_recent_fire_lag_p50_seconds"), 1e-9);
        assertEquals(1.5, value(text, "pluginscheduler_recent_fire_lag_p99_seconds"), 1e-9);
        assertTrue(text.contains("# HELP pluginscheduler_tasks Tasks by administrative state"), text);
    }

    @Test
    void oneScrapeAsksTheSchedulerOnceWhateverTheNumberOfGauges() {
        fake.tasks = FakeAdmin.tasks(10, TaskState.ACTIVE);
        metrics.scrape();
        metrics.scrape();
        assertEquals(2, fake.calls("tasks"));
        assertEquals(2, fake.calls("stats"));
        assertEquals(2, fake.calls("deadLetters"));
    }

    @Test
    void aFailingSourceLeavesItsGaugesEmptyAndTheOthersShown() {
        fake.tasks = FakeAdmin.tasks(2, TaskState.ACTIVE);
        fake.failures.put("deadLetters", new TaskStoreException("database closed"));

        String text = metrics.scrape();

        assertTrue(Double.isNaN(value(text, "pluginscheduler_dead_letters")), text);
        assertEquals(2.0, value(text, "pluginscheduler_tasks{state=\"ACTIVE\"}"));

        fake.failures.clear();
        assertEquals(0.0, value(metrics.scrape(), "pluginscheduler_dead_letters"), "back once it answers");
    }

    @Test
    void runsAreCountedByTaskOwnerAndStatusWithHistograms() {
        TaskId a = TaskId.of("sample.plugin", "cleanup");
        metrics.runs().runFinished(FakeAdmin.run("run-1", a, RunStatus.SUCCEEDED, T0, Duration.ofMillis(3),
                Duration.ofMillis(250)));
        metrics.runs().runFinished(FakeAdmin.run("run-2", a, RunStatus.SUCCEEDED, T0, Duration.ofMillis(7),
                Duration.ofSeconds(2)));
        metrics.runs().runFinished(FakeAdmin.run("run-3", a, RunStatus.FAILED, T0, Duration.ofSeconds(2),
                Duration.ofMillis(5)));
        metrics.runs().runFinished(FakeAdmin.run("run-4", a, RunStatus.RUNNING, T0, Duration.ZERO, Duration.ZERO));
        metrics.runs().storeWrite(Duration.ofMillis(3), 12);

        String text = metrics.scrape();

        String labels = "owner=\"sample.plugin\",status=\"SUCCEEDED\",task=\"sample.plugin:cleanup\"";
        assertEquals(2.0, value(text, "pluginscheduler_runs_total{" + labels + "}"), text);
        assertEquals(1.0, value(text,
                "pluginscheduler_runs_total{owner=\"sample.plugin\",status=\"FAILED\",task=\"sample.plugin:cleanup\"}"));
        assertFalse(text.contains("RUNNING"), "a run still running is not counted");
        String task = "owner=\"sample.plugin\",task=\"sample.plugin:cleanup\"";
        assertEquals(2.255, value(text, "pluginscheduler_run_seconds_total{" + task + "}"), 1e-9,
                "5 ms + 250 ms + 2 s");
        String owner = "owner=\"sample.plugin\"";
        assertEquals(3.0, value(text, "pluginscheduler_run_duration_seconds_count{" + owner + "}"));
        // buckets are cumulative: 5 ms and 250 ms are under 1 s, 2 s is not
        assertEquals(1.0, value(text, "pluginscheduler_run_duration_seconds_bucket{" + owner + ",le=\"0.01\"}"));
        assertEquals(2.0, value(text, "pluginscheduler_run_duration_seconds_bucket{" + owner + ",le=\"1.0\"}"));
        assertEquals(3.0, value(text, "pluginscheduler_run_duration_seconds_bucket{" + owner + ",le=\"10.0\"}"));
        assertEquals(2.0, value(text, "pluginscheduler_fire_lag_seconds_bucket{" + owner + ",le=\"0.01\"}"));
        assertEquals(3.0, value(text, "pluginscheduler_fire_lag_seconds_bucket{" + owner + ",le=\"5.0\"}"));
        assertEquals(1.0, value(text, "pluginscheduler_store_write_seconds_bucket{le=\"0.005\"}"));
        assertEquals(1.0, value(text, "pluginscheduler_store_write_seconds_count"));
        assertEquals(12.0, value(text, "pluginscheduler_store_write_records_sum"));
        assertFalse(text.contains("run-1"), "a run id is never a label");
        assertFalse(text.contains("quantile"), "no per-task percentiles");
    }

    /** A one-shot centuries past fires at once: its lag overflowed the timer's nanoseconds and the run went uncounted. */
    @Test
    void aLagPastWhatNanosecondsHoldIsRecordedAsTheLongestLag() {
        TaskId a = TaskId.of("p", "once");
        metrics.runs().runFinished(FakeAdmin.run("r", a, RunStatus.SUCCEEDED, Instant.parse("1700-01-01T00:00:00Z"),
                Duration.ofDays(365L * 326), Duration.ofMillis(2)));
        String text = metrics.scrape();
        assertEquals(1.0, value(text, "pluginscheduler_runs_total{owner=\"p\",status=\"SUCCEEDED\",task=\"p:once\"}"));
        assertEquals(1.0, value(text, "pluginscheduler_fire_lag_seconds_count{owner=\"p\"}"));
        assertEquals(0.0, value(text, "pluginscheduler_fire_lag_seconds_bucket{owner=\"p\",le=\"60.0\"}"));
    }

    @Test
    void skippedRunsAreCountedWithoutLag() {
        TaskId a = TaskId.of("p", "t");
        metrics.runs().runFinished(new org.pluginscheduler.api.RunRecord("r", a,
                org.pluginscheduler.api.RunTrigger.SCHEDULE, 1, RunStatus.SKIPPED, T0, java.util.Optional.empty(),
                java.util.Optional.empty(), "overlap", java.util.Map.of(), java.util.Map.of()));
        String text = metrics.scrape();
        assertEquals(1.0, value(text, "pluginscheduler_runs_total{owner=\"p\",status=\"SKIPPED\",task=\"p:t\"}"));
        assertFalse(text.contains("pluginscheduler_fire_lag_seconds_count{"), text);
    }

    @Test
    void taskLabelsBeyondTheLimitAreCountedAsOther() {
        maxTaskSeries = 3;
        for (int i = 0; i < 5; i++) {
            metrics.runs().runFinished(FakeAdmin.run("run-" + i, TaskId.of("p", "task-" + i), RunStatus.SUCCEEDED,
                    T0, Duration.ZERO, Duration.ofMillis(1)));
        }
        // an admitted task keeps its own label
        metrics.runs().runFinished(FakeAdmin.run("run-again", TaskId.of("p", "task-0"), RunStatus.SUCCEEDED, T0,
                Duration.ZERO, Duration.ofMillis(1)));

        String text = metrics.scrape();

        assertEquals(2.0, value(text, "pluginscheduler_runs_total{owner=\"p\",status=\"SUCCEEDED\",task=\"p:task-0\"}"));
        assertEquals(1.0, value(text, "pluginscheduler_runs_total{owner=\"p\",status=\"SUCCEEDED\",task=\"p:task-2\"}"));
        assertEquals(2.0, value(text, "pluginscheduler_runs_total{owner=\"p\",status=\"SUCCEEDED\",task=\"_other\"}"));
        assertFalse(text.contains("task=\"p:task-3\""), text);
        assertFalse(text.contains("task=\"p:task-4\""), text);
        assertEquals(4, count(text, "pluginscheduler_run_seconds_total{"), "3 tasks and _other");
        assertEquals(1, count(text, "pluginscheduler_run_duration_seconds_count{"), "histograms are per owner");
        assertTrue(Pattern.compile("# HELP pluginscheduler_runs_total .*max\\.task\\.series.*_other").matcher(text)
                .find(), "the help text says so");
        assertEquals(3, metrics.labels().size());
    }

    @Test
    void eventsTheMetricsMissedAreExported() {
        long[] dropped = {0};
        metrics.observeDrops(new org.pluginscheduler.api.SchedulerAdmin.Subscription() {
            @Override
            public void close() {
            }

            @Override
            public long dropped() {
                return dropped[0];
            }
        });
        assertEquals(0.0, value(metrics.scrape(), "pluginscheduler_observer_dropped_events_total"));
        dropped[0] = 7;
        assertEquals(7.0, value(metrics.scrape(), "pluginscheduler_observer_dropped_events_total"));
    }

    /** Prints the time of a scrape at 10,000 tasks; asserts nothing about it (the machine's load varies). */
    @Test
    void scrapeAtTenThousandTasks() {
        fake.tasks = FakeAdmin.tasks(10_000, TaskState.ACTIVE);
        for (int i = 0; i < 5; i++) {
            metrics.scrape(); // warm up
        }
        long gaugesOnly = timeScrapes(20);
        for (int i = 0; i < 10_000; i++) {
            TaskId id = TaskId.of("owner" + i % 10, "task-" + i);
            metrics.runs().runFinished(FakeAdmin.run("run-" + i, id, RunStatus.SUCCEEDED, T0, Duration.ofMillis(i % 50),
                    Duration.ofMillis(i)));
        }
        metrics.scrape();
        long withRunSeries = timeScrapes(metrics, 5);
        String text = metrics.scrape();
        assertEquals(10_000.0, value(text, "pluginscheduler_tasks{state=\"ACTIVE\"}"));

        try (Metrics capped = new Metrics(fake.admin, () -> 1_000)) {
            for (int i = 0; i < 10_000; i++) {
                capped.runs().runFinished(FakeAdmin.run("run-" + i, TaskId.of("owner" + i % 10, "task-" + i),
                        RunStatus.SUCCEEDED, T0, Duration.ofMillis(i % 50), Duration.ofMillis(i)));
            }
            capped.scrape();
            long cappedTime = timeScrapes(capped, 5);
            String cappedText = capped.scrape();
            assertEquals(1_000, capped.labels().size());
            System.out.printf("metrics scrape at 10,000 tasks: %.1f ms (state gauges only); with run series of all "
                            + "10,000 tasks %.1f ms (%d lines, %d KB); with max.task.series=1000 %.1f ms (%d lines, "
                            + "%d KB)%n", gaugesOnly / 1e6, withRunSeries / 1e6, text.lines().count(),
                    text.length() / 1024, cappedTime / 1e6, cappedText.lines().count(), cappedText.length() / 1024);
        }
    }

    private long timeScrapes(int times) {
        return timeScrapes(metrics, times);
    }

    private static long timeScrapes(Metrics metrics, int times) {
        long start = System.nanoTime();
        for (int i = 0; i < times; i++) {
            metrics.scrape();
        }
        return (System.nanoTime() - start) / times;
    }

    /** @return the value of the one sample {@code series} (name and labels exactly as written) */
    static double value(String text, String series) {
        Matcher m = Pattern.compile("^" + Pattern.quote(series) + " (\\S+)$", Pattern.MULTILINE).matcher(text);
        if (!m.find()) {
            throw new AssertionError("no sample " + series + " in:\n" + text);
        }
        return Double.parseDouble(m.group(1));
    }

    private static int count(String text, String prefix) {
        return (int) text.lines().filter(l -> l.startsWith(prefix)).count();
    }
}
