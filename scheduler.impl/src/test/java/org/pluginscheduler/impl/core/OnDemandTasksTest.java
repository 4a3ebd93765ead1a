package org.pluginscheduler.impl.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

import org.junit.jupiter.api.Test;
import org.pluginscheduler.api.MisfirePolicy;
import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.RunTrigger;
import org.pluginscheduler.api.Schedule;
import org.pluginscheduler.api.TaskDefinition;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.TaskInfo;
import org.pluginscheduler.api.TaskResult;
import org.pluginscheduler.api.TaskState;
import org.pluginscheduler.impl.core.SchedulerEngineTest.TestProvider;
import org.pluginscheduler.impl.store.InMemoryTaskStore;

/**
 * On-demand tasks (no schedule: they run only when asked) and the lock keys a manual call holds, with a hand-moved
 * clock.
 */
class OnDemandTasksTest {

    private static final Instant T0 = Instant.parse("2026-06-01T10:00:00Z");
    private final MutableClock clock = new MutableClock(T0);
    private final ManualExecutor workers = new ManualExecutor();
    private final InMemoryTaskStore store = new InMemoryTaskStore(100);
    private final SchedulerEngine engine = new SchedulerEngine(clock, Runnable::run, new ExecutorWorkers(workers),
            store, new Settings(ZoneId.of("UTC"), Duration.ofSeconds(2), Duration.ofSeconds(1),
                    MisfirePolicy.runOnce(), List.of(), Map.of()));

    private void register(String owner, TestProvider provider) {
        engine.providerAdded(ProviderHandle.forProvider(owner, 1, owner + " 1.0.0", "provider of " + owner, provider));
    }

    private void advance(Duration d) {
        clock.advance(d);
        engine.timer().runDue();
        workers.runAll();
    }

    private List<RunRecord> runs(String id) {
        return engine.runs(TaskId.parse(id), 100);
    }

    @Test
    void anOnDemandTaskNeverFiresByItselfAndRunsEachTimeItIsAsked() {
        TestProvider provider = new TestProvider(TaskDefinition.builder("rebuild").schedule("on-demand").build());
        register("p", provider);
        TaskId id = TaskId.parse("p:rebuild");
        TaskInfo info = engine.task(id).orElseThrow();
        assertEquals(TaskState.ACTIVE, info.state());
        assertEquals("on-demand", info.scheduleText());
        assertEquals(Optional.empty(), info.nextFire());
        assertEquals(List.of(), engine.nextFires(id, 5));
        assertEquals(0, engine.timer().size(), "nothing armed for it");

        advance(Duration.ofDays(400));
        assertEquals(List.of(), provider.calls, "a year later it has not run by itself");

        engine.trigger(id, RunTrigger.MANUAL, Map.of());
        engine.submit(id, Map.of("scope", "all"), Optional.empty(), Set.of());
        engine.submit(id, Map.of("scope", "later"), Optional.of(clock.instant().plusSeconds(60)), Set.of());
        workers.runAll();
        assertEquals(1, provider.calls.size(), "the submission waits for the triggered run, as a periodic task's does");
        advance(Duration.ofSeconds(1)); // the lock retry delay
        assertEquals(2, provider.calls.size(), "then it runs");
        advance(Duration.ofSeconds(59));
        RunRecord called = engine.call(id, Map.of());
        assertEquals(RunStatus.SUCCEEDED, called.status());
        assertEquals(List.of(RunTrigger.CALL, RunTrigger.SUBMISSION, RunTrigger.SUBMISSION, RunTrigger.MANUAL),
                runs("p:rebuild").stream().map(RunRecord::trigger).toList(), "newest first: nothing else ran");
        assertEquals(Optional.empty(), engine.task(id).orElseThrow().nextFire());
        assertTrue(engine.describe(Schedule.onDemand()).startsWith("on demand"));
    }

    @Test
    void aTriggerWhileARunIsGoingFollowsTheOverlapPolicyAsForAPeriodicTask() {
        TestProvider provider = new TestProvider(TaskDefinition.builder("rebuild").schedule("on-demand").build());
        register("p", provider);
        TaskId id = TaskId.parse("p:rebuild");
        engine.trigger(id, RunTrigger.MANUAL, Map.of()); // handed to the workers, not yet run
        engine.trigger(id, RunTrigger.MANUAL, Map.of());
        workers.runAll();
        assertEquals(1, provider.calls.size());
        assertEquals(List.of(RunStatus.SKIPPED, RunStatus.SUCCEEDED).stream().sorted().toList(),
                runs("p:rebuild").stream().map(RunRecord::status).sorted().toList(), "SKIP: the second is skipped");
    }

    @Test
    void aPausedTaskMadeOnDemandDoesNotRunTheFiresItMissedWhenResumed() {
        TestProvider provider = new TestProvider(TaskDefinition.builder("sync").schedule("every:PT1M").build());
        register("p", provider);
        TaskId id = TaskId.parse("p:sync");
        advance(Duration.ZERO);
        engine.setPaused(id, true);
        advance(Duration.ofMinutes(5));
        engine.reschedule(id, Optional.of(Schedule.onDemand()));
        engine.setPaused(id, false);
        advance(Duration.ofMinutes(5));
        assertEquals(1, provider.calls.size(), "no misfire run: an on-demand task has no fires to make up");
    }

    @Test
    void anOperatorCanMakeAScheduledTaskOnDemandAndGiveItsScheduleBack() {
        TestProvider provider = new TestProvider(TaskDefinition.builder("sync").schedule("every:PT1M").build());
        register("p", provider);
        TaskId id = TaskId.parse("p:sync");
        advance(Duration.ZERO);
        assertEquals(1, provider.calls.size());

        engine.reschedule(id, Optional.of(Schedule.onDemand()));
        advance(Duration.ofMinutes(10));
        assertEquals(1, provider.calls.size(), "on demand: the schedule no longer fires");
        assertEquals(Optional.empty(), engine.task(id).orElseThrow().nextFire());

        engine.reschedule(id, Optional.empty()); // task:reset
        assertEquals(Optional.of(clock.instant()), engine.task(id).orElseThrow().nextFire(),
                "the interval keeps its phase: 10:10 is one of its fires, due now");
        advance(Duration.ZERO);
        assertEquals(2, provider.calls.size());
    }

    @Test
    void theLockKeysOfAManualCallMakeAConcurrentSubmissionWaitUntilTheCallEnds() {
        TestProvider provider = new TestProvider(TaskDefinition.builder("import").schedule("on-demand").build());
        TaskId id = TaskId.parse("p:import");
        List<String> duringCall = new ArrayList<>();
        provider.behaviour = e -> {
            if (e.trigger() == RunTrigger.CALL) {
                // while this call holds customer-42, a submission for the same customer is accepted but waits
                engine.submit(id, Map.of("customer", "42"), Optional.empty(), Set.of("customer-42"));
                engine.submit(id, Map.of("customer", "7"), Optional.empty(), Set.of("customer-7"));
                duringCall.add("pending " + workers.pending());
            }
            return TaskResult.success("customer " + e.arguments().get("customer"));
        };
        register("p", provider);

        RunRecord called = engine.call(id, Map.of("customer", "42"), Set.of("customer-42"));
        assertEquals(RunStatus.SUCCEEDED, called.status());
        assertEquals(List.of("pending 1"), duringCall, "customer 7's run was handed to the workers, 42's waits");
        workers.runAll();
        assertEquals(List.of("customer 7"), submissions(), "7's submission ran, 42's had not yet");

        advance(Duration.ofSeconds(1)); // the lock retry delay: the call ended, the lock is free
        assertEquals(Set.of("customer 7", "customer 42"), Set.copyOf(submissions()));
        RunRecord waited = runs("p:import").stream().filter(r -> r.trigger() == RunTrigger.SUBMISSION
                && r.message().equals("customer 42")).findFirst().orElseThrow();
        assertEquals(Optional.of(T0.plusSeconds(1)), waited.startTime(), "it started when the lock was free");
        assertEquals(1, waited.attempt(), "waiting for a lock spends no retry");
    }

    /** @return the messages of the submissions that ran */
    private List<String> submissions() {
        return runs("p:import").stream().filter(r -> r.trigger() == RunTrigger.SUBMISSION).map(RunRecord::message)
                .toList();
    }

    @Test
    void aManualCallFailsAtOnceNamingTheLockThatASubmissionHolds() {
        TestProvider provider = new TestProvider(TaskDefinition.builder("import").schedule("on-demand").build());
        register("p", provider);
        TaskId id = TaskId.parse("p:import");
        engine.submit(id, Map.of(), Optional.empty(), Set.of("customer-42")); // holds it until its worker runs
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> engine.call(id, Map.of(), Set.of("customer-42")));
        assertEquals("task p:import cannot run now: lock 'customer-42' is held by another run; try again when it "
                + "ends", e.getMessage());
        assertEquals(RunStatus.SUCCEEDED, engine.call(id, Map.of(), Set.of("customer-7")).status(),
                "another customer's call runs");
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> engine.call(id, Map.of(), Set.of("no spaces")));
        assertTrue(bad.getMessage().startsWith("lockKeys: 'no spaces' must match"), bad.getMessage());
        workers.runAll();
        assertEquals(2, provider.calls.size(), "the refused call ran nothing");
    }
}
