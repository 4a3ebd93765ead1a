package org.pluginscheduler.impl.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.pluginscheduler.api.DeadLetter;
import org.pluginscheduler.api.MisfirePolicy;
import org.pluginscheduler.api.OverlapPolicy;
import org.pluginscheduler.api.Priority;
import org.pluginscheduler.api.RetryDecision;
import org.pluginscheduler.api.RetryPolicy;
import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.RunTrigger;
import org.pluginscheduler.api.TaskDefinition;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.TaskResult;
import org.pluginscheduler.api.TaskRetryRequestedException;
import org.pluginscheduler.api.TaskState;
import org.pluginscheduler.api.store.StoredTask;
import org.pluginscheduler.impl.core.SchedulerEngineTest.TestProvider;
import org.pluginscheduler.impl.store.InMemoryTaskStore;

/**
 * Retries, failure hooks, dead letters, timeouts, overlap, locks, limits, priorities, tenants and misfires, with
 * a hand-moved clock. Only the timeout tests use a real worker thread (a run must be interrupted).
 */
class ExecutionSemanticsTest {

    private static final Instant T0 = Instant.parse("2026-06-01T10:00:00Z");
    private final MutableClock clock = new MutableClock(T0);
    private final ManualExecutor workers = new ManualExecutor();
    private final ExecutorWorkers pools = new ExecutorWorkers(workers);
    private final InMemoryTaskStore store = new InMemoryTaskStore(100);
    private final List<ExecutorService> threads = new ArrayList<>();
    private SchedulerEngine engine = engine(settings());

    @AfterEach
    void stop() {
        threads.forEach(ExecutorService::shutdownNow);
    }

    private static Settings settings() {
        return Settings.defaults(ZoneId.of("UTC"), Duration.ofSeconds(2));
    }

    private SchedulerEngine engine(Settings settings) {
        return new SchedulerEngine(clock, Runnable::run, pools, store, settings);
    }

    private void advance(Duration d) {
        clock.advance(d);
        engine.timer().runDue();
        workers.runAll();
    }

    private void register(String owner, TestProvider provider) {
        engine.providerAdded(ProviderHandle.forProvider(owner, 1, owner + " 1.0.0", "provider of " + owner, provider));
    }

    private List<RunRecord> runs(String id) {
        List<RunRecord> runs = new ArrayList<>(engine.runs(TaskId.parse(id), 100));
        java.util.Collections.reverse(runs); // oldest first reads better in assertions
        return runs;
    }

    private static TaskDefinition.Builder task(String id, String schedule) {
        return TaskDefinition.builder(id).schedule(schedule);
    }

    private static TaskResult fail(String message) {
        throw new IllegalStateException(message);
    }

    // --- retries ---------------------------------------------------------------------------------------------

    @Test
    void aFailedRunIsRetriedByItsPolicyEachAttemptItsOwnRecordWithoutMovingTheSchedule() {
        AtomicInteger calls = new AtomicInteger();
        List<Integer> attempts = new ArrayList<>();
        TestProvider provider = new TestProvider(task("t", "every:PT10S")
                .retry(RetryPolicy.fixed(3, Duration.ofSeconds(3))).build());
        provider.behaviour = e -> {
            attempts.add(e.attempt());
            return calls.incrementAndGet() < 3 ? fail("flaky") : TaskResult.success("third time lucky");
        };
        register("p", provider);
        advance(Duration.ZERO);
        advance(Duration.ofSeconds(3));
        advance(Duration.ofSeconds(3));

        List<RunRecord> runs = runs("p:t");
        assertEquals(List.of(1, 2, 3), attempts);
        assertEquals(List.of(RunStatus.FAILED, RunStatus.FAILED, RunStatus.SUCCEEDED),
                runs.stream().map(RunRecord::status).toList());
        assertEquals(List.of(RunTrigger.SCHEDULE, RunTrigger.RETRY, RunTrigger.RETRY),
                runs.stream().map(RunRecord::trigger).toList());
        assertEquals(List.of(T0, T0.plusSeconds(3), T0.plusSeconds(6)),
                runs.stream().map(RunRecord::scheduledTime).toList());
        assertEquals("IllegalStateException: flaky — retry 1 of 3 in PT3S", runs.get(0).message());
        assertEquals(Optional.of(T0.plusSeconds(10)), engine.task(TaskId.parse("p:t")).orElseThrow().nextFire(),
                "retries do not move the regular schedule");
    }

    @Test
    void exhaustedEligibleRunsBecomeDeadLettersThatCanBeReplayedAndPurged() {
        TestProvider provider = new TestProvider(task("t", "cron:0 3 * * *").deadLetterEligible(true)
                .retry(RetryPolicy.fixed(1, Duration.ofSeconds(1))).build());
        provider.behaviour = e -> e.arguments().containsKey("fixed") ? TaskResult.success("ok") : fail("no disk");
        register("p", provider);
        TaskId id = TaskId.parse("p:t");
        String first = engine.submit(id, Map.of("file", "a.csv"), Optional.empty(), Set.of());
        workers.runAll();
        advance(Duration.ofSeconds(1));

        List<DeadLetter> letters = engine.deadLetters();
        assertEquals(1, letters.size());
        DeadLetter letter = letters.get(0);
        assertEquals(Map.of("file", "a.csv"), letter.arguments());
        assertEquals(2, letter.attempts());
        assertEquals("IllegalStateException: no disk", letter.lastError());
        assertEquals(T0, letter.firstAttempt(), "the chain started with the submission");
        assertTrue(runs("p:t").get(1).message().endsWith("moved to the dead letters"), runs("p:t").get(1).message());
        assertEquals(first, runs("p:t").get(0).runId());

        String replay = engine.replayDeadLetter(letter.runId());
        workers.runAll();
        RunRecord replayed = engine.run(replay).orElseThrow();
        assertEquals(RunTrigger.REPLAY, replayed.trigger());
        assertEquals(Map.of("file", "a.csv"), replayed.arguments());
        assertTrue(engine.deadLetters().isEmpty(), "a replayed dead letter is removed");
        assertThrows(IllegalArgumentException.class, () -> engine.replayDeadLetter("nope"));
    }

    @Test
    void exhaustedRunsOfIneligibleTasksAreGivenUpAndSaySo() {
        TestProvider provider = new TestProvider(task("t", "cron:0 3 * * *")
                .retry(RetryPolicy.fixed(1, Duration.ofSeconds(1))).build());
        provider.behaviour = e -> fail("broken");
        register("p", provider);
        engine.trigger(TaskId.parse("p:t"), RunTrigger.MANUAL, Map.of());
        workers.runAll();
        advance(Duration.ofSeconds(1));
        assertEquals("IllegalStateException: broken — gave up after 2 attempts", runs("p:t").get(1).message());
        assertTrue(engine.deadLetters().isEmpty());
        assertEquals(2, engine.purgeDeadLetters(Optional.empty()) + 2, "nothing to purge");
    }

    @Test
    void failureHandlersDecideInRankingOrderAndAThrowingHandlerIsSkipped() {
        List<String> asked = new ArrayList<>();
        engine.handlers(List.of(
                new RetryDecider.Ranked(f -> {
                    asked.add("low");
                    return Optional.of(RetryDecision.retryAfter(Duration.ofMinutes(5), "low says retry"));
                }, 1, 10, "low"),
                new RetryDecider.Ranked(f -> {
                    asked.add("broken");
                    throw new IllegalStateException("handler bug");
                }, 100, 11, "broken"),
                new RetryDecider.Ranked(f -> {
                    asked.add("high");
                    return f.message().contains("rate limit")
                            ? Optional.of(RetryDecision.retryAfter(Duration.ofSeconds(30), "rate limited"))
                            : Optional.empty();
                }, 50, 12, "high")));
        TestProvider provider = new TestProvider(task("t", "cron:0 3 * * *")
                .retry(RetryPolicy.fixed(2, Duration.ofSeconds(1))).build());
        provider.behaviour = e -> fail(e.attempt() == 1 ? "rate limit hit" : "other");
        register("p", provider);
        engine.trigger(TaskId.parse("p:t"), RunTrigger.MANUAL, Map.of());
        workers.runAll();
        assertEquals(List.of("broken", "high"), asked);
        assertTrue(runs("p:t").get(0).message().endsWith("retry 1 of 2 in PT30S (high: rate limited)"));
        advance(Duration.ofSeconds(30));
        assertEquals(List.of("broken", "high", "broken", "high", "low"), asked);
        assertTrue(runs("p:t").get(1).message().endsWith("retry 2 of 2 in PT5M (low: low says retry)"));
    }

    @Test
    void aFailureHandlerDecidesOnlyForTheOwnersItCovers() {
        List<String> asked = new ArrayList<>();
        engine.handlers(List.of(
                new RetryDecider.Ranked(f -> {
                    asked.add("other plugin's hook " + f.taskId());
                    return Optional.of(RetryDecision.abort("hostile"));
                }, 100, 10, "other", Set.of("other")),
                new RetryDecider.Ranked(f -> {
                    asked.add("p's hook " + f.taskId());
                    return Optional.empty();
                }, 50, 11, "p's", Set.of("p")),
                new RetryDecider.Ranked(f -> {
                    asked.add("admin rule " + f.taskId());
                    return Optional.empty();
                }, 10, 12, "rule", Set.of(RetryDecider.ANY_OWNER))));
        TestProvider provider = new TestProvider(task("t", "cron:0 3 * * *")
                .retry(RetryPolicy.fixed(1, Duration.ofSeconds(1))).build());
        provider.behaviour = e -> fail("broken");
        register("p", provider);
        engine.trigger(TaskId.parse("p:t"), RunTrigger.MANUAL, Map.of());
        workers.runAll();
        assertEquals(List.of("p's hook p:t", "admin rule p:t"), asked, "the other plugin's hook is never asked");
        assertTrue(runs("p:t").get(0).message().endsWith("retry 1 of 1 in PT1S"), "not aborted by the other hook: "
                + runs("p:t").get(0).message());
    }

    @Test
    void aFailureHandlerThatBlocksIsSkippedAfterItsTimeAndUntilItReturns() throws InterruptedException {
        Duration limit = RetryDecider.handlerLimit;
        RetryDecider.handlerLimit = Duration.ofMillis(100);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
        try {
            RetryDecider.Ranked blocking = new RetryDecider.Ranked(f -> {
                asked.incrementAndGet();
                try {
                    release.await(); // a hook that blocks (until the test lets it go)
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return Optional.of(RetryDecision.abort("answered at last"));
            }, 100, 10, "blocking");
            engine.handlers(List.of(blocking));
            TestProvider provider = new TestProvider(task("t", "cron:0 3 * * *")
                    .retry(RetryPolicy.fixed(3, Duration.ofSeconds(1))).build());
            provider.behaviour = e -> fail("broken");
            register("p", provider);
            long start = System.nanoTime();
            engine.trigger(TaskId.parse("p:t"), RunTrigger.MANUAL, Map.of());
            workers.runAll();
            assertTrue(runs("p:t").get(0).message().endsWith("retry 1 of 3 in PT1S"),
                    "the policy decided when the hook did not: " + runs("p:t").get(0).message());
            advance(Duration.ofSeconds(1)); // the retry fails too: the hook is not asked while its call blocks
            long waited = System.nanoTime() - start;
            assertEquals(1, asked.get());
            assertTrue(runs("p:t").get(1).message().endsWith("retry 2 of 3 in PT1S"), runs("p:t").toString());
            assertTrue(waited < Duration.ofSeconds(2).toNanos(), "one wait of the limit, not one per failure");
            release.countDown(); // its call returns: it is asked again
            for (int i = 0; i < 500 && blocking.calls().blocked(); i++) {
                Thread.sleep(10);
            }
            assertFalse(blocking.calls().blocked());
            advance(Duration.ofSeconds(1)); // the third attempt fails: the hook answers now
            assertEquals(2, asked.get(), "asked again once its call returned");
            assertTrue(runs("p:t").get(2).message().endsWith("aborted remaining retries (blocking: answered at last)"),
                    runs("p:t").toString());
        } finally {
            release.countDown();
            RetryDecider.handlerLimit = limit;
        }
    }

    @Test
    void abortStopsRetriesWithoutDeadLetterAndGiveUpDeadLetters() {
        engine.handlers(List.of(new RetryDecider.Ranked(f -> Optional.of(f.message().contains("denied")
                ? RetryDecision.abort("permission problem") : RetryDecision.giveUp("hopeless")), 0, 1, "hook")));
        TestProvider provider = new TestProvider(task("a", "cron:0 3 * * *").deadLetterEligible(true)
                .retry(RetryPolicy.fixed(5, Duration.ofSeconds(1))).build(),
                task("g", "cron:0 3 * * *").deadLetterEligible(true)
                        .retry(RetryPolicy.fixed(5, Duration.ofSeconds(1))).build());
        provider.behaviour = e -> fail(e.taskId().id().equals("a") ? "access denied" : "bad input");
        register("p", provider);
        engine.trigger(TaskId.parse("p:a"), RunTrigger.MANUAL, Map.of());
        engine.trigger(TaskId.parse("p:g"), RunTrigger.MANUAL, Map.of());
        workers.runAll();
        advance(Duration.ofSeconds(10));
        assertEquals(1, runs("p:a").size());
        assertTrue(runs("p:a").get(0).message().endsWith("aborted remaining retries (hook: permission problem)"));
        assertEquals(List.of(TaskId.parse("p:g")), engine.deadLetters().stream().map(DeadLetter::taskId).toList());
    }

    @Test
    void aRetryRequestUsesItsDelayButStaysWithinMaxRetries() {
        TestProvider provider = new TestProvider(task("t", "cron:0 3 * * *")
                .retry(RetryPolicy.fixed(1, Duration.ofHours(1))).build());
        provider.behaviour = e -> {
            throw new TaskRetryRequestedException("remote busy", Duration.ofSeconds(7));
        };
        register("p", provider);
        engine.trigger(TaskId.parse("p:t"), RunTrigger.MANUAL, Map.of());
        workers.runAll();
        advance(Duration.ofSeconds(7));
        advance(Duration.ofHours(2));
        List<RunRecord> runs = runs("p:t");
        assertEquals(2, runs.size());
        assertEquals(T0.plusSeconds(7), runs.get(1).scheduledTime());
        assertTrue(runs.get(1).message().contains("retry requested but gave up after 2 attempts"),
                runs.get(1).message());
    }

    @Test
    void aProviderLeavingWhileARetryWaitsDropsTheRetryAndIsNotCalledAgain() {
        TestProvider provider = new TestProvider(task("t", "cron:0 3 * * *")
                .retry(RetryPolicy.fixed(3, Duration.ofSeconds(5))).build());
        provider.behaviour = e -> fail("x");
        ProviderHandle handle = ProviderHandle.forProvider("p", 1, "p 1.0.0", "provider", provider);
        engine.providerAdded(handle);
        engine.trigger(TaskId.parse("p:t"), RunTrigger.MANUAL, Map.of());
        workers.runAll();
        engine.providerRemoved(handle);
        advance(Duration.ofMinutes(1));
        assertEquals(1, provider.calls.size());
        assertEquals(0, engine.stats().pendingRetries());
    }

    // --- timeouts ----------------------------------------------------------------------------------------------

    private ExecutorService realPool() {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        threads.add(pool);
        return pool;
    }

    @Test
    void aRunPastItsDeadlineIsInterruptedEndsTimedOutAndIsRetried() throws Exception {
        ExecutorWorkers real = new ExecutorWorkers(realPool(), clock, Duration.ofSeconds(5));
        engine = new SchedulerEngine(clock, Runnable::run, real, store, settings());
        CountDownLatch started = new CountDownLatch(2);
        TestProvider provider = new TestProvider(task("slow", "cron:0 3 * * *").timeout(Duration.ofSeconds(30))
                .retry(RetryPolicy.fixed(1, Duration.ofSeconds(1))).build());
        provider.behaviour = e -> {
            started.countDown();
            try {
                new CountDownLatch(1).await();
                return TaskResult.success();
            } catch (InterruptedException interrupted) {
                return TaskResult.success("interrupted at " + e.deadline().orElseThrow());
            }
        };
        register("p", provider);
        engine.trigger(TaskId.parse("p:slow"), RunTrigger.MANUAL, Map.of());
        waitFor(() -> provider.calls.size() == 1);
        clock.advance(Duration.ofSeconds(30));
        real.watch.runDue();
        waitFor(() -> runs("p:slow").size() == 1 && runs("p:slow").get(0).status() == RunStatus.TIMED_OUT);
        RunRecord timedOut = runs("p:slow").get(0);
        assertTrue(timedOut.message().startsWith("timed out after PT30S (interrupted at " + T0.plusSeconds(30)),
                timedOut.message());
        assertTrue(timedOut.message().endsWith("retry 1 of 1 in PT1S"), timedOut.message());
        waitFor(() -> engine.stats().pendingRetries() == 1); // the record is stored before the retry is planned
        clock.advance(Duration.ofSeconds(1));
        engine.timer().runDue();
        waitFor(() -> provider.calls.size() == 2);
    }

    @Test
    void aRunThatIgnoresInterruptionIsDeclaredStuckAndItsWorkerReplaced() throws Exception {
        ExecutorWorkers real = new ExecutorWorkers(realPool(), clock, Duration.ofSeconds(5));
        engine = new SchedulerEngine(clock, Runnable::run, real, store, settings());
        CountDownLatch release = new CountDownLatch(1);
        TestProvider provider = new TestProvider(task("stubborn", "cron:0 3 * * *").timeout(Duration.ofSeconds(1))
                .build());
        provider.behaviour = e -> {
            while (release.getCount() > 0) {
                try {
                    release.await();
                } catch (InterruptedException ignored) {
                    // this task ignores interruption on purpose
                }
            }
            return TaskResult.success("finally");
        };
        register("p", provider);
        engine.trigger(TaskId.parse("p:stubborn"), RunTrigger.MANUAL, Map.of());
        waitFor(() -> provider.calls.size() == 1);
        clock.advance(Duration.ofSeconds(1));
        real.watch.runDue();
        clock.advance(Duration.ofSeconds(5));
        real.watch.runDue();

        RunRecord stuck = runs("p:stubborn").get(0);
        assertEquals(RunStatus.TIMED_OUT, stuck.status());
        assertTrue(stuck.message().contains("ignored interruption") && stuck.message().contains("stuck"),
                stuck.message());
        assertEquals(1, real.extra.get(Priority.NORMAL), "a replacement worker");
        assertEquals(1, engine.stats().stuckRuns());
        assertEquals(TaskState.ACTIVE, engine.task(TaskId.parse("p:stubborn")).orElseThrow().state());

        release.countDown();
        waitFor(() -> real.extra.get(Priority.NORMAL) == 0);
        assertEquals(0, engine.stats().stuckRuns());
        assertEquals(RunStatus.TIMED_OUT, runs("p:stubborn").get(0).status(), "the late result is discarded");
    }

    private static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 5 s");
            }
            Thread.onSpinWait();
            Thread.yield();
        }
    }

    // --- overlap, locks, limits, priorities ----------------------------------------------------------------------

    @Test
    void queueOneKeepsOneFireWaitingAndSkipsTheRest() {
        TestProvider provider = new TestProvider(task("q", "every:PT1S").overlap(OverlapPolicy.QUEUE_ONE).build());
        register("p", provider);
        engine.timer().runDue();            // fire 1 is handed to the workers (not run yet)
        clock.advance(Duration.ofSeconds(1));
        engine.timer().runDue();            // fire 2 queues
        clock.advance(Duration.ofSeconds(1));
        engine.timer().runDue();            // fire 3 is skipped
        workers.runAll();                   // run 1 ends, then the queued fire 2 runs
        List<RunRecord> runs = runs("p:q");
        assertEquals(List.of(RunStatus.SUCCEEDED, RunStatus.SUCCEEDED, RunStatus.SKIPPED),
                runs.stream().sorted(java.util.Comparator.comparing(RunRecord::runId)).map(RunRecord::status).toList(),
                "run 1, the queued fire 2 (under the run id it got when it was queued), the skipped fire 3");
        assertEquals(List.of("q@" + T0, "q@" + T0.plusSeconds(1)), provider.calls);
    }

    @Test
    void namedLocksSerializeTasksWithoutSpendingRetries() {
        TestProvider provider = new TestProvider(task("a", "cron:0 3 * * *").lockKeys("db").build(),
                task("b", "cron:0 3 * * *").lockKeys("db").retry(RetryPolicy.fixed(1, Duration.ofHours(1))).build());
        register("p", provider);
        engine.trigger(TaskId.parse("p:a"), RunTrigger.MANUAL, Map.of()); // holds "db" until its worker runs
        engine.trigger(TaskId.parse("p:b"), RunTrigger.MANUAL, Map.of()); // waits for "db"
        assertEquals(1, workers.pending(), "b waits for the lock instead of queueing");
        workers.runAll();
        assertEquals(List.of("a@" + T0), provider.calls);
        advance(Duration.ofSeconds(1));
        assertEquals(2, provider.calls.size());
        RunRecord b = runs("p:b").get(0);
        assertEquals(1, b.attempt());
        assertEquals(Optional.of(Duration.ofSeconds(1)), b.lag(), "b started once the lock was free");
    }

    @Test
    void submissionsHoldTheirOwnLockKeys() {
        TestProvider provider = new TestProvider(task("import", "cron:0 3 * * *").overlap(OverlapPolicy.ALLOW).build());
        register("p", provider);
        TaskId id = TaskId.parse("p:import");
        engine.submit(id, Map.of("customer", "acme"), Optional.empty(), Set.of("customer-acme"));
        engine.submit(id, Map.of("customer", "acme"), Optional.empty(), Set.of("customer-acme"));
        engine.submit(id, Map.of("customer", "zeta"), Optional.empty(), Set.of("customer-zeta"));
        assertEquals(2, workers.pending(), "acme's second submission waits, zeta's does not");
        workers.runAll();
        advance(Duration.ofSeconds(1));
        assertEquals(3, provider.calls.size());
        assertThrows(IllegalArgumentException.class, () -> engine.submit(id, Map.of(), Optional.empty(), Set.of("bad key")));
    }

    @Test
    void groupConcurrencyAndRateLimitsDelayRunsAndCallSkipsThem() {
        engine = engine(new Settings(ZoneId.of("UTC"), Duration.ofSeconds(1), Duration.ofSeconds(1),
                MisfirePolicy.runOnce(), List.of(), GroupLimits.parse(new String[] {"reports:concurrency=1,rate=2/PT1M"})));
        TestProvider provider = new TestProvider(task("r1", "cron:0 3 * * *").group("reports").build(),
                task("r2", "cron:0 3 * * *").group("reports").build());
        register("p", provider);
        engine.trigger(TaskId.parse("p:r1"), RunTrigger.MANUAL, Map.of());
        engine.trigger(TaskId.parse("p:r2"), RunTrigger.MANUAL, Map.of());
        assertEquals(1, workers.pending(), "concurrency 1: r2 waits");
        workers.runAll();
        advance(Duration.ofSeconds(1));
        assertEquals(2, provider.calls.size());
        engine.trigger(TaskId.parse("p:r1"), RunTrigger.MANUAL, Map.of()); // third start within the minute
        workers.runAll();
        assertEquals(2, provider.calls.size(), "rate 2/min: the third waits for the window");
        RunRecord called = engine.call(TaskId.parse("p:r2"), Map.of());
        assertEquals(RunStatus.SUCCEEDED, called.status(), "call skips group limits");
        advance(Duration.ofSeconds(59));
        assertEquals(4, provider.calls.size());
    }

    @Test
    void aBackgroundFloodDoesNotDelayRealtimeRuns() {
        ManualExecutor background = new ManualExecutor();
        engine = new SchedulerEngine(clock, Runnable::run, new ExecutorWorkers(workers).with(Priority.BACKGROUND,
                background), store, settings());
        List<TaskDefinition> tasks = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            tasks.add(task("bg" + i, "every:PT1S").priority(Priority.BACKGROUND).build());
        }
        tasks.add(task("rt", "every:PT1S").priority(Priority.REALTIME).build());
        TestProvider provider = new TestProvider(tasks.toArray(TaskDefinition[]::new));
        register("p", provider);
        engine.timer().runDue();
        workers.runAll();
        assertEquals(List.of("rt@" + T0), provider.calls, "realtime ran while 200 background runs wait");
        assertEquals(200, background.pending());
    }

    @Test
    void callFailsAtOnceWhenANamedLockIsHeld() {
        TestProvider provider = new TestProvider(task("a", "cron:0 3 * * *").lockKeys("db").build(),
                task("b", "cron:0 3 * * *").lockKeys("db").build());
        register("p", provider);
        engine.trigger(TaskId.parse("p:a"), RunTrigger.MANUAL, Map.of());
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> engine.call(TaskId.parse("p:b"), Map.of()));
        assertEquals("task p:b cannot run now: lock 'db' is held by another run; try again when it ends",
                e.getMessage());
    }

    // --- tenants -------------------------------------------------------------------------------------------------

    @Test
    void perTenantTasksGetOneInstancePerTenantAndFollowTheTenantList() {
        Settings two = new Settings(ZoneId.of("UTC"), Duration.ofSeconds(1),
                Duration.ofSeconds(1), MisfirePolicy.runOnce(), List.of("acme", "zeta"), Map.of());
        engine = engine(two);
        List<String> seen = new ArrayList<>();
        TestProvider provider = new TestProvider(task("sync", "every:PT1M").perTenant(true).lockKeys("api").build(),
                task("global", "every:PT1M").build());
        provider.behaviour = e -> {
            seen.add(e.tenant().orElse("-"));
            return TaskResult.success();
        };
        register("p", provider);
        assertTrue(engine.task(TaskId.parse("p:sync@acme")).isPresent());
        assertTrue(engine.task(TaskId.parse("p:sync@zeta")).isPresent());
        assertTrue(engine.task(TaskId.parse("p:sync")).isEmpty());
        advance(Duration.ZERO);
        assertEquals(Set.of("acme", "zeta", "-"), Set.copyOf(seen), "per-tenant locks do not block each other");

        engine.settings(new Settings(ZoneId.of("UTC"), Duration.ofSeconds(1), Duration.ofSeconds(1),
                MisfirePolicy.runOnce(), List.of("zeta", "new"), Map.of()));
        assertEquals(TaskState.DORMANT, engine.task(TaskId.parse("p:sync@acme")).orElseThrow().state());
        assertEquals(TaskState.ACTIVE, engine.task(TaskId.parse("p:sync@new")).orElseThrow().state());
        assertEquals(1, runs("p:sync@zeta").size(), "an existing instance keeps its history");
        assertEquals(TaskId.parse("p:sync@new"), engine.resolve("sync@new"));
    }

    // --- misfires --------------------------------------------------------------------------------------------------

    private List<Instant> missedThenResumed(MisfirePolicy policy) {
        TestProvider provider = new TestProvider(task("m", "every:PT1M").misfire(policy).build());
        register("p", provider);
        TaskId id = TaskId.parse("p:m");
        advance(Duration.ZERO);
        engine.pauseAll(true);
        for (int i = 0; i < 5; i++) {
            advance(Duration.ofMinutes(1));
        }
        engine.pauseAll(false);
        workers.runAll();
        return runs("p:m").stream().filter(r -> r.trigger() == RunTrigger.MISFIRE).map(RunRecord::scheduledTime)
                .toList();
    }

    @Test
    void runOnceRunsTheLatestMissedFireOnResume() {
        assertEquals(List.of(T0.plusSeconds(300)), missedThenResumed(MisfirePolicy.runOnce()));
    }

    @Test
    void skipDropsMissedFires() {
        assertEquals(List.of(), missedThenResumed(MisfirePolicy.skip()));
    }

    @Test
    void catchUpRunsTheOldestMissedFiresOneAfterAnotherUpToItsLimit() {
        assertEquals(List.of(T0.plusSeconds(60), T0.plusSeconds(120), T0.plusSeconds(180)),
                missedThenResumed(MisfirePolicy.catchUp(3)));
    }

    @Test
    void firesMissedWhileTheRuntimeWasDownFollowThePolicyWhenTheTaskReturns() {
        TaskId id = TaskId.parse("p:nightly");
        TaskDefinition definition = task("nightly", "cron:0 3 * * *").build();
        store.saveTask(StoredTask.fresh(id, "p 1.0.0", SchedulerEngine.digest(definition), "cron:0 3 * * *")
                .withNextFire(Optional.of(Instant.parse("2026-05-30T03:00:00Z"))));
        engine = engine(settings()); // a new process on the store the previous one left
        TestProvider provider = new TestProvider(definition);
        register("p", provider);
        workers.runAll();
        List<RunRecord> runs = runs("p:nightly");
        assertEquals(1, runs.size());
        assertEquals(RunTrigger.MISFIRE, runs.get(0).trigger());
        assertEquals(Instant.parse("2026-06-01T03:00:00Z"), runs.get(0).scheduledTime(),
                "the latest of the three missed fires (30 May, 31 May, 1 June)");
        assertFalse(store.loadTask(id).orElseThrow().dormant());
    }

    @Test
    void aCleanlyDepartedProviderDoesNotCatchUpWhenItReturns() {
        TestProvider provider = new TestProvider(task("t", "every:PT1M").build());
        ProviderHandle first = ProviderHandle.forProvider("p", 1, "p 1.0.0", "first", provider);
        engine.providerAdded(first);
        advance(Duration.ZERO);
        engine.providerRemoved(first);
        advance(Duration.ofHours(1));
        register("p", provider);
        workers.runAll();
        assertTrue(runs("p:t").stream().noneMatch(r -> r.trigger() == RunTrigger.MISFIRE));
    }

    // --- stores ----------------------------------------------------------------------------------------------------

    @Test
    void runsLeftRunningByACrashBecomeAbandonedAndGoThroughTheRetryPath() {
        TaskId id = TaskId.parse("p:t");
        store.recordRun(new RunRecord("old-1", id, RunTrigger.SCHEDULE, 1, RunStatus.RUNNING, T0.minusSeconds(3600),
                Optional.of(T0.minusSeconds(3600)), Optional.empty(), "", Map.of(), Map.of("k", "v")));
        engine.recover();
        RunRecord abandoned = store.run("old-1").orElseThrow();
        assertEquals(RunStatus.ABANDONED, abandoned.status());
        assertEquals(Optional.of(T0), abandoned.endTime());

        TestProvider provider = new TestProvider(task("t", "cron:0 3 * * *")
                .retry(RetryPolicy.fixed(1, Duration.ofSeconds(10))).build());
        register("p", provider);
        assertTrue(store.run("old-1").orElseThrow().message().endsWith("retry 1 of 1 in PT10S"),
                store.run("old-1").orElseThrow().message());
        advance(Duration.ofSeconds(10));
        RunRecord retry = runs("p:t").get(runs("p:t").size() - 1);
        assertEquals(RunTrigger.RETRY, retry.trigger());
        assertEquals(2, retry.attempt());
        assertEquals(Map.of("k", "v"), retry.arguments());
        assertEquals(RunStatus.SUCCEEDED, retry.status());
    }

    @Test
    void aStoreArrivingLateReceivesTheRunsRecordedBeforeAndItsOverridesWin() {
        TestProvider provider = new TestProvider(task("t", "every:PT1M").deadLetterEligible(true).build());
        provider.behaviour = e -> fail("x");
        register("p", provider);
        advance(Duration.ZERO);
        TaskId id = TaskId.parse("p:t");
        InMemoryTaskStore persistent = new InMemoryTaskStore(100);
        persistent.saveTask(StoredTask.fresh(id, "p 1.0.0", "d", "every:PT1M").withPaused(true));
        engine.store(persistent);
        assertEquals(1, persistent.runs(id, 10).size(), "the run recorded before the store arrived");
        assertEquals(1, persistent.deadLetters().size());
        assertEquals(TaskState.PAUSED, engine.task(id).orElseThrow().state(), "the persisted override wins");
        engine.store(store);
        assertEquals(TaskState.PAUSED, engine.task(id).orElseThrow().state(), "and goes back with the state");
    }

    @Test
    void aStoreReturningGetsTheFinalRecordOfARunItLeftRunningNotAnAbandonedOne() {
        register("p", new TestProvider(task("t", "cron:0 3 * * *").build()));
        TaskId id = TaskId.parse("p:t");
        RunRecord running = new RunRecord("r1", id, RunTrigger.MANUAL, 1, RunStatus.RUNNING, T0, Optional.of(T0),
                Optional.empty(), "", Map.of(), Map.of());
        store.recordRun(running.finish(RunStatus.SUCCEEDED, T0.plusSeconds(1), "done", Map.of()));
        InMemoryTaskStore returning = new InMemoryTaskStore(100); // a new instance: the store bundle restarted
        returning.recordRun(running); // what it held when it left, while the run was going
        engine.store(returning);
        assertEquals(RunStatus.SUCCEEDED, returning.run("r1").orElseThrow().status());
        assertEquals("done", returning.run("r1").orElseThrow().message());
    }

    @Test
    void settingsChangedWhileTheStoreWasAwayHoldWhenItReturns() {
        register("p", new TestProvider(task("t", "every:PT1M").build()));
        ProviderHandle leaving = ProviderHandle.forProvider("q", 2, "q 1.0.0", "provider of q",
                new TestProvider(task("gone", "every:PT1M").build()));
        engine.providerAdded(leaving);
        TaskId id = TaskId.parse("p:t");
        TaskId gone = TaskId.parse("q:gone");
        InMemoryTaskStore persistent = new InMemoryTaskStore(100);
        engine.store(persistent);
        StoredTask whenItLeft = persistent.loadTask(id).orElseThrow();
        StoredTask goneWhenItLeft = persistent.loadTask(gone).orElseThrow();
        engine.store(new InMemoryTaskStore(100)); // the store bundle stops: a fresh in-memory store takes over
        engine.setPaused(id, true);
        engine.providerRemoved(leaving);
        assertEquals(TaskState.DORMANT, engine.task(gone).orElseThrow().state());
        engine.setEnabled(gone, false);

        InMemoryTaskStore returning = new InMemoryTaskStore(100); // the store bundle starts again: a new instance
        returning.saveTask(whenItLeft);
        returning.saveTask(goneWhenItLeft);
        engine.store(returning);
        assertEquals(TaskState.PAUSED, engine.task(id).orElseThrow().state(), "the pause made meanwhile holds");
        assertTrue(returning.loadTask(id).orElseThrow().paused());
        assertEquals(Optional.of(false), returning.loadTask(gone).orElseThrow().enabled(),
                "so does a change to a dormant task");
    }

    /**
     * A store that returns and leaves again at once must hold the states written on its return: they are written
     * by the state writer in the background, and the switch away waits for what is queued for the store it leaves.
     * The writer is held until the second switch waits for it, so without that wait the states would land in the
     * in-memory store that took over.
     */
    @Test
    void taskStatesQueuedForAStoreReachItBeforeItIsReplaced() throws Exception {
        ExecutorService writer = Executors.newSingleThreadExecutor();
        threads.add(writer);
        engine = new SchedulerEngine(clock, Runnable::run, writer, pools, store, settings());
        register("p", new TestProvider(task("t", "every:PT1M").build()));
        TaskId id = TaskId.parse("p:t");
        engine.setPaused(id, true);
        InMemoryTaskStore persistent = new InMemoryTaskStore(100);
        CountDownLatch gate = new CountDownLatch(1);
        writer.execute(() -> {
            try {
                gate.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Thread arrival = new Thread(() -> engine.store(persistent));
        arrival.start();
        Blocked.await(arrival); // blocked behind the held writer, before the switch
        gate.countDown();
        arrival.join(10_000);
        // the store arrived; its task states are queued for the writer. Hold the writer again, then leave
        CountDownLatch second = new CountDownLatch(1);
        writer.execute(() -> {
            try {
                second.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Thread departure = new Thread(() -> engine.store(new InMemoryTaskStore(100)));
        departure.start();
        Blocked.await(departure);
        assertTrue(departure.isAlive(), "the switch away waits for the writes queued for the store it leaves");
        second.countDown();
        departure.join(10_000);
        assertFalse(departure.isAlive());
        assertTrue(persistent.loadTask(id).orElseThrow().paused(), "the state reached the store that left");
    }

    @Test
    void registrationIsAnUpsertAnUnchangedScheduleKeepsItsPlannedFireAChangedOneIsRecomputed() {
        TaskId every = TaskId.parse("p:every");
        TaskId changed = TaskId.parse("p:changed");
        Instant planned = T0.plusSeconds(42);
        store.saveTask(StoredTask.fresh(every, "p 1", "d", "every:PT1M").withNextFire(Optional.of(planned)));
        store.saveTask(StoredTask.fresh(changed, "p 1", "d", "cron:0 1 * * *").withNextFire(Optional.of(planned)));
        engine = engine(settings()); // a new process on the store the previous one left
        register("p", new TestProvider(task("every", "every:PT1M").build(), task("changed", "cron:0 2 * * *").build()));
        assertEquals(Optional.of(planned), engine.task(every).orElseThrow().nextFire(), "the interval keeps its phase");
        assertEquals(Optional.of(Instant.parse("2026-06-02T02:00:00Z")),
                engine.task(changed).orElseThrow().nextFire(), "a changed schedule is planned afresh");
        advance(Duration.ofSeconds(42));
        assertEquals(Optional.of(planned.plusSeconds(60)), engine.task(every).orElseThrow().nextFire());
        assertTrue(runs("p:every").stream().allMatch(r -> r.trigger() == RunTrigger.SCHEDULE));
    }
}
