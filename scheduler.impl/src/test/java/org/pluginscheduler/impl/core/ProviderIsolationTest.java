package org.pluginscheduler.impl.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.pluginscheduler.api.ProviderProblem;
import org.pluginscheduler.api.RetryDecision;
import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.RunTrigger;
import org.pluginscheduler.api.TaskDefinition;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.TaskResult;
import org.pluginscheduler.api.store.RunBatch;
import org.pluginscheduler.impl.core.SchedulerEngineTest.TestProvider;
import org.pluginscheduler.impl.store.InMemoryTaskStore;

/**
 * A provider whose {@code tasks()} blocks costs that provider alone: other plugins register (and fire) meanwhile,
 * the blocked one is reported with a since-time, nothing of a provider that went away is applied, and stuck-run
 * handling and crash recovery go on. Threads are real where the isolation is the point (the control thread, a
 * thread per read, the plugin-call threads); time is the test's clock, so timeouts happen when the test says.
 */
class ProviderIsolationTest {

    private static final Instant T0 = Instant.parse("2026-06-01T10:00:00Z");
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private final MutableClock clock = new MutableClock(T0);
    private final ManualExecutor workers = new ManualExecutor();
    private final InMemoryTaskStore store = new InMemoryTaskStore(100);
    private final ExecutorService control = Executors.newSingleThreadExecutor(r -> new Thread(r, "test-control"));
    private final ExecutorService pluginCalls = Executors.newFixedThreadPool(2, r -> new Thread(r, "test-plugin-call"));
    private final AtomicInteger readThreads = new AtomicInteger();
    /** Work handed to the control thread. */
    private final AtomicInteger controlTasks = new AtomicInteger();
    /** Released at the end of every test, so no thread outlives it. */
    private final CountDownLatch release = new CountDownLatch(1);
    /** The names of the threads {@code tasks()} of every provider ran on. */
    private final List<String> readOn = new CopyOnWriteArrayList<>();
    private ExecutorWorkers runs = new ExecutorWorkers(workers);
    private SchedulerEngine engine;

    private SchedulerEngine engine() {
        if (engine == null) {
            CoreThreads threads = new CoreThreads(r -> {
                        controlTasks.incrementAndGet();
                        control.execute(r);
                    },
                    read -> new Thread(read, "test-read-" + readThreads.incrementAndGet()).start(), pluginCalls,
                    Runnable::run);
            engine = new SchedulerEngine(clock, threads, runs, store,
                    Settings.defaults(ZoneId.of("UTC"), Duration.ofSeconds(1)).withProviderReadTimeout(TIMEOUT),
                    false);
        }
        return engine;
    }

    @AfterEach
    void tearDown() {
        release.countDown();
        control.shutdownNow();
        pluginCalls.shutdownNow();
    }

    /** A provider that records where it is read. */
    private class Recording extends TestProvider {
        Recording(TaskDefinition... tasks) {
            super(tasks);
        }

        @Override
        public List<TaskDefinition> tasks() {
            readOn.add(Thread.currentThread().getName());
            return super.tasks();
        }
    }

    /** Lists its tasks only once the test releases it, ignoring interruption; counts calls in progress. */
    private final class Blocking extends Recording {
        final AtomicInteger inside = new AtomicInteger();
        final AtomicInteger mostInside = new AtomicInteger();
        final AtomicInteger calls = new AtomicInteger();

        Blocking(TaskDefinition... tasks) {
            super(tasks);
        }

        @Override
        public List<TaskDefinition> tasks() {
            calls.incrementAndGet();
            mostInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
            try {
                while (release.getCount() > 0) {
                    try {
                        release.await();
                    } catch (InterruptedException ignored) {
                        // hostile on purpose: interruption does not free this thread
                    }
                }
                return super.tasks();
            } finally {
                inside.decrementAndGet();
            }
        }
    }

    private static TaskDefinition task(String id) {
        return TaskDefinition.builder(id).schedule("every:PT1S").build();
    }

    private ProviderHandle add(String owner, String label, TestProvider provider) {
        ProviderHandle handle = ProviderHandle.forProvider(owner, 1, owner + " 1.0.0", label, provider);
        engine().providerAdded(handle);
        return handle;
    }

    private boolean registered(String id) {
        return engine().task(TaskId.parse(id)).isPresent();
    }

    /** Waits up to 2 s of real time for the condition. */
    private static boolean within2s(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(2);
        }
        return true;
    }

    /** Waits until everything queued on the control thread so far has run. */
    private void controlDrained() throws Exception {
        control.submit(() -> { }).get(2, TimeUnit.SECONDS);
    }

    private void passTimeout() {
        clock.advance(TIMEOUT);
        engine().timer().runDue();
    }

    @Test
    void aPluginAskingForReloadsInALoopKeepsOneApplyWaitingNotOnePerRead() throws InterruptedException {
        TestProvider provider = new Recording(TaskDefinition.builder("t").schedule("cron:0 3 * * *").build());
        ProviderHandle handle = ProviderHandle.forProvider("loop", 1, "loop 1", "provider", provider);
        engine().providerAdded(handle);
        assertTrue(within2s(() -> engine().task(TaskId.parse("loop:t")).isPresent()));
        CountDownLatch gate = new CountDownLatch(1);
        control.execute(() -> { // the control thread is busy (applying a long list of another plugin, say)
            try {
                gate.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        int before = controlTasks.get();
        int reads = readOn.size();
        for (int i = 0; i < 200; i++) {
            engine().providerModified(handle); // reloadTasks() in a loop
            Thread.sleep(1); // each read ends before the next request, so none merges into a read in progress
        }
        assertTrue(within2s(() -> readOn.size() > reads + 100), "the reads happen: " + (readOn.size() - reads));
        assertTrue(controlTasks.get() - before <= 2, "applies waiting on the control thread: "
                + (controlTasks.get() - before));
        gate.countDown();
        assertTrue(within2s(() -> engine().task(TaskId.parse("loop:t")).isPresent()));
    }

    void aProviderAddedAfterABlockedOneRegistersAndFiresWhileTheBlockedOneIsReported() throws Exception {
        Blocking hostile = new Blocking(task("a"));
        add("hostile", "blocking provider", hostile);
        assertTrue(within2s(() -> hostile.inside.get() == 1));
        Recording good = new Recording(task("b"));
        add("good", "good provider", good);

        assertTrue(within2s(() -> registered("good:b")), "registered while the other provider blocks in tasks()");
        assertEquals(List.of(), engine().providerProblems(), "within its time, a slow read is no problem yet");
        assertTrue(readOn.stream().noneMatch(name -> name.equals("test-control")),
                "no provider code on the control thread: " + readOn);

        passTimeout();
        ProviderProblem problem = engine().providerProblems().get(0);
        assertEquals(1, engine().providerProblems().size());
        assertEquals("hostile", problem.owner());
        assertEquals("blocking provider", problem.provider());
        assertEquals(T0, problem.since(), "since the read began");
        assertTrue(problem.reason().contains("tasks() has not returned within PT10S")
                && problem.reason().contains("test-read-"), problem.reason());
        assertEquals(List.of(problem), engine().stats().providerProblems());

        workers.runAll(); // the good task fires; the hostile one does not exist
        assertFalse(good.calls.isEmpty());
        assertFalse(registered("hostile:a"));

        release.countDown();
        assertTrue(within2s(() -> registered("hostile:a")), "its list is applied once it returns");
        assertTrue(within2s(() -> engine().providerProblems().isEmpty()), "and it is no problem any more");
    }

    @Test
    void nothingOfAProviderThatWentAwayWhileBlockedIsApplied() throws Exception {
        Blocking hostile = new Blocking(task("a"));
        ProviderHandle handle = add("hostile", "blocking provider", hostile);
        assertTrue(within2s(() -> hostile.inside.get() == 1));
        passTimeout();
        engine().providerRemoved(handle);

        ProviderProblem orphan = engine().providerProblems().get(0);
        assertTrue(orphan.reason().contains("went away") && orphan.reason().contains("is held until it returns"),
                orphan.reason());

        release.countDown();
        assertTrue(within2s(() -> hostile.inside.get() == 0));
        assertTrue(within2s(() -> engine().providerProblems().isEmpty()), "the thread is free: nothing to report");
        controlDrained();
        assertFalse(registered("hostile:a"), "a provider that went away contributes nothing");
        assertTrue(store.loadTask(TaskId.parse("hostile:a")).isEmpty());
    }

    @Test
    void readsOfOneProviderAreSerializedAndRequestsWhileOneBlocksMakeOneMoreRead() throws Exception {
        Blocking hostile = new Blocking(task("a"));
        ProviderHandle handle = add("hostile", "blocking provider", hostile);
        assertTrue(within2s(() -> hostile.inside.get() == 1));
        for (int i = 0; i < 5; i++) {
            engine().providerModified(handle);
        }
        passTimeout();
        assertEquals(1, hostile.inside.get(), "no second read while the first blocks");

        release.countDown();
        assertTrue(within2s(() -> hostile.calls.get() == 2 && hostile.inside.get() == 0));
        controlDrained();
        assertEquals(1, hostile.mostInside.get());
        assertEquals(2, hostile.calls.get(), "five requests while blocked made one read");
        assertTrue(registered("hostile:a"));
    }

    @Test
    void aPluginWithManyBlockedProvidersHoldsABoundedNumberOfThreadsAndOthersStillRegister() throws Exception {
        List<Blocking> hostile = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            Blocking p = new Blocking(task("a" + i));
            hostile.add(p);
            add("hostile", "blocking provider " + i, p);
        }
        BooleanSupplier twoInside = () -> hostile.stream().mapToInt(p -> p.inside.get()).sum() == ProviderReads.PER_OWNER;
        assertTrue(within2s(twoInside));
        passTimeout();
        add("good", "good provider", new Recording(task("b")));
        assertTrue(within2s(() -> registered("good:b")));
        assertTrue(twoInside.getAsBoolean(), "the hostile plugin's other reads wait for its blocked ones");
        assertEquals(ProviderReads.PER_OWNER, readThreads.get() - 1, "threads: two for the hostile plugin, one for good");
        assertEquals(ProviderReads.PER_OWNER, engine().providerProblems().size());

        release.countDown(); // every hostile provider is read in the end, two at a time
        assertTrue(within2s(() -> hostile.stream().allMatch(p -> p.calls.get() == 1)));
        assertTrue(within2s(() -> registered("hostile:a9")));
        assertTrue(hostile.stream().allMatch(p -> p.mostInside.get() == 1));
    }

    @Test
    void crashRecoveryAndStuckRunsGoOnWhileAProviderBlocks() throws Exception {
        // a run the previous process left RUNNING
        TaskId good = TaskId.parse("good:b");
        store.write(RunBatch.of(List.of(new RunRecord("crashed-1", good, RunTrigger.SCHEDULE, 1, RunStatus.RUNNING,
                T0, Optional.of(T0), Optional.empty(), "", Map.of(), Map.of()))));
        ExecutorService pool = Executors.newCachedThreadPool();
        runs = new ExecutorWorkers(pool, clock, Duration.ofSeconds(5));
        try {
            engine().recover();
            assertEquals(RunStatus.ABANDONED, store.run("crashed-1").orElseThrow().status());
            Blocking hostile = new Blocking(task("a"));
            add("hostile", "blocking provider", hostile);
            assertTrue(within2s(() -> hostile.inside.get() == 1));

            // a failure handler that decides on the plugin-call thread: it records where it ran
            List<String> handlerOn = new CopyOnWriteArrayList<>();
            engine().handlers(List.of(new RetryDecider.Ranked(failure -> {
                handlerOn.add(Thread.currentThread().getName());
                return Optional.of(RetryDecision.giveUp("decided while a provider blocks"));
            }, 0, 1, "recording handler")));
            CountDownLatch stubborn = new CountDownLatch(1);
            Recording goodProvider = new Recording(TaskDefinition.builder("b").schedule("cron:0 3 * * *")
                    .timeout(Duration.ofSeconds(1)).build());
            goodProvider.behaviour = e -> {
                while (stubborn.getCount() > 0) {
                    try {
                        stubborn.await();
                    } catch (InterruptedException ignored) {
                        // ignores its timeout's interruption: it will be declared stuck
                    }
                }
                return TaskResult.success();
            };
            add("good", "good provider", goodProvider);
            assertTrue(within2s(() -> registered("good:b")));

            // crash recovery: the abandoned run is decided once its task registered, off the control thread
            assertTrue(within2s(() -> store.run("crashed-1").orElseThrow().message().contains("gave up")),
                    store.run("crashed-1").toString());

            // a stuck run's outcome is recorded
            engine().trigger(good, RunTrigger.MANUAL, Map.of());
            assertTrue(within2s(() -> goodProvider.calls.size() == 1));
            clock.advance(Duration.ofSeconds(1));
            runs.watch.runDue();
            clock.advance(Duration.ofSeconds(5));
            runs.watch.runDue();
            assertTrue(within2s(() -> engine().runs(good, 10).stream()
                    .anyMatch(r -> r.status() == RunStatus.TIMED_OUT && r.message().contains("stuck"))));
            assertEquals(1, hostile.inside.get(), "all of it while the hostile provider still blocks");
            assertTrue(handlerOn.size() >= 2 && handlerOn.stream().allMatch(n -> n.equals("task-failure-handler")),
                    "failure handlers run on threads of their own (asked with a time limit), never the control "
                    + "thread: " + handlerOn);
            stubborn.countDown();
        } finally {
            pool.shutdownNow();
        }
    }
}
