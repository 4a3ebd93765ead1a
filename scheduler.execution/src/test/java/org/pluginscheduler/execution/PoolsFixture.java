package org.pluginscheduler.execution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.pluginscheduler.api.Priority;
import org.pluginscheduler.api.SchedulerStats;

/**
 * A {@link RunPools} on a {@link ManualTimer}, with helpers to make runs and wait for threads (on latches and the
 * pools' own signals, never on time). After each test: every run is released, the pools are shut down, and no run
 * got a callback under the lock or more than one outcome.
 */
abstract class PoolsFixture {

    /** How long a test waits for another thread before it fails; generous, it is never waited out when all goes well. */
    static final Duration PATIENCE = Duration.ofSeconds(10);

    static final ExecutionSettings SMALL = new ExecutionSettings(1, 1, 1, Duration.ofSeconds(5), Duration.ofSeconds(10));

    final ManualTimer timer = new ManualTimer();
    final List<TestRun> made = new CopyOnWriteArrayList<>();
    RunPools pools;

    RunPools start(ExecutionSettings settings) {
        pools = new RunPools(settings, timer);
        return pools;
    }

    TestRun run(String id, Priority priority, TestRun.Body body) {
        return add(new TestRun(id, priority, Optional.empty(), body, this::lockHeld));
    }

    TestRun timed(String id, Priority priority, Duration timeout, TestRun.Body body) {
        return add(new TestRun(id, priority, Optional.of(timeout), body, this::lockHeld));
    }

    /** A run of {@code owner} without a timeout. */
    TestRun owned(String owner, String id, Priority priority, TestRun.Body body) {
        return add(new TestRun(id, owner, priority, Optional.empty(), body, this::lockHeld));
    }

    /** A run of {@code owner} with a timeout. */
    TestRun ownedTimed(String owner, String id, Priority priority, Duration timeout, TestRun.Body body) {
        return add(new TestRun(id, owner, priority, Optional.of(timeout), body, this::lockHeld));
    }

    private TestRun add(TestRun run) {
        made.add(run);
        return run;
    }

    private boolean lockHeld() {
        return pools != null && pools.holdsLock();
    }

    static void await(CountDownLatch latch, String what) throws InterruptedException {
        assertTrue(latch.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS), "timed out waiting: " + what);
    }

    void awaitUntil(BooleanSupplier condition, String what) throws InterruptedException {
        assertTrue(pools.awaitUntil(condition, PATIENCE), "timed out waiting: " + what);
    }

    SchedulerStats.Pool pool(Priority priority) {
        return pools.stats().pools().get(priority.ordinal());
    }

    /** Runs {@code action} on a new thread; join it with {@link #join}. */
    static Thread background(String name, Runnable action) {
        Thread thread = new Thread(action, name);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    static void join(Thread thread) throws InterruptedException {
        thread.join(PATIENCE.toMillis());
        assertTrue(!thread.isAlive(), thread.getName() + " did not end");
    }

    @AfterEach
    void releaseAndCheck() throws InterruptedException {
        made.forEach(r -> r.release.countDown());
        if (pools != null) {
            Thread stopper = background("test-stopper", pools::shutdown);
            join(stopper);
        }
        for (TestRun run : made) {
            assertEquals(0, run.violations.get(), run + ": a callback under the lock or out of order");
            assertTrue(run.outcomes() <= 1, run + ": both run and rejected, or one twice");
            assertTrue(run.timeouts.get() <= 1 && run.stucks.get() <= 1 && run.cancels.get() <= 1,
                    run + ": a callback twice");
        }
    }
}
