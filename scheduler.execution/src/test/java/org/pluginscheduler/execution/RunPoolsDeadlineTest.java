package org.pluginscheduler.execution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.pluginscheduler.api.Priority;
import org.pluginscheduler.api.SchedulerStats;

/** Deadlines, stuck runs and their replacement threads, on the manual timer: no test sleeps. */
class RunPoolsDeadlineTest extends PoolsFixture {

    @Test
    void aRunStillRunningAtItsDeadlineGetsTimedOutThenAndNotBefore() throws InterruptedException {
        start(SMALL);
        TestRun run = timed("slow", Priority.NORMAL, Duration.ofSeconds(10), TestRun.BLOCKS);
        pools.execute(run);
        await(run.entered, "it started");
        timer.advance(Duration.ofSeconds(10).minusMillis(1));
        assertEquals(0, run.timeouts.get(), "not before its deadline");
        timer.advance(Duration.ofMillis(1));
        assertEquals(1, run.timeouts.get(), "at its deadline");
        assertEquals(Duration.ofSeconds(10), run.timedOutAfter);
        await(run.returned, "the interrupt (sent by the run's core, here the test run) ended it");
        awaitUntil(() -> pool(Priority.NORMAL).active() == 0, "its return was booked");
        assertEquals(0, timer.pending(), "nothing left to watch");
        timer.advanceSeconds(3600);
        assertEquals(0, run.stucks.get(), "it returned: never stuck");
    }

    @Test
    void aRunThatReturnedJustBeforeItsDeadlineIsNotTimedOut() throws InterruptedException {
        start(SMALL);
        TestRun run = timed("in-time", Priority.NORMAL, Duration.ofSeconds(10), TestRun.BLOCKS);
        pools.execute(run);
        await(run.entered, "it started");
        timer.advance(Duration.ofSeconds(10).minusMillis(1));
        run.release.countDown();
        await(run.returned, "it returned");
        awaitUntil(() -> pool(Priority.NORMAL).active() == 0, "its return was booked");
        assertEquals(0, timer.pending(), "its deadline was disarmed");
        timer.advanceSeconds(3600);
        assertEquals(0, run.timeouts.get());
    }

    @Test
    void theDeadlineCountsFromWhenTheRunStartsNotWhenItWasQueued() throws InterruptedException {
        start(SMALL);
        TestRun blocker = run("blocker", Priority.NORMAL, TestRun.BLOCKS);
        TestRun queued = timed("queued", Priority.NORMAL, Duration.ofSeconds(10), TestRun.BLOCKS);
        pools.execute(blocker);
        pools.execute(queued);
        await(blocker.entered, "the blocker started");
        timer.advanceSeconds(60);
        blocker.release.countDown();
        await(queued.entered, "the queued run started");
        timer.advanceSeconds(9);
        assertEquals(0, queued.timeouts.get(), "9 s after it started");
        timer.advanceSeconds(1);
        assertEquals(1, queued.timeouts.get(), "10 s after it started");
    }

    @Test
    void aRunThatIgnoresItsInterruptIsDeclaredStuckAndItsThreadReplacedUntilItReturns()
            throws InterruptedException {
        start(SMALL); // one NORMAL thread, stuck after 5 s
        TestRun stuck = timed("stuck", Priority.NORMAL, Duration.ofSeconds(1), TestRun.IGNORES_INTERRUPTS);
        TestRun waiting = run("waiting", Priority.NORMAL, TestRun.QUICK);
        pools.execute(stuck);
        await(stuck.entered, "it started");
        pools.execute(waiting);

        timer.advanceSeconds(1);
        assertEquals(1, stuck.timeouts.get());
        timer.advanceSeconds(4);
        assertEquals(0, stuck.stucks.get(), "not yet: 4 s after its timeout");
        assertEquals(1, waiting.entered.getCount(), "the other run waits for the only thread");
        assertEquals(new SchedulerStats.Pool(Priority.NORMAL, 1, 1, 1, 0), pool(Priority.NORMAL));

        timer.advanceSeconds(1);
        assertEquals(1, stuck.stucks.get(), "5 s after its timeout");
        assertEquals("task-normal-1", stuck.stuckThread);
        assertTrue(stuck.replaced);
        await(waiting.returned, "the waiting run ran on the replacement thread");
        assertEquals("task-normal-2", waiting.thread.getName());
        awaitUntil(() -> pool(Priority.NORMAL).active() == 1, "the waiting run's return was booked");
        assertEquals(new SchedulerStats.Pool(Priority.NORMAL, 1, 1, 0, 1), pool(Priority.NORMAL));
        assertEquals(1, pools.stats().stuckRuns());
        assertEquals(2, pools.liveThreads(Priority.NORMAL));

        stuck.release.countDown();
        await(stuck.returned, "the stuck run finally returned");
        awaitUntil(() -> pools.stats().stuckRuns() == 0 && pool(Priority.NORMAL).extra() == 0,
                "the stuck run is no longer counted, nor its replacement");
        awaitUntil(() -> pools.liveThreads(Priority.NORMAL) == 1, "the extra thread went");

        TestRun after = run("after", Priority.NORMAL, TestRun.QUICK);
        pools.execute(after);
        await(after.returned, "the pool goes on");
        assertFalse(after.interruptedOnEntry, "the stuck run's interrupt was cleared");
    }

    @Test
    void aPoolGrowsForStuckRunsAtMostByItsOwnSize() throws InterruptedException {
        start(SMALL.withThreads(Priority.NORMAL, 2));
        TestRun a = timed("a", Priority.NORMAL, Duration.ofSeconds(1), TestRun.IGNORES_INTERRUPTS);
        TestRun b = timed("b", Priority.NORMAL, Duration.ofSeconds(1), TestRun.IGNORES_INTERRUPTS);
        pools.execute(a);
        pools.execute(b);
        await(a.entered, "a started");
        await(b.entered, "b started");
        timer.advanceSeconds(6); // timed out at 1 s, stuck at 6 s
        assertTrue(a.replaced && b.replaced, "two stuck runs, two replacements: the pool has doubled");
        assertEquals(2, pool(Priority.NORMAL).extra());

        TestRun c = timed("c", Priority.NORMAL, Duration.ofSeconds(1), TestRun.IGNORES_INTERRUPTS);
        TestRun d = timed("d", Priority.NORMAL, Duration.ofSeconds(1), TestRun.IGNORES_INTERRUPTS);
        TestRun e = run("e", Priority.NORMAL, TestRun.QUICK);
        pools.execute(c);
        pools.execute(d);
        await(c.entered, "c started on a replacement thread");
        await(d.entered, "d started on a replacement thread");
        pools.execute(e);
        timer.advanceSeconds(6);
        assertEquals(1, c.stucks.get());
        assertEquals(1, d.stucks.get());
        assertFalse(c.replaced || d.replaced, "no third replacement for a pool of two");
        assertEquals(new SchedulerStats.Pool(Priority.NORMAL, 2, 4, 1, 2), pool(Priority.NORMAL));
        assertEquals(4, pools.stats().stuckRuns());
        assertEquals(4, pools.liveThreads(Priority.NORMAL), "never more than double");
        assertEquals(1, e.entered.getCount(), "every thread is held: e waits");

        c.release.countDown(); // c had no replacement: its return frees a thread, the pool does not shrink
        await(e.returned, "e ran on the thread c freed");
        assertEquals(2, pool(Priority.NORMAL).extra());
        List.of(a, b, d).forEach(r -> r.release.countDown());
        awaitUntil(() -> pools.stats().stuckRuns() == 0 && pool(Priority.NORMAL).extra() == 0
                && pool(Priority.NORMAL).active() == 0, "all returned, no extra thread counted");
        awaitUntil(() -> pools.liveThreads(Priority.NORMAL) == 2, "the pool is back to its size");
    }

    @Test
    void aNewStuckDelayAppliesToRunsThatTimeOutAfterwards() throws InterruptedException {
        start(SMALL); // stuck after 5 s
        TestRun before = timed("before", Priority.NORMAL, Duration.ofSeconds(1), TestRun.IGNORES_INTERRUPTS);
        pools.execute(before);
        await(before.entered, "it started");
        timer.advanceSeconds(1); // t=1: timed out under the 5 s delay: stuck at t=6
        assertEquals(1, before.timeouts.get());

        pools.reconfigure(pools.settings().withStuckAfter(Duration.ofSeconds(2)));
        TestRun after = timed("after", Priority.BACKGROUND, Duration.ofSeconds(1), TestRun.IGNORES_INTERRUPTS);
        pools.execute(after);
        await(after.entered, "it started");
        timer.advanceSeconds(1); // t=2: timed out under the 2 s delay: stuck at t=4
        assertEquals(1, after.timeouts.get());
        timer.advanceSeconds(2); // t=4
        assertEquals(1, after.stucks.get(), "the new delay");
        assertEquals(0, before.stucks.get(), "the delay it timed out under");
        timer.advanceSeconds(2); // t=6
        assertEquals(1, before.stucks.get());
    }

    @Test
    void aTimeoutOfAHundredYearsOrMoreIsNoLimit() throws InterruptedException {
        start(SMALL);
        TestRun run = timed("forever", Priority.NORMAL, Duration.ofDays(40_000), TestRun.BLOCKS);
        pools.execute(run);
        await(run.entered, "it started");
        assertEquals(0, timer.pending(), "no deadline armed");
    }

    @Test
    void executeHereRunsOnTheCallersThreadWithTheSameDeadlineWatchButNoReplacement() throws InterruptedException {
        start(SMALL);
        TestRun run = timed("call", Priority.NORMAL, Duration.ofSeconds(3), TestRun.IGNORES_INTERRUPTS);
        AtomicBoolean interruptedAfter = new AtomicBoolean(true);
        Thread operator = background("operator", () -> {
            pools.executeHere(run);
            interruptedAfter.set(Thread.currentThread().isInterrupted());
        });
        await(run.entered, "it started");
        assertSame(operator, run.thread, "on the caller's thread");
        timer.advanceSeconds(3);
        assertEquals(1, run.timeouts.get());
        timer.advanceSeconds(5);
        assertEquals(1, run.stucks.get());
        assertEquals("operator", run.stuckThread);
        assertFalse(run.replaced, "the caller's thread is not the executor's to replace");
        assertEquals(1, pools.stats().stuckRuns());
        pools.stats().pools().forEach(p -> assertEquals(0, p.extra() + p.active(), p.toString()));

        run.release.countDown();
        join(operator);
        assertFalse(interruptedAfter.get(), "the interrupt the run got was cleared");
        assertEquals(0, pools.stats().stuckRuns());
    }

    @Test
    void executeHereKeepsAnInterruptTheCallerAlreadyHad() throws InterruptedException {
        start(SMALL);
        TestRun run = run("call", Priority.NORMAL, TestRun.QUICK);
        AtomicBoolean interruptedAfter = new AtomicBoolean();
        Thread caller = background("caller", () -> {
            Thread.currentThread().interrupt();
            pools.executeHere(run);
            interruptedAfter.set(Thread.currentThread().isInterrupted());
        });
        join(caller);
        assertEquals(1, run.runs.get());
        assertTrue(interruptedAfter.get());
    }
}
