package org.pluginscheduler.execution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.pluginscheduler.api.Priority;

/** Shutdown: hand back, grace, cancel; and exactly once while runs are submitted during a shutdown. */
class RunPoolsShutdownTest extends PoolsFixture {

    @Test
    void shutdownHandsBackQueuedRunsAndLetsRunningOnesFinishWithinTheGracePeriod() throws InterruptedException {
        start(SMALL);
        TestRun running = run("running", Priority.NORMAL, TestRun.BLOCKS);
        TestRun queued1 = run("queued1", Priority.NORMAL, TestRun.QUICK);
        TestRun queued2 = run("queued2", Priority.NORMAL, TestRun.QUICK);
        pools.execute(running);
        await(running.entered, "it started");
        pools.execute(queued1);
        pools.execute(queued2);

        Thread stopper = background("stopper", pools::shutdown);
        await(queued1.rejectedLatch, "queued1 handed back");
        await(queued2.rejectedLatch, "queued2 handed back");
        assertEquals(RunPools.STOPPING, queued1.rejectedReason);
        assertEquals(0, queued1.runs.get() + queued2.runs.get());

        TestRun late = run("late", Priority.NORMAL, TestRun.QUICK);
        assertThrows(RejectedExecutionException.class, () -> pools.execute(late));
        assertThrows(RejectedExecutionException.class, () -> pools.executeHere(late));
        assertEquals(0, late.outcomes(), "a refused run is never called");

        timer.awaitPending(1); // the grace period is running
        timer.advanceSeconds(9);
        assertTrue(stopper.isAlive(), "still within the grace period");
        assertEquals(0, running.cancels.get());
        running.release.countDown();
        join(stopper);
        assertEquals(1, running.runs.get());
        assertEquals(0, running.cancels.get(), "it finished in time");
        assertEquals(0, timer.pending(), "the grace alarm was disarmed");
    }

    @Test
    void runsStillRunningWhenTheGracePeriodEndsAreCancelled() throws InterruptedException {
        start(SMALL);
        TestRun running = run("running", Priority.BACKGROUND, TestRun.BLOCKS);
        pools.execute(running);
        await(running.entered, "it started");
        Thread stopper = background("stopper", pools::shutdown);
        timer.awaitPending(1);
        timer.advanceSeconds(10);
        await(running.cancelledLatch, "cancelled at the end of the grace period");
        assertEquals(RunPools.STOPPING, running.cancelReason);
        join(stopper); // the cancel's interrupt ended it
        assertEquals(1, running.runs.get());
    }

    @Test
    void aRunThatIgnoresItsCancelIsGivenOneSecondAndLeftToItsThread() throws InterruptedException {
        start(SMALL);
        TestRun stubborn = run("stubborn", Priority.NORMAL, TestRun.IGNORES_INTERRUPTS);
        pools.execute(stubborn);
        await(stubborn.entered, "it started");
        Thread stopper = background("stopper", pools::shutdown);
        timer.awaitPending(1);
        timer.advanceSeconds(10);
        await(stubborn.cancelledLatch, "cancelled");
        timer.awaitPending(1); // the second after the cancel
        timer.advance(Duration.ofMillis(999));
        assertTrue(stopper.isAlive(), "within the second after the cancel");
        timer.advance(Duration.ofMillis(1));
        join(stopper);
        assertEquals(1, stubborn.returned.getCount(), "still inside its task code");
        stubborn.release.countDown();
        await(stubborn.returned, "it returned");
        awaitUntil(() -> pool(Priority.NORMAL).active() == 0, "its return was booked");
    }

    @Test
    void aZeroGracePeriodCancelsRunningRunsAtOnce() throws InterruptedException {
        start(SMALL.withGracePeriod(Duration.ZERO));
        TestRun running = run("running", Priority.REALTIME, TestRun.BLOCKS);
        pools.execute(running);
        await(running.entered, "it started");
        Thread stopper = background("stopper", pools::shutdown);
        await(running.cancelledLatch, "cancelled without waiting for the timer");
        join(stopper);
    }

    @Test
    void aRunThatStopsTheServiceFromItsOwnThreadIsNotWaitedFor() throws InterruptedException {
        start(SMALL);
        TestRun stopping = run("stopping", Priority.NORMAL, self -> pools.shutdown());
        pools.execute(stopping);
        await(stopping.returned, "shutdown returned without waiting for the run that called it");
        assertEquals(0, stopping.cancels.get());
    }

    @Test
    void aSecondShutdownReturnsOnceTheFirstIsDone() throws InterruptedException {
        start(SMALL);
        TestRun running = run("running", Priority.NORMAL, TestRun.BLOCKS);
        pools.execute(running);
        await(running.entered, "it started");
        Thread first = background("first", pools::shutdown);
        timer.awaitPending(1);
        Thread second = background("second", pools::shutdown);
        running.release.countDown();
        join(first);
        join(second);
        assertEquals(0, running.cancels.get());
    }

    @Test
    void statsAfterShutdownShowNothingQueued() throws InterruptedException {
        start(SMALL);
        TestRun running = run("running", Priority.NORMAL, TestRun.BLOCKS);
        pools.execute(running);
        await(running.entered, "it started");
        for (int i = 0; i < 5; i++) {
            pools.execute(run("q" + i, Priority.NORMAL, TestRun.QUICK));
        }
        assertEquals(5, pool(Priority.NORMAL).queued());
        Thread stopper = background("stopper", pools::shutdown);
        awaitUntil(() -> pool(Priority.NORMAL).queued() == 0, "queued runs handed back");
        running.release.countDown();
        join(stopper);
        pools.stats().pools().forEach(p -> assertEquals(0, p.active() + p.queued(), p.toString()));
    }

    /**
     * Many threads submit (some call executeHere) while another shuts the pools down: every run whose
     * {@code execute} returned gets exactly one of run or rejected; every refused run gets nothing.
     */
    @Test
    void everyAcceptedRunGetsExactlyOneOutcomeWhenSubmittersRaceAShutdown() throws InterruptedException {
        hammer((submitter, i) -> "owner-" + submitter + "-" + i); // every run its own owner: no share binds
    }

    /** The same with three owners in all: their shares bind, so runs wait in the owners' queues at the shutdown. */
    @Test
    void everyAcceptedRunGetsExactlyOneOutcomeWhenSubmittersOfThreeOwnersRaceAShutdown() throws InterruptedException {
        hammer((submitter, i) -> "owner-" + (submitter + i) % 3);
    }

    private void hammer(java.util.function.BiFunction<Integer, Integer, String> owner) throws InterruptedException {
        int rounds = 30;
        int submitters = 6;
        int handedBack = 0;
        int ran = 0;
        for (int round = 0; round < rounds; round++) {
            ManualTimer roundTimer = new ManualTimer();
            RunPools roundPools = new RunPools(
                    new ExecutionSettings(2, 2, 1, Duration.ofSeconds(5), Duration.ofSeconds(10)), roundTimer);
            Map<TestRun, Boolean> accepted = new ConcurrentHashMap<>();
            CountDownLatch go = new CountDownLatch(1);
            AtomicInteger submitted = new AtomicInteger();
            CountDownLatch enough = new CountDownLatch(1);
            List<Thread> threads = new ArrayList<>();
            for (int s = 0; s < submitters; s++) {
                int submitter = s;
                threads.add(background("submitter-" + s, () -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    for (int i = 0; ; i++) {
                        TestRun run = new TestRun(submitter + "-" + i, owner.apply(submitter, i),
                                Priority.values()[(submitter + i) % 3], java.util.Optional.empty(), TestRun.QUICK,
                                roundPools::holdsLock);
                        try {
                            if (submitter == 0 && i % 10 == 0) {
                                roundPools.executeHere(run);
                            } else {
                                roundPools.execute(run);
                            }
                            accepted.put(run, true);
                        } catch (RejectedExecutionException refused) {
                            accepted.put(run, false);
                            return; // one refusal each, then stop
                        }
                        if (submitted.incrementAndGet() == 2000) {
                            enough.countDown();
                        }
                    }
                }));
            }
            go.countDown();
            await(enough, "runs were submitted");
            roundPools.shutdown(); // the runs are quick: no grace period to wait out on the manual timer
            for (Thread thread : threads) {
                join(thread);
            }
            for (Map.Entry<TestRun, Boolean> entry : accepted.entrySet()) {
                TestRun run = entry.getKey();
                if (entry.getValue()) {
                    assertEquals(1, run.outcomes(), run + " accepted: exactly one of run or rejected");
                } else {
                    assertEquals(0, run.outcomes() + run.cancels.get(), run + " refused: never called");
                }
                assertEquals(0, run.violations.get(), run + ": a callback under the lock");
                handedBack += run.rejections.get();
                ran += run.runs.get();
            }
            assertEquals(submitters, accepted.values().stream().filter(a -> !a).count(), "each submitter refused once");
            // a run handed back just as a thread took it from the executor's queue frees its owner's slot when
            // that thread finds it handed back, possibly just after the shutdown returned
            assertTrue(roundPools.awaitUntil(() -> roundPools.stats().owners().isEmpty(), PATIENCE),
                    "no owner left holding or queued: " + roundPools.stats().owners());
        }
        assertTrue(ran > 0);
        System.out.printf("exactly-once hammer: %d rounds, %d ran, %d handed back%n", rounds, ran, handedBack);
    }
}
