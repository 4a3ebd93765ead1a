package org.pluginscheduler.execution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

import org.junit.jupiter.api.Test;
import org.pluginscheduler.api.Priority;
import org.pluginscheduler.api.SchedulerStats;
import org.pluginscheduler.api.SchedulerStats.OwnerUsage;

/**
 * Bulkheads: an owner holds at most its share of a pool, its further runs wait in its own queue, and other owners'
 * runs are not delayed by it, whether its runs block without a timeout or ignore their timeout (stuck).
 */
class RunPoolsSharesTest extends PoolsFixture {

    /** REALTIME 2, NORMAL 8, BACKGROUND 2; stuck 5 s after the timeout; the default share (50 %). */
    static final ExecutionSettings EIGHT = new ExecutionSettings(2, 8, 2, Duration.ofSeconds(5),
            Duration.ofSeconds(10));

    @Test
    void anOwnerWhoseRunsBlockForeverHoldsAtMostHalfThePoolAndAnotherOwnersRunsAllStartAtOnce()
            throws InterruptedException {
        start(EIGHT);
        List<TestRun> hostile = submit("A", 20, TestRun.IGNORES_INTERRUPTS);
        awaitUntil(() -> usage("A").equals(new OwnerUsage("A", Priority.NORMAL, 4, 16, 0, 4)),
                "A holds its share of 4 threads, 16 of its runs wait in its own queue");
        for (TestRun run : hostile.subList(0, 4)) {
            await(run.entered, run + " started");
        }
        assertEquals(new SchedulerStats.Pool(Priority.NORMAL, 8, 4, 16, 0), pool(Priority.NORMAL));

        List<TestRun> good = submit("B", 4, TestRun.BLOCKS);
        for (TestRun run : good) {
            await(run.entered, run + " started while A's runs block"); // all four at once: none was released yet
        }
        assertEquals(new OwnerUsage("B", Priority.NORMAL, 4, 0, 0, 4), usage("B"));
        good.forEach(r -> r.release.countDown());
        for (TestRun run : good) {
            await(run.returned, run + " completed");
        }
        awaitUntil(() -> pools.stats().owners().equals(List.of(new OwnerUsage("A", Priority.NORMAL, 4, 16, 0, 4))),
                "B is gone from the stats once it holds and waits for nothing");
        assertEquals(4, entered(hostile), "A never got a fifth thread, though four were free all along");
    }

    @Test
    void stuckRunsStillCountAgainstTheirOwnersShareSoTheReplacementThreadsGoToTheOthers()
            throws InterruptedException {
        start(EIGHT);
        List<TestRun> hostile = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            TestRun run = ownedTimed("A", "A" + i, Priority.NORMAL, Duration.ofSeconds(1), TestRun.IGNORES_INTERRUPTS);
            hostile.add(run);
            pools.execute(run);
        }
        for (TestRun run : hostile.subList(0, 4)) {
            await(run.entered, run + " started: A holds its share");
        }
        timer.advanceSeconds(1); // timed out, interrupted, ignored
        timer.advanceSeconds(5); // declared stuck: four replacement threads
        List<TestRun> stuck = hostile.subList(0, 4);
        for (TestRun run : stuck) {
            assertEquals(1, run.stucks.get(), run + " stuck");
            assertTrue(run.replaced, run + " got a replacement thread");
        }
        assertEquals(new SchedulerStats.Pool(Priority.NORMAL, 8, 4, 16, 4), pool(Priority.NORMAL));
        assertEquals(new OwnerUsage("A", Priority.NORMAL, 4, 16, 4, 4), usage("A"),
                "the replacements do not go to A: its stuck runs still hold its share");
        assertEquals(4, entered(hostile));

        List<TestRun> good = submit("B", 4, TestRun.BLOCKS);
        for (TestRun run : good) {
            await(run.entered, run + " started at once");
        }
        List<TestRun> other = submit("C", 4, TestRun.BLOCKS);
        for (TestRun run : other) {
            await(run.entered, run + " started at once: 4 (A, stuck) + 4 (B) + 4 (C) = 8 threads + 4 replacements");
        }
        assertEquals(4, entered(hostile), "still only A's stuck runs");
        assertEquals(4, pools.stats().stuckRuns());
        made.stream().filter(r -> !hostile.contains(r)).forEach(r -> r.release.countDown());

        Set<Thread> stuckThreads = Set.of(stuck.get(0).thread, stuck.get(1).thread, stuck.get(2).thread,
                stuck.get(3).thread);
        stuck.forEach(r -> r.release.countDown()); // the stuck runs finally return
        for (TestRun run : stuck) {
            await(run.returned, run + " returned");
            join(run.thread); // retired: a thread that was stuck is never handed another run
        }
        List<TestRun> next = hostile.subList(4, 8);
        for (TestRun run : next) {
            await(run.entered, run + ": A's share is free again");
            assertFalse(stuckThreads.contains(run.thread), run + " runs on a thread that was never stuck");
        }
        awaitUntil(() -> usage("A").equals(new OwnerUsage("A", Priority.NORMAL, 4, 12, 0, 4))
                && pool(Priority.NORMAL).extra() == 0, "A's next four hold its share; the replacements went");
        awaitUntil(() -> pools.liveThreads(Priority.NORMAL) == 8, "the pool is back to its size");
    }

    @Test
    void runsTheCoreAbandonedAfterTheirProviderLeftAreReplacedLikeStuckOnesAndTheirThreadsRetired()
            throws InterruptedException {
        start(EIGHT);
        List<TestRun> departed = submit("A", 4, TestRun.IGNORES_INTERRUPTS); // no timeout: never "stuck" by itself
        for (TestRun run : departed) {
            await(run.entered, run + " started");
        }
        List<TestRun> next = submit("B", 4, TestRun.IGNORES_INTERRUPTS); // another owner that blocks, no timeout
        for (TestRun run : next) {
            await(run.entered, run + " started");
        }
        assertEquals(new SchedulerStats.Pool(Priority.NORMAL, 8, 8, 0, 0), pool(Priority.NORMAL), "the pool is full");

        departed.forEach(pools::abandon); // A's provider went away and its runs ignored the cancellation
        departed.forEach(pools::abandon); // told twice: nothing more happens
        assertEquals(new SchedulerStats.Pool(Priority.NORMAL, 8, 8, 0, 4), pool(Priority.NORMAL),
                "four replacement threads");
        assertEquals(4, pools.stats().stuckRuns());
        assertEquals(new OwnerUsage("A", Priority.NORMAL, 4, 0, 4, 4), usage("A"), "still A's, counted as stuck");
        departed.forEach(r -> assertEquals(0, r.stucks.get(), r + ": the core is not called back, it knows"));

        List<TestRun> good = submit("C", 4, TestRun.BLOCKS);
        for (TestRun run : good) {
            await(run.entered, run + " started at once on the replacement threads");
        }
        good.forEach(r -> r.release.countDown());
        departed.forEach(r -> r.release.countDown()); // the abandoned runs finally return
        for (TestRun run : departed) {
            await(run.returned, run + " returned");
            join(run.thread); // retired, never handed another run
        }
        awaitUntil(() -> pools.stats().stuckRuns() == 0 && pool(Priority.NORMAL).extra() == 0,
                "nothing stuck, the replacements go");
        pools.abandon(departed.get(0)); // returned: nothing to do
        assertEquals(0, pools.stats().stuckRuns());
        next.forEach(r -> r.release.countDown());
    }

    @Test
    void anotherOwnersRunIsNextWhenAFloodingOwnerMayUseTheWholePool() throws InterruptedException {
        // One thread, so the order in which runs start is the order the pool handed them out: with two, a thread
        // that took B could be descheduled before B's first line while the other ran hundreds of A's quick runs
        // (it happened in CI), and the test would measure the machine, not the pool.
        start(EIGHT.withThreads(Priority.NORMAL, 1).withOwnerSharePercent(100)); // no bulkhead: A may hold it
        List<String> order = new CopyOnWriteArrayList<>();
        CountDownLatch gate = new CountDownLatch(1);
        for (int i = 0; i < 1000; i++) {
            String id = "A" + i;
            pools.execute(owned("A", id, Priority.NORMAL, self -> {
                order.add(id);
                gate.await();
            }));
        }
        awaitUntil(() -> order.size() == 1, "A holds the thread");
        TestRun b = owned("B", "B", Priority.NORMAL, self -> order.add("B"));
        pools.execute(b);
        assertEquals(new OwnerUsage("A", Priority.NORMAL, 1, 999, 0, 1), usage("A"));
        assertEquals(new OwnerUsage("B", Priority.NORMAL, 0, 1, 0, 1), usage("B"));
        gate.countDown();
        await(b.returned, "B ran");
        assertEquals(1, order.indexOf("B"), "B is the next run once A's first returns, not after A's backlog of 999");
        awaitUntil(() -> order.size() == 1001 && pools.stats().owners().isEmpty(), "A's backlog drained");
    }

    @Test
    void anotherOwnersRunStartsAndEndsWhileAFloodOfAThousandRunsWaits() throws InterruptedException {
        start(EIGHT);
        List<String> order = new CopyOnWriteArrayList<>();
        CountDownLatch gate = new CountDownLatch(1);
        for (int i = 0; i < 1000; i++) {
            String id = "A" + i;
            pools.execute(owned("A", id, Priority.NORMAL, self -> {
                order.add(id);
                gate.await(); // slow runs: the flood cannot drain before B is submitted
            }));
        }
        awaitUntil(() -> order.size() == 4, "A holds its share");
        TestRun b = owned("B", "B", Priority.NORMAL, self -> order.add("B"));
        pools.execute(b);
        await(b.returned, "B ran while A's flood waits");
        assertEquals(4, order.indexOf("B"), "B started right after the four A runs that hold A's share");
        assertEquals(new OwnerUsage("A", Priority.NORMAL, 4, 996, 0, 4), usage("A"));
        gate.countDown();
        awaitUntil(() -> order.size() == 1001 && pools.stats().owners().isEmpty(), "A's flood ran, 4 at a time");
    }

    @Test
    void withOneThreadAnOwnerCanHoldItAndTheOwnersTakeTurns() throws InterruptedException {
        start(SMALL); // one thread per pool: a share of 50 % is still one thread
        List<String> order = new CopyOnWriteArrayList<>();
        List<TestRun> runs = new ArrayList<>();
        for (String id : List.of("A0", "A1", "A2")) {
            runs.add(owned("A", id, Priority.NORMAL, self -> {
                order.add(id);
                self.release.await();
            }));
        }
        runs.add(owned("B", "B0", Priority.NORMAL, self -> {
            order.add("B0");
            self.release.await();
        }));
        for (TestRun run : runs) {
            pools.execute(run);
        }
        await(runs.get(0).entered, "A holds the only thread");
        assertEquals(List.of(new OwnerUsage("A", Priority.NORMAL, 1, 2, 0, 1),
                new OwnerUsage("B", Priority.NORMAL, 0, 1, 0, 1)), pools.stats().owners());
        for (TestRun run : runs) {
            run.release.countDown();
        }
        for (TestRun run : runs) {
            await(run.returned, run + " ran");
        }
        assertEquals(List.of("A0", "B0", "A1", "A2"), order, "round robin across owners, FIFO within one");
    }

    @Test
    void withTwoThreadsEachOwnerHoldsOne() throws InterruptedException {
        start(EIGHT.withThreads(Priority.BACKGROUND, 2));
        List<TestRun> a = new ArrayList<>();
        List<TestRun> b = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            a.add(owned("A", "A" + i, Priority.BACKGROUND, TestRun.BLOCKS));
        }
        for (int i = 0; i < 2; i++) {
            b.add(owned("B", "B" + i, Priority.BACKGROUND, TestRun.BLOCKS));
        }
        a.forEach(pools::execute);
        b.forEach(pools::execute);
        await(a.get(0).entered, "A holds one thread");
        await(b.get(0).entered, "B holds the other");
        assertEquals(List.of(new OwnerUsage("A", Priority.BACKGROUND, 1, 4, 0, 1),
                new OwnerUsage("B", Priority.BACKGROUND, 1, 1, 0, 1)), pools.stats().owners());
        b.get(0).release.countDown();
        await(b.get(1).entered, "B's next run takes B's thread");
        assertEquals(1, entered(a), "A still holds only one");
    }

    @Test
    void aNewShareAppliesLiveWithoutStoppingRunsAlreadyRunning() throws InterruptedException {
        start(EIGHT);
        List<TestRun> a = submit("A", 20, TestRun.BLOCKS);
        awaitUntil(() -> usage("A").running() == 4, "A holds 50 % of 8");

        pools.reconfigure(pools.settings().withOwnerSharePercent(75));
        awaitUntil(() -> usage("A").equals(new OwnerUsage("A", Priority.NORMAL, 6, 14, 0, 6)), "75 % of 8");
        for (int i = 0; i < 6; i++) {
            await(a.get(i).entered, "A" + i + " started");
        }

        pools.reconfigure(pools.settings().withOwnerSharePercent(25));
        assertEquals(new OwnerUsage("A", Priority.NORMAL, 6, 14, 0, 2), usage("A"), "running runs go on");
        for (int i = 0; i < 4; i++) {
            a.get(i).release.countDown();
            await(a.get(i).returned, "A" + i + " returned");
        }
        awaitUntil(() -> usage("A").running() == 2, "four returned");
        assertEquals(new OwnerUsage("A", Priority.NORMAL, 2, 14, 0, 2), usage("A"), "A is at its new share");
        assertEquals(6, entered(a), "none of A's queued runs started");
        a.get(4).release.countDown();
        await(a.get(6).entered, "below its share again, A's next run starts");
        awaitUntil(() -> usage("A").equals(new OwnerUsage("A", Priority.NORMAL, 2, 13, 0, 2)), "one for one");

        pools.reconfigure(pools.settings().withThreads(Priority.NORMAL, 16)); // 25 % of 16
        awaitUntil(() -> usage("A").running() == 4, "a bigger pool is a bigger share");
    }

    @Test
    void shutdownHandsBackTheQueuedRunsOfEveryOwnerExactlyOnce() throws InterruptedException {
        start(EIGHT);
        List<TestRun> a = submit("A", 20, TestRun.BLOCKS);
        List<TestRun> b = submit("B", 10, TestRun.BLOCKS);
        List<TestRun> c = submit("C", 3, TestRun.BLOCKS);
        for (TestRun run : List.of(a.get(0), a.get(1), a.get(2), a.get(3), b.get(0), b.get(1), b.get(2), b.get(3))) {
            await(run.entered, run + " started: A and B hold their shares");
        }
        assertEquals(List.of(new OwnerUsage("A", Priority.NORMAL, 4, 16, 0, 4),
                new OwnerUsage("B", Priority.NORMAL, 4, 6, 0, 4),
                new OwnerUsage("C", Priority.NORMAL, 0, 3, 0, 4)), pools.stats().owners(),
                "C waits for a thread, not for its share");

        Thread stopper = background("stopper", pools::shutdown);
        List<TestRun> waiting = new ArrayList<>();
        waiting.addAll(a.subList(4, 20));
        waiting.addAll(b.subList(4, 10));
        waiting.addAll(c);
        for (TestRun run : waiting) {
            await(run.rejectedLatch, run + " handed back");
        }
        made.forEach(r -> r.release.countDown());
        join(stopper);
        for (TestRun run : made) {
            assertEquals(1, run.outcomes(), run + ": exactly one of run or rejected");
        }
        assertEquals(8, made.stream().filter(r -> r.runs.get() == 1).count(), "only the 8 that held threads ran");
        assertTrue(pools.stats().owners().isEmpty(), "nothing left per owner: " + pools.stats().owners());
    }

    @Test
    void anExecuteHereRunDoesNotCountAgainstItsOwnersShare() throws InterruptedException {
        start(EIGHT.withThreads(Priority.NORMAL, 2));
        TestRun pooled = owned("A", "pooled", Priority.NORMAL, TestRun.BLOCKS);
        pools.execute(pooled);
        await(pooled.entered, "A holds its share of one");
        TestRun here = new TestRun("here", "A", Priority.NORMAL, Optional.empty(), TestRun.QUICK, pools::holdsLock);
        made.add(here);
        Thread caller = background("caller", () -> pools.executeHere(here));
        join(caller);
        assertEquals(1, here.runs.get(), "it ran on its caller's thread, which is not the pool's");
        assertNotEquals(pooled.thread, here.thread);
    }

    @Test
    void aGoneOwnersStuckThreadsAreReportedAndStayCountedUntilTheyReturnThenRetired() throws InterruptedException {
        start(EIGHT);
        TestRun stuck = ownedTimed("A", "A0", Priority.NORMAL, Duration.ofSeconds(1), TestRun.IGNORES_INTERRUPTS);
        TestRun fine = owned("A", "A1", Priority.NORMAL, TestRun.BLOCKS);
        pools.execute(stuck);
        pools.execute(fine);
        await(stuck.entered, "it started");
        await(fine.entered, "it started");
        timer.advanceSeconds(6);
        assertEquals(1, stuck.stucks.get());

        assertEquals(List.of(stuck.thread.getName()), pools.ownerGone("A"), "only the stuck run's thread");
        assertEquals(List.of(), pools.ownerGone("B"), "an owner without stuck runs: nothing to report");
        assertEquals(new OwnerUsage("A", Priority.NORMAL, 2, 0, 1, 4), usage("A"),
                "still counted: the executor does not forget a thread that task code holds");

        stuck.release.countDown();
        fine.release.countDown();
        join(stuck.thread);
        awaitUntil(() -> pools.stats().owners().isEmpty() && pools.stats().stuckRuns() == 0, "all returned");
        assertTrue(fine.thread.isAlive(), "a thread whose run was never stuck stays in the pool");
        assertEquals(List.of(), pools.ownerGone("A"));
    }

    // --- helpers ----------------------------------------------------------------------------------------------

    private List<TestRun> submit(String owner, int count, TestRun.Body body) {
        List<TestRun> runs = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            TestRun run = owned(owner, owner + i, Priority.NORMAL, body);
            runs.add(run);
            pools.execute(run);
        }
        return runs;
    }

    private static long entered(List<TestRun> runs) {
        return runs.stream().filter(r -> r.entered.getCount() == 0).count();
    }

    /** @return {@code owner}'s use of the NORMAL pool, or all zeros if the stats do not list it */
    private OwnerUsage usage(String owner) {
        return pools.stats().owners().stream().filter(u -> u.owner().equals(owner)
                        && u.priority() == Priority.NORMAL).findFirst()
                .orElse(new OwnerUsage(owner, Priority.NORMAL, 0, 0, 0, 0));
    }
}
