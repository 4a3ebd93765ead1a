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
import java.util.List;
import java.util.concurrent.CountDownLatch;
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
}
