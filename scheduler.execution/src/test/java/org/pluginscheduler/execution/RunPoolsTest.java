package org.pluginscheduler.execution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;
import org.pluginscheduler.api.Priority;
import org.pluginscheduler.api.SchedulerStats;
import org.pluginscheduler.api.execution.ExecutionStats;

/** Pools, order, priorities, errors from runs, live resizing and stats. */
class RunPoolsTest extends PoolsFixture {

    @Test
    void everyAcceptedRunRunsOnceOnAThreadOfItsPriority() throws InterruptedException {
        start(new ExecutionSettings(2, 3, 2, Duration.ofSeconds(5), Duration.ofSeconds(10)));
        List<TestRun> runs = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            TestRun run = run("r" + i, Priority.values()[i % 3], TestRun.QUICK);
            runs.add(run);
            pools.execute(run);
        }
        for (TestRun run : runs) {
            await(run.returned, run + " ran");
        }
        for (TestRun run : runs) {
            assertEquals(1, run.runs.get(), run + " ran once");
            assertEquals(0, run.rejections.get());
            assertNotSame(Thread.currentThread(), run.thread, "never on the caller of execute");
            String prefix = "task-" + run.priority().name().toLowerCase() + "-";
            assertTrue(run.thread.getName().startsWith(prefix), run.thread.getName());
            assertTrue(run.thread.isDaemon());
            assertEquals(run.priority() == Priority.REALTIME ? Thread.MAX_PRIORITY : Thread.NORM_PRIORITY,
                    run.thread.getPriority());
        }
    }

    @Test
    void runsOfOnePriorityStartInTheOrderTheyWereAccepted() throws InterruptedException {
        start(SMALL);
        TestRun blocker = run("blocker", Priority.NORMAL, TestRun.BLOCKS);
        pools.execute(blocker);
        await(blocker.entered, "the blocker started");
        List<String> order = new CopyOnWriteArrayList<>();
        List<TestRun> runs = new ArrayList<>();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            String id = "r" + i;
            TestRun run = run(id, Priority.NORMAL, self -> order.add(id));
            runs.add(run);
            expected.add(id);
            pools.execute(run);
        }
        assertEquals(50, pool(Priority.NORMAL).queued());
        blocker.release.countDown();
        for (TestRun run : runs) {
            await(run.returned, run + " ran");
        }
        assertEquals(expected, order);
    }

    @Test
    void aFullyBlockedNormalPoolDoesNotDelayRealtimeOrBackground() throws InterruptedException {
        start(SMALL);
        TestRun blocker = run("normal-blocker", Priority.NORMAL, TestRun.BLOCKS);
        pools.execute(blocker);
        await(blocker.entered, "the normal pool is busy");
        for (int i = 0; i < 20; i++) {
            pools.execute(run("normal-" + i, Priority.NORMAL, TestRun.QUICK));
        }
        TestRun realtime = run("realtime", Priority.REALTIME, TestRun.QUICK);
        TestRun background = run("background", Priority.BACKGROUND, TestRun.QUICK);
        pools.execute(realtime);
        pools.execute(background);
        await(realtime.returned, "the realtime run ran while the normal pool is blocked");
        await(background.returned, "the background run ran while the normal pool is blocked");
        assertEquals(1, blocker.returned.getCount(), "the normal pool is still blocked");
        assertEquals(new SchedulerStats.Pool(Priority.NORMAL, 1, 1, 20, 0), pool(Priority.NORMAL));
    }

    @Test
    void aRuntimeExceptionFromARunIsLoggedAndItsThreadGoesOn() throws InterruptedException {
        start(SMALL);
        TestRun failing = run("failing", Priority.NORMAL, self -> {
            throw new IllegalStateException("a contract breach");
        });
        TestRun next = run("next", Priority.NORMAL, TestRun.QUICK);
        pools.execute(failing);
        pools.execute(next);
        await(next.returned, "the next run ran");
        assertEquals(1, failing.runs.get());
        assertEquals("task-normal-1", next.thread.getName(), "on the same thread");
    }

    @Test
    void aStackOverflowErrorDoesNotEndItsThread() throws InterruptedException {
        start(SMALL);
        TestRun deep = run("deep", Priority.NORMAL, self -> {
            throw new StackOverflowError("deep recursion");
        });
        TestRun next = run("next", Priority.NORMAL, TestRun.QUICK);
        pools.execute(deep);
        pools.execute(next);
        await(next.returned, "the next run ran");
        assertEquals("task-normal-1", next.thread.getName(), "on the same thread");
    }

    @Test
    void aFatalErrorPropagatesAfterTheBookkeepingAndThePoolGoesOn() throws InterruptedException {
        start(SMALL);
        TestRun fatal = run("fatal", Priority.NORMAL, self -> {
            throw new OutOfMemoryError("test: not a real one");
        });
        pools.execute(fatal);
        await(fatal.returned, "the fatal run returned");
        awaitUntil(() -> pool(Priority.NORMAL).active() == 0, "its bookkeeping was done");
        join(fatal.thread); // the error ended its thread (the pool starts another)
        TestRun next = run("next", Priority.NORMAL, TestRun.QUICK);
        pools.execute(next);
        await(next.returned, "the pool still runs runs");
        assertNotSame(fatal.thread, next.thread, "on a new thread");
    }

    @Test
    void theInterruptFlagIsClearedBeforeAThreadTakesTheNextRun() throws InterruptedException {
        start(SMALL);
        TestRun interrupting = run("interrupting", Priority.NORMAL, self -> Thread.currentThread().interrupt());
        TestRun next = run("next", Priority.NORMAL, TestRun.QUICK);
        pools.execute(interrupting);
        pools.execute(next);
        await(next.returned, "the next run ran");
        assertEquals(interrupting.thread, next.thread, "the same thread");
        assertFalse(next.interruptedOnEntry, "its interrupt flag was cleared");
    }

    @Test
    void statsCountConfiguredActiveQueuedAndExtraThreadsPerPriority() throws InterruptedException {
        start(new ExecutionSettings(2, 3, 1, Duration.ofSeconds(5), Duration.ofSeconds(10)));
        List<TestRun> normal = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            TestRun run = run("n" + i, Priority.NORMAL, TestRun.BLOCKS);
            normal.add(run);
            pools.execute(run);
        }
        TestRun realtime = run("rt", Priority.REALTIME, TestRun.BLOCKS);
        pools.execute(realtime);
        for (int i = 0; i < 3; i++) {
            await(normal.get(i).entered, "normal run " + i + " started");
        }
        await(realtime.entered, "the realtime run started");
        assertEquals(new ExecutionStats(List.of(
                new SchedulerStats.Pool(Priority.REALTIME, 2, 1, 0, 0),
                new SchedulerStats.Pool(Priority.NORMAL, 3, 3, 2, 0),
                new SchedulerStats.Pool(Priority.BACKGROUND, 1, 0, 0, 0)), 0, List.of(
                new SchedulerStats.OwnerUsage("owner-rt", Priority.REALTIME, 1, 0, 0, 1),
                new SchedulerStats.OwnerUsage("owner-n0", Priority.NORMAL, 1, 0, 0, 1),
                new SchedulerStats.OwnerUsage("owner-n1", Priority.NORMAL, 1, 0, 0, 1),
                new SchedulerStats.OwnerUsage("owner-n2", Priority.NORMAL, 1, 0, 0, 1),
                new SchedulerStats.OwnerUsage("owner-n3", Priority.NORMAL, 0, 1, 0, 1),
                new SchedulerStats.OwnerUsage("owner-n4", Priority.NORMAL, 0, 1, 0, 1))), pools.stats(),
                "each run is its own owner here: n3 and n4 wait for a thread, not for their share");
        made.forEach(r -> r.release.countDown());
        awaitUntil(() -> pools.stats().pools().stream().allMatch(p -> p.active() == 0 && p.queued() == 0),
                "all ran");
        normal.forEach(r -> assertEquals(1, r.runs.get()));
    }

    @Test
    void poolsResizeLiveWithoutLosingOrRepeatingARun() throws InterruptedException {
        start(new ExecutionSettings(1, 2, 1, Duration.ofSeconds(5), Duration.ofSeconds(10)));
        List<TestRun> runs = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            TestRun run = run("r" + i, Priority.NORMAL, TestRun.BLOCKS);
            runs.add(run);
            pools.execute(run);
        }
        await(runs.get(0).entered, "the first run started");
        await(runs.get(1).entered, "the second run started");
        assertEquals(new SchedulerStats.Pool(Priority.NORMAL, 2, 2, 18, 0), pool(Priority.NORMAL));

        pools.reconfigure(pools.settings().withThreads(Priority.NORMAL, 5));
        for (int i = 0; i < 5; i++) {
            await(runs.get(i).entered, "run " + i + " started once the pool grew");
        }
        assertEquals(new SchedulerStats.Pool(Priority.NORMAL, 5, 5, 15, 0), pool(Priority.NORMAL));

        pools.reconfigure(pools.settings().withThreads(Priority.NORMAL, 1));
        for (int i = 0; i < 5; i++) {
            runs.get(i).release.countDown();
        }
        for (int i = 0; i < 5; i++) {
            await(runs.get(i).returned, "run " + i + " returned");
        }
        awaitUntil(() -> pools.liveThreads(Priority.NORMAL) == 1
                        && pool(Priority.NORMAL).equals(new SchedulerStats.Pool(Priority.NORMAL, 1, 1, 14, 0)),
                "the pool shrank to one thread, busy with the next run");
        await(runs.get(5).entered, "the next run entered"); // counted active a moment before it enters
        assertEquals(6, runs.stream().filter(r -> r.entered.getCount() == 0).count(), "one run at a time now");

        runs.forEach(r -> r.release.countDown());
        for (TestRun run : runs) {
            await(run.returned, run + " ran");
        }
        awaitUntil(() -> pool(Priority.NORMAL).active() == 0, "all returned");
        for (TestRun run : runs) {
            assertEquals(1, run.runs.get(), run + " ran exactly once");
            assertEquals(0, run.rejections.get());
        }
    }

    @Test
    void resizingOverAndOverWhileRunsAreSubmittedLosesAndRepeatsNone() throws InterruptedException {
        start(new ExecutionSettings(1, 2, 1, Duration.ofSeconds(5), Duration.ofSeconds(10)));
        List<TestRun> runs = new CopyOnWriteArrayList<>();
        List<Thread> submitters = new ArrayList<>();
        for (int s = 0; s < 4; s++) {
            int submitter = s;
            submitters.add(background("submitter-" + s, () -> {
                for (int i = 0; i < 500; i++) {
                    TestRun run = run(submitter + "-" + i, Priority.values()[i % 3], TestRun.QUICK);
                    runs.add(run);
                    pools.execute(run);
                }
            }));
        }
        int size = 1;
        while (submitters.stream().anyMatch(Thread::isAlive)) {
            size = size % 6 + 1;
            ExecutionSettings resized = pools.settings();
            for (Priority priority : Priority.values()) {
                resized = resized.withThreads(priority, size);
            }
            pools.reconfigure(resized);
        }
        for (Thread submitter : submitters) {
            join(submitter);
        }
        assertEquals(2000, runs.size());
        for (TestRun run : runs) {
            await(run.returned, run + " ran");
        }
        for (TestRun run : runs) {
            assertEquals(1, run.runs.get(), run + " ran exactly once");
        }
        awaitUntil(() -> pools.stats().pools().stream().allMatch(p -> p.active() == 0 && p.queued() == 0),
                "nothing left");
    }
}
