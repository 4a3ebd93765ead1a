package org.pluginscheduler.impl.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.RunTrigger;
import org.pluginscheduler.api.TaskDefinition;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.TaskResult;
import org.pluginscheduler.impl.core.SchedulerEngineTest.TestProvider;
import org.pluginscheduler.impl.store.InMemoryTaskStore;

/**
 * {@link SchedulerEngine#quiesce()}, what the core does when the framework starts shutting down, before any plugin
 * stops: running runs get the grace period with their provider still there, then are cancelled; runs not started
 * stay unstarted and unrecorded; the later {@link SchedulerEngine#stop()} finds nothing to wait for. Real worker
 * threads: the waits are real.
 */
class QuiesceTest {

    private static final Duration GRACE = Duration.ofSeconds(1);
    private final MutableClock clock = new MutableClock(Instant.parse("2026-06-01T10:00:00Z"));
    private final ExecutorService pool = Executors.newFixedThreadPool(4);
    private final SchedulerEngine engine = new SchedulerEngine(clock, Runnable::run, new ExecutorWorkers(pool),
            new InMemoryTaskStore(100), Settings.defaults(ZoneId.of("UTC"), GRACE));
    private final CountDownLatch release = new CountDownLatch(1);
    private final TestProvider provider = new TestProvider(
            TaskDefinition.builder("work").schedule("cron:0 3 * * *").lockKeys("db").build(),
            TaskDefinition.builder("waiting").schedule("cron:0 3 * * *").lockKeys("db").build(),
            TaskDefinition.builder("long").schedule("cron:0 3 * * *").build());
    private final ProviderHandle handle = ProviderHandle.forProvider("p", 1, "p 1.0.0", "provider", provider);

    @AfterEach
    void shutdown() {
        release.countDown();
        pool.shutdownNow();
    }

    private List<RunRecord> runs(String id) {
        return engine.runs(TaskId.parse(id), 100);
    }

    private RunStatus status(String id, String runId) {
        return runs(id).stream().filter(r -> r.runId().equals(runId)).map(RunRecord::status).findFirst()
                .orElse(null);
    }

    private static void await(String what, java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "not within 5 s: " + what);
            Thread.sleep(5);
        }
    }

    @Test
    void runningRunsGetTheGracePeriodWithTheirProviderThenTheRestIsCancelledAndUnstartedRunsAreLeftAlone()
            throws Exception {
        provider.behaviour = e -> {
            try {
                if (e.taskId().id().equals("work")) {
                    assertTrue(release.await(10, TimeUnit.SECONDS));
                    return TaskResult.success("done");
                }
                Thread.sleep(60_000); // "long": until interrupted
                return TaskResult.success("slept");
            } catch (InterruptedException interrupted) {
                return TaskResult.failure("interrupted");
            }
        };
        engine.providerAdded(handle);
        String work = engine.trigger(TaskId.parse("p:work"), RunTrigger.MANUAL, Map.of());
        String slow = engine.trigger(TaskId.parse("p:long"), RunTrigger.MANUAL, Map.of());
        await("both runs RUNNING", () -> status("p:work", work) == RunStatus.RUNNING
                && status("p:long", slow) == RunStatus.RUNNING);
        // waits for the lock 'work' holds: created, not started
        String waiting = engine.trigger(TaskId.parse("p:waiting"), RunTrigger.MANUAL, Map.of());

        long start = System.nanoTime();
        CompletableFuture<Void> quiesced = CompletableFuture.runAsync(engine::quiesce);
        Thread.sleep(200);
        assertFalse(quiesced.isDone(), "quiesce waits for the running runs");
        assertFalse(handle.isGone(), "the provider is still there: nothing closed it");

        release.countDown();
        await("the released run finished", () -> status("p:work", work) == RunStatus.SUCCEEDED);
        assertFalse(quiesced.isDone(), "quiesce still waits for the run longer than the grace period");
        assertEquals(RunStatus.RUNNING, status("p:long", slow));

        quiesced.get(5, TimeUnit.SECONDS);
        long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(took >= GRACE.toMillis() && took < GRACE.toMillis() + 1500, "took " + took + " ms");
        RunRecord cut = runs("p:long").get(0);
        assertEquals(RunStatus.CANCELLED, cut.status(), cut.toString());
        assertTrue(cut.message().startsWith("cancelled: the scheduler is stopping"), cut.message());
        assertEquals(List.of(), runs("p:waiting"), "the run waiting for its lock is not recorded: " + waiting);
        assertFalse(provider.calls.stream().anyMatch(c -> c.startsWith("waiting@")), "nor started");
        assertFalse(handle.isGone(), "quiesce closes no provider");

        long stopStart = System.nanoTime();
        engine.stop();
        assertTrue(System.nanoTime() - stopStart < TimeUnit.MILLISECONDS.toNanos(GRACE.toMillis() / 2),
                "stop() after quiesce has nothing to wait for");
        assertTrue(handle.isGone());
    }

    @Test
    void noFiresAfterQuiesce() {
        TestProvider ticking = new TestProvider(TaskDefinition.builder("tick").schedule("every:PT1S").build());
        engine.providerAdded(ProviderHandle.forProvider("t", 2, "t 1.0.0", "ticking", ticking));
        engine.quiesce();
        clock.advance(Duration.ofSeconds(5));
        engine.timer().runDue();
        assertEquals(List.of(), ticking.calls, "a quiesced engine fires nothing");
        assertEquals(List.of(), runs("t:tick"));
        engine.stop();
    }
}
