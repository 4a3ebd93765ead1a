package org.pluginscheduler.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.felix.hc.api.Result;
import org.apache.felix.hc.api.ResultLog;
import org.junit.jupiter.api.Test;
import org.pluginscheduler.api.ProviderProblem;
import org.pluginscheduler.api.SchedulerStats;
import org.pluginscheduler.api.TaskInfo;
import org.pluginscheduler.api.TaskState;
import org.pluginscheduler.api.store.TaskStoreException;

class SchedulerHealthTest {

    private static final Instant NOW = Instant.parse("2026-12-07T10:00:00Z");
    private static final MonitorSettings SETTINGS = MonitorSettings.DEFAULTS; // lag 5 s / 60 s, store 1 s, stuck 10

    private final FakeAdmin fake = new FakeAdmin();

    @Test
    void storeIsCriticalWhenItsLookupFailsAndWarnsWhenSlow() {
        AtomicLong nanos = new AtomicLong();
        assertEquals(Result.Status.OK, SchedulerHealth.store(fake.admin, java.util.Optional.empty(), SETTINGS, nanos::get).getStatus());
        assertEquals(1, fake.calls("run"), "the probe goes to the store");

        fake.failures.put("run", new TaskStoreException("H2 database closed", new IllegalStateException("file locked")));
        Result broken = SchedulerHealth.store(fake.admin, java.util.Optional.empty(), SETTINGS, nanos::get);
        assertEquals(Result.Status.CRITICAL, broken.getStatus());
        assertTrue(text(broken).contains("H2 database closed") && text(broken).contains("file locked"), text(broken));

        fake.failures.clear();
        long[] ticks = {0, Duration.ofMillis(1500).toNanos()};
        int[] i = {0};
        Result slow = SchedulerHealth.store(fake.admin, java.util.Optional.empty(), SETTINGS, () -> ticks[i[0]++]);
        assertEquals(Result.Status.WARN, slow.getStatus());
        assertTrue(text(slow).contains("1500 ms"), text(slow));
    }

    @Test
    void storeIsCriticalWhileItsWritesFailEvenIfReadsAnswer() {
        AtomicLong nanos = new AtomicLong();
        RunMeters meters = new RunMeters(new io.micrometer.core.instrument.simple.SimpleMeterRegistry(),
                new TaskLabels(() -> 10), nanos::get);
        meters.storeWrite(Duration.ofMillis(2), 3);
        assertTrue(meters.writes().failing().isEmpty());
        meters.storeWriteFailed(Duration.ofMillis(30), 4, "No space left on device");
        Result failing = SchedulerHealth.store(fake.admin, meters.writes().failing(), SETTINGS, () -> 0L);
        assertEquals(Result.Status.CRITICAL, failing.getStatus());
        assertTrue(text(failing).contains("No space left on device") && text(failing).contains("4 row(s)"),
                text(failing));
        assertEquals(0, fake.calls("run"), "no need to probe a store that fails writes");
        meters.storeWrite(Duration.ofMillis(2), 1);
        assertEquals(Result.Status.CRITICAL, SchedulerHealth.store(fake.admin, meters.writes().failing(), SETTINGS,
                () -> 0L).getStatus(), "another kind of write succeeding does not clear it at once: run batches "
                + "may still be failing");
        nanos.addAndGet(StoreWrites.REMEMBERED.toNanos());
        assertEquals(Result.Status.OK, SchedulerHealth.store(fake.admin, meters.writes().failing(), SETTINGS,
                () -> 0L).getStatus(), "a minute without failures after a success clears it");
        meters.storeWriteFailed(Duration.ofMillis(30), 1, "disk full");
        nanos.addAndGet(StoreWrites.REMEMBERED.toNanos() * 5);
        assertEquals(Result.Status.CRITICAL, SchedulerHealth.store(fake.admin, meters.writes().failing(), SETTINGS,
                () -> 0L).getStatus(), "without a success since, it stays failing however long ago");
    }

    @Test
    void timerIsLateThenNotFiringAsActiveTasksGetOverdue() {
        List<TaskInfo> tasks = new ArrayList<>();
        tasks.add(FakeAdmin.task("p", "future", TaskState.ACTIVE, NOW.plusSeconds(30)));
        tasks.add(FakeAdmin.task("p", "just-due", TaskState.ACTIVE, NOW.minusSeconds(1)));
        tasks.add(FakeAdmin.task("p", "paused", TaskState.PAUSED, NOW.minusSeconds(600)));
        SchedulerStats stats = fake.stats;
        assertEquals(Result.Status.OK, SchedulerHealth.timer(stats, tasks, NOW, SETTINGS).getStatus(),
                "1 s late is within lag.warn; a paused task's missed fire does not count");

        tasks.add(FakeAdmin.task("p", "late", TaskState.ACTIVE, NOW.minusSeconds(10)));
        Result late = SchedulerHealth.timer(stats, tasks, NOW, SETTINGS);
        assertEquals(Result.Status.WARN, late.getStatus());
        assertTrue(text(late).contains("p:late") && text(late).contains("10000 ms ago"), text(late));

        tasks.add(FakeAdmin.task("q", "stalled", TaskState.ACTIVE, NOW.minusSeconds(61)));
        Result stalled = SchedulerHealth.timer(stats, tasks, NOW, SETTINGS);
        assertEquals(Result.Status.CRITICAL, stalled.getStatus());
        assertTrue(text(stalled).contains("2 active task(s) overdue") && text(stalled).contains("q:stalled"),
                text(stalled));

        SchedulerStats paused = FakeAdmin.stats(0, FakeAdmin.lag(0, 0, 0), 0, List.of(), true, true);
        assertEquals(Result.Status.OK, SchedulerHealth.timer(paused, tasks, NOW, SETTINGS).getStatus(),
                "nothing fires while the scheduler is paused");
    }

    @Test
    void timerWarnsWhileNoExecutionServiceRunsTheFires() {
        SchedulerStats noExecutor = FakeAdmin.stats(0, FakeAdmin.lag(0, 0, 0), 0, List.of(), false, false);
        Result r = SchedulerHealth.timer(noExecutor, List.of(), NOW, SETTINGS);
        assertEquals(Result.Status.WARN, r.getStatus());
        assertTrue(text(r).contains("No execution service") && text(r).contains("3 run(s) held"), text(r));
    }

    @Test
    void stuckRunsWarnFromOneAndAreCriticalFromTheThreshold() {
        assertEquals(Result.Status.OK, SchedulerHealth.stuckRuns(stuck(0), SETTINGS).getStatus());
        Result one = SchedulerHealth.stuckRuns(stuck(1), SETTINGS);
        assertEquals(Result.Status.WARN, one.getStatus());
        assertTrue(text(one).contains("slow.plugin: 1"), text(one));
        assertEquals(Result.Status.WARN, SchedulerHealth.stuckRuns(stuck(9), SETTINGS).getStatus());
        assertEquals(Result.Status.CRITICAL, SchedulerHealth.stuckRuns(stuck(10), SETTINGS).getStatus());
    }

    @Test
    void fireLagP99AgainstItsThresholds() {
        assertEquals(Result.Status.OK, lag(0, 0, 0).getStatus(), "no samples");
        assertEquals(Result.Status.OK, lag(100, 20, 5000).getStatus(), "at the threshold is not above it");
        Result warn = lag(100, 20, 5001);
        assertEquals(Result.Status.WARN, warn.getStatus());
        assertTrue(text(warn).contains("p99 5001 ms") && text(warn).contains("lag.warn"), text(warn));
        assertEquals(Result.Status.WARN, lag(100, 20, 60_000).getStatus());
        assertEquals(Result.Status.CRITICAL, lag(100, 20, 60_001).getStatus());

        MonitorSettings strict = new MonitorSettings(Duration.ofMillis(100), Duration.ofMillis(200),
                Duration.ofSeconds(1), 10, 100);
        assertEquals(Result.Status.CRITICAL, SchedulerHealth.fireLag(FakeAdmin.stats(0, FakeAdmin.lag(5, 1, 201),
                0, List.of(), true, false), strict).getStatus(), "the configured thresholds apply");
    }

    @Test
    void providerProblemsWarnNamingEachProvider() {
        assertEquals(Result.Status.OK, SchedulerHealth.providers(fake.stats).getStatus());
        SchedulerStats stats = FakeAdmin.stats(0, FakeAdmin.lag(0, 0, 0), 0, List.of(
                new ProviderProblem("hung.plugin", "provider service 42 of hung.plugin 1.0.0", NOW,
                        "thread provider-read-7 is still inside tasks()")), true, false);
        Result r = SchedulerHealth.providers(stats);
        assertEquals(Result.Status.WARN, r.getStatus());
        assertTrue(text(r).contains("provider service 42 of hung.plugin 1.0.0") && text(r).contains("provider-read-7"),
                text(r));
    }

    private Result lag(int samples, long p50, long p99) {
        return SchedulerHealth.fireLag(FakeAdmin.stats(0, FakeAdmin.lag(samples, p50, p99), 0, List.of(), true,
                false), SETTINGS);
    }

    private static SchedulerStats stuck(int n) {
        return FakeAdmin.stats(n, FakeAdmin.lag(0, 0, 0), 0, List.of(), true, false);
    }

    private static String text(Result result) {
        StringBuilder b = new StringBuilder();
        for (ResultLog.Entry e : result) {
            b.append(e.getStatus()).append(' ').append(e.getMessage()).append('\n');
        }
        return b.toString();
    }
}
