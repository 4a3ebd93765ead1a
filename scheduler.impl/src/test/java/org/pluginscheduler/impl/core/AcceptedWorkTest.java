package org.pluginscheduler.impl.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.pluginscheduler.api.MisfirePolicy;
import org.pluginscheduler.api.OverlapPolicy;
import org.pluginscheduler.api.RetryPolicy;
import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.RunTrigger;
import org.pluginscheduler.api.TaskDefinition;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.TaskResult;
import org.pluginscheduler.api.store.PendingRun;
import org.pluginscheduler.api.store.RunBatch;
import org.pluginscheduler.api.store.TaskStore;
import org.pluginscheduler.api.store.TaskStoreException;
import org.pluginscheduler.impl.store.InMemoryTaskStore;

/**
 * Accepted work survives the process: every run the core accepted and has not finished is a pending run in the
 * store, and a new engine on the same store (a restart after a crash: the old engine is simply dropped, nothing
 * is flushed or stopped) runs it, once. In unit tests the store is written synchronously, so what the store holds
 * at any moment is what a crash at that moment would leave.
 */
class AcceptedWorkTest {

    private static final Instant T0 = Instant.parse("2026-06-01T10:00:00Z");
    private static final TaskId JOB = TaskId.parse("p:job");
    private static final TaskId FLAKY = TaskId.parse("p:flaky");
    private static final TaskId SLOW = TaskId.parse("p:slow");

    private final MutableClock clock = new MutableClock(T0);
    private final AtomicBoolean storeFails = new AtomicBoolean();
    private final InMemoryTaskStore memory = new InMemoryTaskStore(1000);
    /** The in-memory store, whose atomic batches can be made to fail. */
    private final TaskStore store = (TaskStore) Proxy.newProxyInstance(TaskStore.class.getClassLoader(),
            new Class<?>[] {TaskStore.class}, (self, method, args) -> {
                if (method.getName().equals("write") && storeFails.get()) {
                    throw new TaskStoreException("disk full");
                }
                try {
                    return method.invoke(memory, args);
                } catch (InvocationTargetException e) {
                    throw e.getCause();
                }
            });

    private ManualExecutor workers = new ManualExecutor();
    private SchedulerEngine engine;
    private final SchedulerEngineTest.TestProvider provider = new SchedulerEngineTest.TestProvider(
            TaskDefinition.builder("job").schedule("cron:0 3 * * *").build(),
            TaskDefinition.builder("flaky").schedule("cron:0 3 * * *")
                    .retry(RetryPolicy.fixed(2, Duration.ofMinutes(5))).build(),
            TaskDefinition.builder("slow").schedule("every:PT1M").overlap(OverlapPolicy.QUEUE_ONE).build(),
            TaskDefinition.builder("ticks").schedule("every:PT1M").misfire(MisfirePolicy.catchUp(5)).build(),
            TaskDefinition.builder("skipper").schedule("cron:0 3 * * *").misfire(MisfirePolicy.skip()).build());

    AcceptedWorkTest() {
        start();
        provider.behaviour = e -> e.taskId().id().equals("flaky") && e.attempt() == 1
                ? TaskResult.failure("first attempt fails") : TaskResult.success("ok");
    }

    /** A new process on the same store: the previous engine is dropped as a crash would leave it. */
    private void start() {
        workers = new ManualExecutor();
        engine = new SchedulerEngine(clock, Runnable::run, new ExecutorWorkers(workers), store,
                Settings.defaults(ZoneId.of("UTC"), Duration.ofSeconds(2)));
        engine.recover(); // not start(): no timer thread, the test moves time by hand
        engine.providerAdded(ProviderHandle.forProvider("p", 1, "p 1.0.0", "provider", provider));
    }

    private void advance(Duration d) {
        clock.advance(d);
        engine.timer().runDue();
        workers.runAll();
    }

    private List<String> pendingIds() {
        return store.pendingRuns().stream().map(PendingRun::runId).toList();
    }

    private List<String> pendingIds(TaskId task) {
        return store.pendingRuns().stream().filter(p -> p.taskId().equals(task)).map(PendingRun::runId).toList();
    }

    private long executions(String taskId) {
        return provider.calls.stream().filter(c -> c.startsWith(taskId + "@")).count();
    }

    @Test
    void aSubmissionForLaterIsStoredBeforeSubmitReturnsAndRunsOnceAfterACrash() {
        String runId = engine.submit(JOB, Map.of("k", "v"), Optional.of(T0.plusSeconds(20)), Set.of());
        assertEquals(List.of(runId), pendingIds(JOB), "stored before submit returned");

        start(); // crash and restart before it was due
        advance(Duration.ofSeconds(19));
        assertEquals(0, executions("job"), "not before its time");
        advance(Duration.ofSeconds(1));
        RunRecord run = engine.run(runId).orElseThrow();
        assertEquals(RunStatus.SUCCEEDED, run.status());
        assertEquals(RunTrigger.SUBMISSION, run.trigger());
        assertEquals(Map.of("k", "v"), run.arguments());
        assertEquals(List.of(), pendingIds(JOB), "its final record ended it");

        start(); // and once finished, it never runs again
        advance(Duration.ofMinutes(1));
        assertEquals(1, executions("job"));
    }

    @Test
    void aSubmissionDueWhileDownRunsAtOnceAfterTheRestart() {
        String runId = engine.submit(JOB, Map.of(), Optional.of(T0.plusSeconds(5)), Set.of());
        clock.advance(Duration.ofMinutes(10)); // down past its due time
        start();
        workers.runAll();
        assertEquals(RunStatus.SUCCEEDED, engine.run(runId).orElseThrow().status());
        assertEquals(1, executions("job"));
    }

    @Test
    void aSubmissionDueWhileDownIsRecordedSkippedUnderMisfirePolicySkip() {
        String runId = engine.submit(TaskId.parse("p:skipper"), Map.of(), Optional.of(T0.plusSeconds(5)), Set.of());
        clock.advance(Duration.ofMinutes(10));
        start();
        workers.runAll();
        RunRecord run = engine.run(runId).orElseThrow();
        assertEquals(RunStatus.SKIPPED, run.status());
        assertTrue(run.message().contains("misfire policy SKIP"), run.message());
        assertEquals(0, executions("skipper"));
        assertTrue(store.pendingRuns().stream().noneMatch(p -> p.runId().equals(runId)), "the record ended it");
    }

    @Test
    void aTriggerIsStoredBeforeItsRunIdIsReturnedAndRunsAfterACrashBeforeItStarted() {
        String runId = engine.trigger(JOB, RunTrigger.MANUAL, Map.of());
        assertEquals(List.of(runId), pendingIds(JOB));
        start(); // the worker never got to it
        workers.runAll();
        assertEquals(RunStatus.SUCCEEDED, engine.run(runId).orElseThrow().status());
        assertEquals(1, executions("job"));
    }

    @Test
    void aFailedRunAndItsRetryAreStoredTogetherAndTheRetryFiresAtItsTimeAfterACrash() {
        String first = engine.trigger(FLAKY, RunTrigger.MANUAL, Map.of("chain", "c1"));
        workers.runAll();
        assertEquals(RunStatus.FAILED, engine.run(first).orElseThrow().status());
        List<PendingRun> pending = store.pendingRuns().stream().filter(p -> p.taskId().equals(FLAKY)).toList();
        assertEquals(1, pending.size(), pending.toString());
        PendingRun retry = pending.get(0);
        assertEquals(RunTrigger.RETRY, retry.trigger());
        assertEquals(2, retry.attempt());
        assertEquals(T0.plus(Duration.ofMinutes(5)), retry.due());
        assertEquals("retry:" + first, retry.occurrence());

        start();
        advance(Duration.ofMinutes(4));
        assertEquals(1, executions("flaky"), "not before its due time");
        advance(Duration.ofMinutes(1));
        RunRecord second = engine.run(retry.runId()).orElseThrow();
        assertEquals(RunStatus.SUCCEEDED, second.status());
        assertEquals(2, second.attempt());
        assertEquals(Map.of("chain", "c1"), second.arguments());
        assertEquals(List.of(), pendingIds(FLAKY));
    }

    @Test
    void aRunLeftRunningByACrashIsAbandonedAndItsRetryDecisionSurvivesASecondCrash() {
        provider.behaviour = e -> {
            throw new IllegalStateException("never here: the process dies first");
        };
        // the run's RUNNING record is on disk, then the process dies inside task code
        String runId = "crashed-1";
        store.write(RunBatch.of(List.of(new RunRecord(runId, FLAKY, RunTrigger.SCHEDULE, 1, RunStatus.RUNNING, T0,
                Optional.of(T0), Optional.empty(), "", Map.of(), Map.of("a", "1")))));
        provider.behaviour = e -> TaskResult.success("ok");
        // a process that recovers it but dies before the task registers
        workers = new ManualExecutor();
        SchedulerEngine recovering = new SchedulerEngine(clock, Runnable::run, new ExecutorWorkers(workers), store,
                Settings.defaults(ZoneId.of("UTC"), Duration.ofSeconds(2)));
        recovering.recover();
        assertEquals(RunStatus.ABANDONED, store.run(runId).orElseThrow().status());
        assertEquals(List.of(runId + ".decision"), pendingIds(FLAKY), "the decision is stored with the ABANDONED record");

        start(); // the decision is made once the task is registered: a retry in 5 minutes
        List<PendingRun> flakyPending = store.pendingRuns().stream().filter(p -> p.taskId().equals(FLAKY)).toList();
        assertEquals(1, flakyPending.size(), flakyPending.toString());
        PendingRun retry = flakyPending.get(0);
        assertEquals(RunTrigger.RETRY, retry.trigger());
        assertEquals(2, retry.attempt());
        assertTrue(store.run(runId).orElseThrow().message().contains("retry"), store.run(runId).toString());
        advance(Duration.ofMinutes(5));
        assertEquals(RunStatus.SUCCEEDED, engine.run(retry.runId()).orElseThrow().status());
        assertEquals(Map.of("a", "1"), engine.run(retry.runId()).orElseThrow().arguments());
        assertEquals(List.of(), pendingIds(FLAKY));
    }

    @Test
    void aFireQueuedBehindARunningOneSurvivesACrash() {
        SchedulerEngineTest.TestProvider p = provider;
        clock.advance(Duration.ofMinutes(1));
        engine.timer().runDue(); // slow fires; its run waits at the worker
        clock.advance(Duration.ofMinutes(1));
        engine.timer().runDue(); // fires again while the first has not ended: QUEUE_ONE keeps it
        List<PendingRun> pending = store.pendingRuns().stream().filter(r -> r.taskId().equals(SLOW)).toList();
        assertEquals(1, pending.size(), store.pendingRuns().toString());
        assertEquals(RunTrigger.SCHEDULE, pending.get(0).trigger());
        // the first fire (at registration) waits at the worker; a later one is the one kept waiting
        PendingRun kept = pending.get(0);
        assertEquals("fire:" + kept.scheduledTime(), kept.occurrence());
        assertTrue(kept.scheduledTime().isAfter(T0), kept.toString());

        start(); // the queued fire runs after the restart, under its own run id
        workers.runAll();
        for (int i = 0; i < 5; i++) { // beside the fire at registration: the task's own lock serializes them
            advance(Duration.ofSeconds(2));
        }
        RunRecord queued = engine.run(pending.get(0).runId()).orElseThrow();
        assertEquals(RunStatus.SUCCEEDED, queued.status());
        assertEquals(kept.scheduledTime(), queued.scheduledTime());
        assertTrue(p.calls.size() >= 2);
    }

    @Test
    void missedFiresBeingCaughtUpAreStoredAndTheRestRunAfterACrash() {
        engine.pauseAll(true);
        for (int i = 0; i < 4; i++) { // 4 fires of ticks missed while paused
            clock.advance(Duration.ofMinutes(1));
            engine.timer().runDue();
        }
        engine.pauseAll(false); // catch-up starts: the first missed fire is dispatched, the others wait
        List<PendingRun> missed = store.pendingRuns().stream()
                .filter(r -> r.trigger() == RunTrigger.MISFIRE && r.taskId().id().equals("ticks")).toList();
        assertEquals(4, missed.size(), store.pendingRuns().toString());

        start(); // crash before any catch-up run ended
        for (int i = 0; i < 6; i++) {
            advance(Duration.ofSeconds(2)); // one after another, beside the fire at registration
        }
        for (PendingRun m : missed) {
            assertEquals(RunStatus.SUCCEEDED, engine.run(m.runId()).orElseThrow().status(), m.toString());
        }
        assertTrue(store.pendingRuns().stream().noneMatch(r -> r.trigger() == RunTrigger.MISFIRE));
    }

    @Test
    void aStoreThatCannotStoreASubmissionFailsTheCallAndNothingRuns() {
        storeFails.set(true);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> engine.submit(JOB, Map.of(), Optional.of(T0.plusSeconds(5)), Set.of()));
        assertTrue(e.getMessage().contains("not accepted") && e.getMessage().contains("disk full"), e.getMessage());
        IllegalStateException now = assertThrows(IllegalStateException.class,
                () -> engine.trigger(JOB, RunTrigger.MANUAL, Map.of()));
        assertTrue(now.getMessage().contains("not accepted"), now.getMessage());
        storeFails.set(false);
        advance(Duration.ofMinutes(1));
        assertEquals(0, executions("job"), "a run the caller was told failed never runs");
        assertEquals(0, engine.stats().pendingRetries());
        assertTrue(engine.task(JOB).orElseThrow().lastStatus().isEmpty());
    }

    @Test
    void aScheduledFireWaitingForALockIsStoredAndRunsAfterACrash() {
        SchedulerEngineTest.TestProvider locked = new SchedulerEngineTest.TestProvider(
                TaskDefinition.builder("a").schedule("every:PT1M").lockKeys("db").build(),
                TaskDefinition.builder("b").schedule("every:PT1M").lockKeys("db").build());
        engine.providerAdded(ProviderHandle.forProvider("q", 2, "q 1.0.0", "provider", locked));
        clock.advance(Duration.ofMinutes(1));
        engine.timer().runDue(); // both fire; one holds "db", the other waits for it
        List<PendingRun> waiting = store.pendingRuns().stream().filter(r -> r.taskId().toString().startsWith("q:"))
                .toList();
        assertEquals(1, waiting.size(), store.pendingRuns().toString() + engine.runs(TaskId.parse("q:a"), 10)
                + engine.runs(TaskId.parse("q:b"), 10) + engine.tasks());
        assertEquals(RunTrigger.SCHEDULE, waiting.get(0).trigger());

        start();
        engine.providerAdded(ProviderHandle.forProvider("q", 2, "q 1.0.0", "provider", locked));
        workers.runAll();
        for (int i = 0; i < 5; i++) { // the fires at registration contend for the lock too: one after another
            advance(Duration.ofSeconds(2));
        }
        assertEquals(RunStatus.SUCCEEDED, engine.run(waiting.get(0).runId()).orElseThrow(
                () -> new AssertionError(store.pendingRuns() + " " + engine.stats())).status());
    }

    @Test
    void deletingAnAdHocTaskDeletesItsAcceptedRuns() {
        TaskId adHoc = engine.addTask(7, "ad", "ad 1.0.0", TaskDefinition.builder("once").schedule("cron:0 3 * * *")
                .build(), e -> TaskResult.success("ok"), false);
        engine.submit(adHoc, Map.of(), Optional.of(T0.plusSeconds(30)), Set.of());
        assertEquals(1, store.pendingRuns().stream().filter(r -> r.taskId().equals(adHoc)).count());
        assertTrue(engine.removeTask(adHoc));
        engine.timer().runDue();
        assertEquals(0, store.pendingRuns().stream().filter(r -> r.taskId().equals(adHoc)).count());
    }

    @Test
    void aStoreSwitchCarriesAcceptedRunsOverAndTheNewStoreEndsThem() {
        String runId = engine.submit(JOB, Map.of("k", "v"), Optional.of(T0.plusSeconds(30)), Set.of());
        InMemoryTaskStore other = new InMemoryTaskStore(100);
        engine.store(other);
        assertEquals(List.of(runId), other.pendingRuns().stream().filter(p -> p.taskId().equals(JOB))
                .map(PendingRun::runId).toList(), "copied with the runs");
        advance(Duration.ofSeconds(30));
        assertEquals(RunStatus.SUCCEEDED, other.run(runId).orElseThrow().status());
        assertTrue(other.pendingRuns().stream().noneMatch(p -> p.runId().equals(runId)), "ended in the new store");
        assertEquals(1, executions("job"));
    }

    @Test
    void anAdHocTaskAddedAgainAfterARestartKeepsItsPlannedFire() {
        TaskDefinition hourly = TaskDefinition.builder("hourly").schedule("every:PT1H").build();
        int[] runs = {0};
        TaskId id = engine.addTask(9, "ad", "ad 1.0.0", hourly, e -> {
            runs[0]++;
            return TaskResult.success("ok");
        }, true);
        engine.timer().runDue(); // the first fire, at registration
        workers.runAll();
        assertEquals(1, runs[0]);
        Instant planned = engine.task(id).orElseThrow().nextFire().orElseThrow();
        assertEquals(T0.plus(Duration.ofHours(1)), planned);
        engine.releaseAdHoc(9); // its bundle stops: the task goes dormant
        engine.stop();

        clock.advance(Duration.ofMinutes(20));
        start();
        engine.addTask(9, "ad", "ad 1.0.1", hourly, e -> {
            runs[0]++;
            return TaskResult.success("ok");
        }, true);
        engine.timer().runDue();
        workers.runAll();
        assertEquals(Optional.of(planned), engine.task(id).orElseThrow().nextFire(), "the same phase");
        assertEquals(1, runs[0], "no extra run at the re-add");
    }

    @Test
    void aRunWaitingForALockWhileItsPluginIsUpdatedRunsOnTheNewRegistrationWithoutARestart() {
        SchedulerEngineTest.TestProvider locked = new SchedulerEngineTest.TestProvider(
                TaskDefinition.builder("holder").schedule("cron:0 3 * * *").lockKeys("db").build(),
                TaskDefinition.builder("waiter").schedule("cron:0 3 * * *").lockKeys("db").build());
        ProviderHandle first = ProviderHandle.forProvider("q", 2, "q 1.0.0", "provider", locked);
        engine.providerAdded(first);
        engine.trigger(TaskId.parse("q:holder"), RunTrigger.MANUAL, Map.of()); // holds db at a worker
        String waiting = engine.submit(TaskId.parse("q:waiter"), Map.of("k", "v"), Optional.empty(), Set.of());
        engine.providerRemoved(first); // the update: the waiting submission never started
        engine.providerAdded(ProviderHandle.forProvider("q", 3, "q 1.0.1", "provider", locked));
        for (int i = 0; i < 3; i++) {
            advance(Duration.ofSeconds(2)); // its lock retry falls due: the old registration is gone
        }
        RunRecord run = engine.run(waiting).orElseThrow(() -> new AssertionError(store.pendingRuns().toString()));
        assertEquals(RunStatus.SUCCEEDED, run.status());
        assertEquals(Map.of("k", "v"), run.arguments());
    }

    @Test
    void aStoreSwitchWhileCatchingUpRunsEachMissedFireOnce() {
        engine.pauseAll(true);
        for (int i = 0; i < 3; i++) {
            clock.advance(Duration.ofMinutes(1));
            engine.timer().runDue();
        }
        engine.pauseAll(false); // catch-up: the first missed fire of ticks at a worker, the others queued
        List<PendingRun> missed = store.pendingRuns().stream()
                .filter(r -> r.trigger() == RunTrigger.MISFIRE && r.taskId().id().equals("ticks")).toList();
        assertEquals(3, missed.size());
        InMemoryTaskStore other = new InMemoryTaskStore(1000);
        engine.store(other); // copies them; none of them may be restored beside the catch-up already under way
        for (int i = 0; i < 8; i++) {
            advance(Duration.ofSeconds(2));
        }
        for (PendingRun m : missed) {
            assertEquals(RunStatus.SUCCEEDED, other.run(m.runId()).orElseThrow().status(), m.toString());
        }
        long executed = provider.calls.stream().filter(c -> c.startsWith("ticks@")
                && missed.stream().anyMatch(m -> c.equals("ticks@" + m.scheduledTime()))).count();
        assertEquals(3, executed, provider.calls.toString());
    }
}
