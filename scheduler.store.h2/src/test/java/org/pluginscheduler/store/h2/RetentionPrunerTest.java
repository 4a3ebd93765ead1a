package org.pluginscheduler.store.h2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.pluginscheduler.store.h2.TestStores.run;
import static org.pluginscheduler.store.h2.TestStores.task;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.store.TaskStore;
import org.pluginscheduler.api.store.TaskStoreException;

class RetentionPrunerTest {

    private static final Instant NOW = Instant.parse("2026-03-31T00:00:00Z");

    @TempDir
    Path dir;

    @Test
    void prunesByMaximumAgeAndRunsPerTaskFromTheClock() {
        try (H2TaskStore store = TestStores.open(dir)) {
            store.recordRun(run("too-old", task("a"), RunStatus.SUCCEEDED, NOW.minus(Duration.ofDays(31))));
            store.recordRun(run("old-but-running", task("a"), RunStatus.RUNNING, NOW.minus(Duration.ofDays(31))));
            for (int i = 0; i < 4; i++) {
                store.recordRun(run("recent" + i, task("a"), RunStatus.SUCCEEDED, NOW.minusSeconds(60 - i)));
            }
            RetentionPruner pruner = new RetentionPruner(Clock.fixed(NOW, ZoneOffset.UTC),
                    () -> new RetentionPruner.Retention(() -> store, Duration.ofDays(30), 3));
            try {
                assertEquals(2, pruner.pruneNow(), "too-old by age, recent0 beyond the newest 3");
            } finally {
                pruner.close();
            }
            assertEquals(List.of("recent3", "recent2", "recent1", "old-but-running"),
                    H2TaskStoreTest.ids(store.runs(task("a"), 10)));
        }
    }

    @Test
    void prunesInTheBackgroundEveryIntervalAndSurvivesAFailure() throws Exception {
        CountDownLatch twice = new CountDownLatch(2);
        AtomicInteger calls = new AtomicInteger();
        TaskStore failingOnce = (TaskStore) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {TaskStore.class}, (proxy, method, args) -> {
                    if (!method.getName().equals("pruneRuns")) {
                        throw new UnsupportedOperationException(method.getName());
                    }
                    assertEquals(NOW.minus(Duration.ofDays(2)), args[0]);
                    assertEquals(5, args[1]);
                    twice.countDown();
                    if (calls.incrementAndGet() == 1) {
                        throw new TaskStoreException("disk full, for the test");
                    }
                    return 0;
                });
        RetentionPruner pruner = new RetentionPruner(Clock.fixed(NOW, ZoneOffset.UTC),
                () -> new RetentionPruner.Retention(() -> failingOnce, Duration.ofDays(2), 5));
        try {
            pruner.every(Duration.ofMillis(5));
            assertTrue(twice.await(10, TimeUnit.SECONDS), "pruned again after the failure");
        } finally {
            pruner.close();
        }
    }

    /**
     * A runtime restarted more often than the prune interval must still prune: the first pruning is
     * {@link RetentionPruner#FIRST_DELAY} after the schedule is set, then one every interval.
     */
    @Test
    void theFirstPruningIsSoonAfterStartThenEveryInterval() throws Exception {
        List<long[]> scheduled = new ArrayList<>(); // initial delay, period (ms)
        CountDownLatch pruned = new CountDownLatch(1);
        ScheduledThreadPoolExecutor recording = new ScheduledThreadPoolExecutor(1) {
            @Override
            public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay,
                                                             TimeUnit unit) {
                synchronized (scheduled) {
                    if (unit.toMillis(delay) != RetentionPruner.BUSY_CHECK.toMillis()) { // the full passes only
                        scheduled.add(new long[] {unit.toMillis(initialDelay), unit.toMillis(delay)});
                    }
                }
                return super.scheduleWithFixedDelay(command, initialDelay, delay, unit);
            }
        };
        TaskStore counting = pruneCounter(pruned);
        RetentionPruner pruner = new RetentionPruner(Clock.fixed(NOW, ZoneOffset.UTC),
                () -> new RetentionPruner.Retention(() -> counting, Duration.ofDays(30), 200),
                RetentionPruner.FIRST_DELAY, recording);
        try {
            pruner.every(Duration.ofMinutes(60));
            pruner.every(Duration.ofMinutes(60)); // unchanged: no new schedule
            pruner.every(Duration.ofMinutes(30)); // changed before the first pruning: still soon
            synchronized (scheduled) {
                assertEquals(2, scheduled.size());
                assertEquals(List.of(5_000L, 3_600_000L), List.of(scheduled.get(0)[0], scheduled.get(0)[1]));
                assertEquals(List.of(5_000L, 1_800_000L), List.of(scheduled.get(1)[0], scheduled.get(1)[1]));
            }
        } finally {
            pruner.close();
        }
        assertTrue(recording.isShutdown(), "closing the pruner stops its executor");
        assertEquals(Duration.ofSeconds(5), RetentionPruner.FIRST_DELAY, "a few seconds after start");
    }

    @Test
    void theFirstPruningRunsAfterTheFirstDelayNotAfterAWholeIntervalAndLaterChangesWaitAnInterval()
            throws Exception {
        CountDownLatch pruned = new CountDownLatch(1);
        List<long[]> scheduled = new ArrayList<>();
        ScheduledThreadPoolExecutor recording = new ScheduledThreadPoolExecutor(1) {
            @Override
            public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay,
                                                             TimeUnit unit) {
                synchronized (scheduled) {
                    if (unit.toMillis(delay) != RetentionPruner.BUSY_CHECK.toMillis()) { // the full passes only
                        scheduled.add(new long[] {unit.toMillis(initialDelay), unit.toMillis(delay)});
                    }
                }
                return super.scheduleWithFixedDelay(command, initialDelay, delay, unit);
            }
        };
        TaskStore counting = pruneCounter(pruned);
        RetentionPruner pruner = new RetentionPruner(Clock.fixed(NOW, ZoneOffset.UTC),
                () -> new RetentionPruner.Retention(() -> counting, Duration.ofDays(30), 200), Duration.ofMillis(10),
                recording);
        try {
            pruner.every(Duration.ofHours(24));
            assertTrue(pruned.await(10, TimeUnit.SECONDS), "pruned long before the interval of a day");
            pruner.every(Duration.ofHours(12));
            synchronized (scheduled) {
                assertEquals(List.of(43_200_000L, 43_200_000L), List.of(scheduled.get(1)[0], scheduled.get(1)[1]),
                        "after the first pruning, a new interval counts from the change");
            }
        } finally {
            pruner.close();
        }
    }

    private TaskStore pruneCounter(CountDownLatch pruned) {
        return (TaskStore) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {TaskStore.class}, (proxy, method, args) -> {
                    if (!method.getName().equals("pruneRuns")) {
                        throw new UnsupportedOperationException(method.getName());
                    }
                    pruned.countDown();
                    return 0;
                });
    }
}
