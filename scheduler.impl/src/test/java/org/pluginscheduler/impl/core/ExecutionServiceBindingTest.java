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
import java.util.concurrent.RejectedExecutionException;

import org.junit.jupiter.api.Test;
import org.pluginscheduler.api.MisfirePolicy;
import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.RunTrigger;
import org.pluginscheduler.api.TaskDefinition;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.execution.ExecutableRun;
import org.pluginscheduler.api.execution.ExecutionStats;
import org.pluginscheduler.api.execution.RunExecutor;
import org.pluginscheduler.impl.store.InMemoryTaskStore;

/**
 * The core without an execution service, with one that comes and goes, hands runs back or refuses them: fires
 * are held, never lost or run twice.
 */
class ExecutionServiceBindingTest {

    private static final Instant T0 = Instant.parse("2026-06-01T10:00:00Z");
    private final MutableClock clock = new MutableClock(T0);
    private final ManualExecutor workers = new ManualExecutor();
    private final InMemoryTaskStore store = new InMemoryTaskStore(100);
    private final SchedulerEngine engine = new SchedulerEngine(clock, Runnable::run, null, store,
            Settings.defaults(ZoneId.of("UTC"), Duration.ofSeconds(2)));
    private final SchedulerEngineTest.TestProvider provider = new SchedulerEngineTest.TestProvider(
            TaskDefinition.builder("tick").schedule("every:PT1M").misfire(MisfirePolicy.catchUp(10)).build(),
            TaskDefinition.builder("once").schedule("every:PT1M").build(),
            TaskDefinition.builder("locked").schedule("cron:0 3 * * *").lockKeys("db").build());

    /** Accepts runs into a queue the test drains, or hands them back, or refuses them. */
    private static class QueueExecutor implements RunExecutor {
        final List<ExecutableRun> queue = new ArrayList<>();
        boolean refuse;

        @Override
        public synchronized void execute(ExecutableRun run) {
            if (refuse) {
                throw new RejectedExecutionException("stopping");
            }
            queue.add(run);
        }

        @Override
        public void executeHere(ExecutableRun run) {
            run.run();
        }

        @Override
        public ExecutionStats stats() {
            return new ExecutionStats(List.of(), 0);
        }

        synchronized List<ExecutableRun> take() {
            List<ExecutableRun> taken = List.copyOf(queue);
            queue.clear();
            return taken;
        }

        void runAll() {
            take().forEach(ExecutableRun::run);
        }
    }

    private void register() {
        engine.providerAdded(ProviderHandle.forProvider("p", 1, "p 1.0.0", "provider", provider));
    }

    private void advance(Duration d) {
        clock.advance(d);
        engine.timer().runDue();
    }

    private List<RunRecord> runs(String id) {
        return engine.runs(TaskId.parse(id), 100);
    }

    @Test
    void withoutAnExecutionServiceFiresAreHeldAndRunPerTheirMisfirePolicyWhenOneArrives() {
        register();
        for (int minute = 0; minute < 3; minute++) {
            advance(Duration.ofMinutes(1)); // the fires at T0, T0+1m and T0+2m... pass, one timer wake-up each
        }
        assertTrue(provider.calls.isEmpty(), "nothing runs without an execution service");
        assertFalse(engine.stats().executing());
        assertEquals(List.of(), runs("p:tick"), "a held fire is not a run yet");

        QueueExecutor executor = new QueueExecutor();
        engine.executor(executor);
        for (int i = 0; i < 5; i++) {
            executor.runAll(); // catch-up runs one after another
        }
        assertTrue(engine.stats().executing());
        assertEquals(3, runs("p:tick").stream().filter(r -> r.trigger() == RunTrigger.MISFIRE).count(),
                "CATCH_UP runs every missed fire: " + provider.calls);
        assertEquals(1, runs("p:once").stream().filter(r -> r.trigger() == RunTrigger.MISFIRE).count(),
                "RUN_ONCE (the default) runs the missed fires once");
        assertTrue(runs("p:tick").stream().allMatch(r -> r.status() == RunStatus.SUCCEEDED));
    }

    @Test
    void theStatsCarryEachOwnersUseOfThePoolsFromTheExecutionService() {
        List<org.pluginscheduler.api.SchedulerStats.OwnerUsage> owners = List.of(
                new org.pluginscheduler.api.SchedulerStats.OwnerUsage("p", org.pluginscheduler.api.Priority.NORMAL,
                        4, 16, 1, 4));
        engine.executor(new QueueExecutor() {
            @Override
            public ExecutionStats stats() {
                return new ExecutionStats(List.of(), 1, owners);
            }
        });
        assertEquals(owners, engine.stats().owners());
        engine.executor(new QueueExecutor()); // one that says nothing about owners
        assertEquals(List.of(), engine.stats().owners());
    }

    @Test
    void triggeredRunsAndSubmissionsAreHeldAndHandedOverInOrderExactlyOnce() {
        register();
        String first = engine.trigger(TaskId.parse("p:locked"), RunTrigger.MANUAL, Map.of());
        String second = engine.submit(TaskId.parse("p:locked"), Map.of("n", "2"), Optional.empty(), Set.of());
        assertEquals(2, engine.stats().heldRuns());
        assertEquals(0, engine.stats().heldLocks(), "a held run holds no lock while it waits");

        QueueExecutor executor = new QueueExecutor();
        engine.executor(executor);
        assertEquals(0, engine.stats().heldRuns());
        executor.runAll();
        advance(Duration.ofSeconds(1)); // the second waited for the lock the first held
        executor.runAll();
        engine.executor(executor); // bound again (a re-registration): nothing runs twice
        executor.runAll();
        List<RunRecord> runs = runs("p:locked");
        assertEquals(Set.of(first, second), Set.copyOf(runs.stream().map(RunRecord::runId).toList()));
        assertEquals(2, provider.calls.stream().filter(c -> c.startsWith("locked@")).count(),
                provider.calls.toString());
    }

    @Test
    void aRunHandedBackUnstartedWaitsForTheNextExecutionServiceAndReleasesItsLocks() {
        register();
        QueueExecutor stopping = new QueueExecutor();
        engine.executor(stopping);
        String runId = engine.trigger(TaskId.parse("p:locked"), RunTrigger.MANUAL, Map.of());
        assertEquals(2, engine.stats().heldLocks(), "db and the task's own mutex");
        engine.executor(null); // the service is unregistered first, then hands back what has not started
        List<ExecutableRun> unstarted = stopping.take();
        assertEquals(1, unstarted.size(), unstarted.toString());
        unstarted.forEach(r -> r.rejected("the execution service is stopping"));
        assertEquals(0, engine.stats().heldLocks());
        assertEquals(1, engine.stats().heldRuns());

        QueueExecutor next = new QueueExecutor();
        engine.executor(next);
        next.runAll();
        assertEquals(RunStatus.SUCCEEDED, engine.run(runId).orElseThrow().status());
        assertEquals(1, provider.calls.stream().filter(c -> c.startsWith("locked@")).count());
    }

    @Test
    void aScheduledFireHandedBackUnstartedIsStoredAsAcceptedWork() {
        register();
        QueueExecutor stopping = new QueueExecutor();
        engine.executor(stopping);
        advance(Duration.ofMinutes(1)); // tick fires: a scheduled run, not stored while it goes straight to a worker
        List<ExecutableRun> unstarted = stopping.take();
        assertFalse(unstarted.isEmpty());
        assertTrue(store.pendingRuns().isEmpty(), store.pendingRuns().toString());
        engine.executor(null);
        unstarted.forEach(r -> r.rejected("the execution service is stopping"));
        assertEquals(unstarted.size(), engine.stats().heldRuns());
        assertEquals(Set.copyOf(unstarted.stream().map(ExecutableRun::runId).toList()),
                Set.copyOf(store.pendingRuns().stream().map(p -> p.runId()).toList()),
                "held again, each is a pending run: a crash now would not lose it");
    }

    @Test
    void aRefusedRunIsHeldNotLost() {
        register();
        QueueExecutor refusing = new QueueExecutor();
        refusing.refuse = true;
        engine.executor(refusing);
        String runId = engine.trigger(TaskId.parse("p:locked"), RunTrigger.MANUAL, Map.of());
        assertEquals(1, engine.stats().heldRuns());
        assertEquals(0, engine.stats().heldLocks());
        refusing.refuse = false;
        engine.executor(refusing);
        refusing.runAll();
        assertEquals(RunStatus.SUCCEEDED, engine.run(runId).orElseThrow().status());
    }

    @Test
    void aHeldRunOfATaskThatGoesAwayStaysAcceptedAndRunsOnceWhenTheTaskIsBack() {
        ProviderHandle handle = ProviderHandle.forProvider("p", 1, "p 1.0.0", "provider", provider);
        engine.providerAdded(handle);
        String runId = engine.trigger(TaskId.parse("p:locked"), RunTrigger.MANUAL, Map.of());
        assertEquals(1, engine.stats().heldRuns());
        engine.providerRemoved(handle);
        assertEquals(0, engine.stats().heldRuns());
        assertTrue(engine.run(runId).isEmpty(), "not recorded cancelled: it never started and is still accepted");
        assertEquals(List.of(runId), store.pendingRuns().stream().map(p -> p.runId()).toList());
        QueueExecutor executor = new QueueExecutor();
        engine.executor(executor);
        assertTrue(executor.take().isEmpty(), "nothing handed over while its task is away");
        assertTrue(provider.calls.isEmpty(), provider.calls.toString());

        engine.providerAdded(ProviderHandle.forProvider("p", 2, "p 1.0.1", "provider", provider));
        executor.runAll();
        RunRecord run = engine.run(runId).orElseThrow();
        assertEquals(RunStatus.SUCCEEDED, run.status());
        assertEquals(RunTrigger.MANUAL, run.trigger());
        assertEquals(1, provider.calls.size(), provider.calls.toString());
        assertTrue(provider.calls.get(0).startsWith("locked"), provider.calls.toString());
        assertTrue(store.pendingRuns().isEmpty(), "its final record ended the pending run");
    }

    @Test
    void stoppingWhileRunsAreHeldKeepsThemAcceptedAndTheNextStartRunsThemOnce() {
        register();
        String triggered = engine.trigger(TaskId.parse("p:locked"), RunTrigger.MANUAL, Map.of());
        String submitted = engine.submit(TaskId.parse("p:once"), Map.of("k", "v"), Optional.empty(), Set.of());
        engine.stop();
        for (String runId : List.of(triggered, submitted)) {
            assertTrue(engine.run(runId).isEmpty(), runId + " was recorded although it never started");
        }
        assertEquals(Set.of(triggered, submitted),
                Set.copyOf(store.pendingRuns().stream().map(p -> p.runId()).toList()));

        SchedulerEngine next = new SchedulerEngine(clock, Runnable::run, null, store,
                Settings.defaults(ZoneId.of("UTC"), Duration.ofSeconds(2)));
        next.recover();
        QueueExecutor executor = new QueueExecutor();
        next.executor(executor);
        next.providerAdded(ProviderHandle.forProvider("p", 1, "p 1.0.0", "provider", provider));
        executor.runAll();
        for (String runId : List.of(triggered, submitted)) {
            assertEquals(RunStatus.SUCCEEDED, next.run(runId).orElseThrow().status(), runId);
        }
        assertEquals(Map.of("k", "v"), next.run(submitted).orElseThrow().arguments());
        assertEquals(2, provider.calls.size(), provider.calls.toString());
        assertTrue(store.pendingRuns().isEmpty());
        next.stop();
    }

    @Test
    void aCallWithoutAnExecutionServiceFailsNamingWhy() {
        register();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> engine.call(TaskId.parse("p:once"), Map.of()));
        assertEquals("task p:once cannot run now: no execution service is available (fires are held until one "
                + "returns)", e.getMessage());
        engine.executor(new QueueExecutor());
        assertEquals(RunStatus.SUCCEEDED, engine.call(TaskId.parse("p:once"), Map.of()).status());
    }

    @Test
    void aPluginCannotDriveItsOwnRunThroughItsContext() {
        register();
        engine.executor(new QueueExecutor());
        Object[] seen = new Object[1];
        provider.behaviour = e -> {
            seen[0] = e;
            return org.pluginscheduler.api.TaskResult.success();
        };
        engine.call(TaskId.parse("p:once"), Map.of());
        assertFalse(seen[0] instanceof ExecutableRun, "the task's context is not the executor's hand-off");
    }

    @Test
    void aRunHandedBackByAnExecutionServiceThatWasReplacedGoesToTheOneBoundNow() {
        register();
        QueueExecutor first = new QueueExecutor();
        engine.executor(first);
        String runId = engine.trigger(TaskId.parse("p:locked"), RunTrigger.MANUAL, Map.of());
        QueueExecutor better = new QueueExecutor();
        engine.executor(better); // a better one is bound first, then the first one stops and hands back its queue
        first.take().forEach(r -> r.rejected("the execution service is stopping"));
        assertEquals(0, engine.stats().heldRuns(), "not held: an execution service is bound");
        better.runAll();
        assertEquals(RunStatus.SUCCEEDED, engine.run(runId).orElseThrow().status());
        assertEquals(0, engine.stats().heldLocks(), "nothing keeps the task busy");
        engine.trigger(TaskId.parse("p:locked"), RunTrigger.MANUAL, Map.of());
        assertEquals(1, better.take().size(), "the next trigger runs, not skipped as overlapping a lost run");
    }

    @Test
    void anExecutionServiceCallingARunTwiceOrAfterHandingItBackDoesNotRunTheTaskTwice() {
        register();
        QueueExecutor sloppy = new QueueExecutor();
        engine.executor(sloppy);
        engine.trigger(TaskId.parse("p:locked"), RunTrigger.MANUAL, Map.of());
        ExecutableRun run = sloppy.take().get(0);
        run.run();
        run.run();
        run.rejected("late");
        engine.trigger(TaskId.parse("p:locked"), RunTrigger.MANUAL, Map.of());
        ExecutableRun second = sloppy.take().get(0);
        second.rejected("stopping");
        second.run();
        assertEquals(1, provider.calls.stream().filter(c -> c.startsWith("locked@")).count(), provider.calls.toString());
        assertEquals(1, engine.stats().heldRuns(), "the handed-back one waits, once");
    }

    @Test
    void anExecutionServiceThatThrowsSomethingElseLeavesNoLockHeld() {
        register();
        engine.executor(new QueueExecutor() {
            @Override
            public synchronized void execute(ExecutableRun run) {
                throw new IllegalStateException("broken executor");
            }
        });
        engine.trigger(TaskId.parse("p:locked"), RunTrigger.MANUAL, Map.of());
        assertEquals(0, engine.stats().heldLocks());
        assertEquals(1, engine.stats().heldRuns());
    }

    @Test
    void taskCodeHoldingItsContextsMonitorCannotBlockTheCore() throws Exception {
        ProviderHandle handle = ProviderHandle.forProvider("p", 1, "p 1.0.0", "provider", provider);
        engine.providerAdded(handle);
        QueueExecutor executor = new QueueExecutor();
        engine.executor(executor);
        java.util.concurrent.CountDownLatch holding = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        provider.behaviour = e -> {
            synchronized (e) { // hostile: keeps the monitor of its context, ignoring interrupts
                holding.countDown();
                while (release.getCount() > 0) {
                    try {
                        release.await();
                    } catch (InterruptedException ignored) {
                        // on purpose
                    }
                }
            }
            return org.pluginscheduler.api.TaskResult.success();
        };
        engine.trigger(TaskId.parse("p:locked"), RunTrigger.MANUAL, Map.of());
        ExecutableRun run = executor.take().get(0);
        Thread worker = new Thread(run::run, "hostile-task");
        worker.start();
        assertTrue(holding.await(5, java.util.concurrent.TimeUnit.SECONDS));
        Thread leaving = new Thread(() -> engine.providerRemoved(handle), "provider-leaves"); // cancels it
        leaving.start();
        java.util.concurrent.CompletableFuture<Integer> listed = java.util.concurrent.CompletableFuture
                .supplyAsync(() -> engine.tasks().size());
        try {
            listed.get(1, java.util.concurrent.TimeUnit.SECONDS); // the core lock is not stuck behind the task
        } finally {
            release.countDown();
            worker.join(5000);
            leaving.join(5000);
        }
    }
}
