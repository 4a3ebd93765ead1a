package org.pluginscheduler.impl.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.RunTrigger;
import org.pluginscheduler.api.TaskDefinition;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.TaskResult;
import org.pluginscheduler.api.TaskState;
import org.pluginscheduler.impl.core.SchedulerEngineTest.TestProvider;
import org.pluginscheduler.impl.store.InMemoryTaskStore;

/** Hostile inputs and untidy moments: none of them may leave a run unfinished or bring a removed task back. */
class RobustnessTest {

    private static final Instant T0 = Instant.parse("2026-06-01T10:00:00Z");
    private final MutableClock clock = new MutableClock(T0);
    private final ManualExecutor workers = new ManualExecutor();
    private final InMemoryTaskStore store = new InMemoryTaskStore(100);
    private final SchedulerEngine engine = new SchedulerEngine(clock, Runnable::run, new ExecutorWorkers(workers),
            store, Settings.defaults(ZoneId.of("UTC"), Duration.ofSeconds(1)));

    private void advance(Duration d) {
        clock.advance(d);
        engine.timer().runDue();
        workers.runAll();
    }

    private List<RunStatus> statuses(String id) {
        return engine.runs(TaskId.parse(id), 100).stream().map(RunRecord::status).toList();
    }

    @Test
    void anErrorFromTaskCodeIsAFailedRunAndTheTaskKeepsFiring() {
        TestProvider provider = new TestProvider(TaskDefinition.builder("t").schedule("every:PT1S").build());
        provider.behaviour = e -> {
            throw new StackOverflowError("runaway recursion");
        };
        engine.providerAdded(ProviderHandle.forProvider("p", 1, "p 1", "provider", provider));
        advance(Duration.ZERO);
        advance(Duration.ofSeconds(1));
        assertEquals(List.of(RunStatus.FAILED, RunStatus.FAILED), statuses("p:t"), "not SKIPPED: the first run ended");
        assertEquals("StackOverflowError: runaway recursion", engine.runs(TaskId.parse("p:t"), 1).get(0).message());
        assertEquals(0, engine.stats().heldLocks());
    }

    @Test
    void aTimeoutThatMeansForeverDoesNotOverflow() {
        TestProvider provider = new TestProvider(TaskDefinition.builder("t").schedule("cron:0 3 * * *")
                .timeout(ChronoUnit.FOREVER.getDuration()).build());
        engine.providerAdded(ProviderHandle.forProvider("p", 1, "p 1", "provider", provider));
        engine.trigger(TaskId.parse("p:t"), RunTrigger.MANUAL, Map.of());
        workers.runAll();
        assertEquals(List.of(RunStatus.SUCCEEDED), statuses("p:t"));
    }

    @Test
    void aTaskRemovedWhileItRunsStaysRemoved() {
        TaskId id = engine.addTask(7, "client", "client 1", TaskDefinition.builder("t").schedule("cron:0 3 * * *")
                .build(), run -> TaskResult.success(), false);
        engine.trigger(id, RunTrigger.MANUAL, Map.of()); // queued on the workers, not run yet
        engine.removeTask(id);
        workers.runAll();
        assertTrue(engine.task(id).isEmpty(), "the ending run did not write the task back");
        assertTrue(store.loadTask(id).isEmpty());
    }

    @Test
    void aOneShotThatFiredDoesNotFireAgainWhenItsProviderReturns() {
        TestProvider provider = new TestProvider(TaskDefinition.builder("once").schedule("at:2026-06-01T09:00:00Z")
                .build());
        ProviderHandle first = ProviderHandle.forProvider("p", 1, "p 1", "first", provider);
        engine.providerAdded(first);
        advance(Duration.ZERO);
        engine.providerRemoved(first);
        engine.providerAdded(ProviderHandle.forProvider("p", 2, "p 1", "second", provider));
        advance(Duration.ofHours(1));
        assertEquals(1, provider.calls.size());
        assertEquals(Optional.empty(), engine.task(TaskId.parse("p:once")).orElseThrow().nextFire());
        assertEquals(TaskState.ACTIVE, engine.task(TaskId.parse("p:once")).orElseThrow().state());
    }

    @Test
    void anIntervalTooLongToPlanIsRejectedAloneWithItsSiblingRegistered() {
        TestProvider provider = new TestProvider(TaskDefinition.builder("huge").schedule("every:PT2562047788015215H")
                .build(), TaskDefinition.builder("fine").schedule("every:PT1M").build());
        engine.providerAdded(ProviderHandle.forProvider("p", 1, "p 1", "provider", provider));
        assertEquals(TaskState.ACTIVE, engine.task(TaskId.parse("p:fine")).orElseThrow().state());
        assertEquals(TaskState.INVALID, engine.task(TaskId.parse("p:huge")).orElseThrow().state());
    }

    @Test
    void aRunThatIgnoresItsCancellationWhenItsProviderLeavesIsHandedToTheExecutionServiceAsAbandoned()
            throws InterruptedException {
        ExecutorWorkers threads = new ExecutorWorkers(r -> new Thread(r, "test-run").start());
        SchedulerEngine departing = new SchedulerEngine(clock, Runnable::run, threads, store,
                Settings.defaults(ZoneId.of("UTC"), Duration.ofMillis(200)));
        java.util.concurrent.CountDownLatch entered = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        TestProvider provider = new TestProvider(TaskDefinition.builder("t").schedule("cron:0 3 * * *").build());
        provider.behaviour = e -> {
            entered.countDown();
            while (true) {
                try {
                    release.await();
                    return TaskResult.success();
                } catch (InterruptedException ignored) {
                    // hostile: ignores its cancellation
                }
            }
        };
        ProviderHandle handle = ProviderHandle.forProvider("p", 1, "p 1", "provider", provider);
        departing.providerAdded(handle);
        String runId = departing.trigger(TaskId.parse("p:t"), RunTrigger.MANUAL, Map.of());
        assertTrue(entered.await(5, java.util.concurrent.TimeUnit.SECONDS));
        departing.providerRemoved(handle); // cancels, waits the grace period (200 ms), gives up
        assertEquals(List.of(runId), threads.abandoned, "the execution service is told, so it can replace the thread");
        release.countDown();
    }

    @Test
    void aRunThatEndsWithinTheGracePeriodIsNotAbandoned() throws InterruptedException {
        ExecutorWorkers threads = new ExecutorWorkers(r -> new Thread(r, "test-run").start());
        SchedulerEngine departing = new SchedulerEngine(clock, Runnable::run, threads, store,
                Settings.defaults(ZoneId.of("UTC"), Duration.ofSeconds(5)));
        java.util.concurrent.CountDownLatch entered = new java.util.concurrent.CountDownLatch(1);
        TestProvider provider = new TestProvider(TaskDefinition.builder("t").schedule("cron:0 3 * * *").build());
        provider.behaviour = e -> {
            entered.countDown();
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException cancelled) {
                return TaskResult.failure("cancelled");
            }
            return TaskResult.success();
        };
        ProviderHandle handle = ProviderHandle.forProvider("p", 1, "p 1", "provider", provider);
        departing.providerAdded(handle);
        departing.trigger(TaskId.parse("p:t"), RunTrigger.MANUAL, Map.of());
        assertTrue(entered.await(5, java.util.concurrent.TimeUnit.SECONDS));
        departing.providerRemoved(handle);
        assertEquals(List.of(), threads.abandoned);
    }
}
