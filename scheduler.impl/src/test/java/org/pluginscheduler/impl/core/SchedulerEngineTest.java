package org.pluginscheduler.impl.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.pluginscheduler.api.AmbiguousTaskIdException;
import org.pluginscheduler.api.InvalidTaskDefinitionException;
import org.pluginscheduler.api.MisfirePolicy;
import org.pluginscheduler.api.NoSuchTaskException;
import org.pluginscheduler.api.OverlapPolicy;
import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.RunTrigger;
import org.pluginscheduler.api.Schedule;
import org.pluginscheduler.api.ScheduledTaskProvider;
import org.pluginscheduler.api.TaskDefinition;
import org.pluginscheduler.api.TaskExecution;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.TaskInfo;
import org.pluginscheduler.api.TaskResult;
import org.pluginscheduler.api.TaskState;
import org.pluginscheduler.api.store.StoredTask;
import org.pluginscheduler.impl.store.InMemoryTaskStore;

/**
 * The core with a hand-moved clock: registration rules, firing, overlap, departure, admin operations. Worker code
 * runs when the test says so ({@link ManualExecutor}); only the cancellation tests use real threads.
 */
public class SchedulerEngineTest {

    private static final Instant T0 = Instant.parse("2026-06-01T10:00:00Z");
    private final MutableClock clock = new MutableClock(T0);
    private final ManualExecutor workers = new ManualExecutor();
    private final InMemoryTaskStore store = new InMemoryTaskStore(100);
    private final SchedulerEngine engine = new SchedulerEngine(clock, Runnable::run, new ExecutorWorkers(workers), store,
            Settings.defaults(ZoneId.of("UTC"), Duration.ofSeconds(2)));
    private final List<ExecutorService> pools = new ArrayList<>();

    @AfterEach
    void stopPools() {
        pools.forEach(ExecutorService::shutdownNow);
    }

    /** A provider whose task list and behaviour the test controls. */
    public static class TestProvider implements ScheduledTaskProvider {
        volatile List<TaskDefinition> tasks;
        volatile Function<TaskExecution, TaskResult> behaviour = e -> TaskResult.success("ok " + e.taskId().id());
        final List<String> calls = new CopyOnWriteArrayList<>();

        public TestProvider(TaskDefinition... tasks) {
            this.tasks = List.of(tasks);
        }

        @Override
        public List<TaskDefinition> tasks() {
            return tasks;
        }

        @Override
        public TaskResult execute(TaskExecution execution) {
            calls.add(execution.taskId().id() + "@" + execution.scheduledTime());
            return behaviour.apply(execution);
        }
    }

    private static TaskDefinition task(String id, String schedule) {
        return TaskDefinition.builder(id).schedule(schedule).build();
    }

    private ProviderHandle handle(String owner, long serviceId, TestProvider provider) {
        return ProviderHandle.forProvider(owner, 1, owner + " 1.0.0", "provider service " + serviceId, provider);
    }

    private void advance(Duration d) {
        clock.advance(d);
        engine.timer().runDue();
        workers.runAll();
    }

    private TaskInfo info(String qualifiedId) {
        return engine.task(TaskId.parse(qualifiedId)).orElseThrow();
    }

    private List<RunRecord> runs(String qualifiedId) {
        return engine.runs(TaskId.parse(qualifiedId), 100);
    }

    @Test
    void aRegisteredTaskIsListedWithItsNextFireAndFiresOnTime() {
        TestProvider provider = new TestProvider(task("report", "every:PT1S"), task("nightly", "cron:0 3 * * *"));
        engine.providerAdded(handle("my.plugin", 10, provider));

        TaskInfo nightly = info("my.plugin:nightly");
        assertEquals(TaskState.ACTIVE, nightly.state());
        assertEquals(Optional.of(Instant.parse("2026-06-02T03:00:00Z")), nightly.nextFire());
        assertEquals("my.plugin 1.0.0", nightly.ownerBundle());

        advance(Duration.ZERO); // an interval fires first at registration
        advance(Duration.ofSeconds(1));
        advance(Duration.ofSeconds(1));

        List<RunRecord> runs = runs("my.plugin:report");
        assertEquals(3, runs.size());
        assertEquals(List.of(T0.plusSeconds(2), T0.plusSeconds(1), T0),
                runs.stream().map(RunRecord::scheduledTime).toList(), "newest first, one per second");
        runs.forEach(r -> {
            assertEquals(RunStatus.SUCCEEDED, r.status());
            assertEquals("ok report", r.message());
            assertEquals(RunTrigger.SCHEDULE, r.trigger());
            assertEquals(Optional.of(Duration.ZERO), r.lag());
        });
        assertEquals(Optional.of(RunStatus.SUCCEEDED), info("my.plugin:report").lastStatus());
        assertEquals(Optional.of(T0.plusSeconds(3)), info("my.plugin:report").nextFire());
    }

    @Test
    void anInvalidDefinitionIsRejectedAloneWithAProblemNamingTheField() {
        TestProvider provider = new TestProvider(task("bad", "cron:61 * * * *"), task("good", "every:PT1M"),
                task("zone", "cron:0 3 * * * tz=Mars/Olympus"), task("neg", "every:-PT5M"));
        engine.providerAdded(handle("p", 1, provider));

        assertEquals(TaskState.ACTIVE, info("p:good").state());
        TaskInfo bad = info("p:bad");
        assertEquals(TaskState.INVALID, bad.state());
        assertEquals(Optional.of("schedule: minute: 61 is not in 0–59"), bad.problem());
        assertEquals(Optional.of("schedule: tz: unknown time zone 'Mars/Olympus'"), info("p:zone").problem());
        assertTrue(info("p:neg").problem().orElseThrow().startsWith("schedule: every: "));

        advance(Duration.ZERO);
        assertEquals(List.of("good@" + T0), provider.calls);
    }

    @Test
    void anRRuleThatOnlyComputingFindsEmptyIsInvalidAtRegistrationNotAnErrorOnTheTimer() {
        // a BYSETPOS no period fills: lib-recur threw IllegalStateException at the first computation, so the task
        // registered, logged an ERROR and never fired
        TestProvider provider = new TestProvider(task("setpos", "rrule:FREQ=DAILY;BYHOUR=4,19;BYSETPOS=3;"
                + "UNTIL=20300101T000000Z start=2026-01-01T00:00 tz=UTC"),
                task("feb30", "rrule:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30 tz=UTC"),
                task("sparse", "rrule:FREQ=MINUTELY;BYMONTH=3 start=2026-10-01T00:00 tz=UTC"));
        engine.providerAdded(handle("p", 1, provider));

        assertEquals(TaskState.INVALID, info("p:setpos").state());
        assertEquals(Optional.of("schedule: BYSETPOS: a period of this rule holds at most 2 date-times, so no "
                + "position given is ever filled and the rule never occurs"), info("p:setpos").problem());
        assertTrue(info("p:feb30").problem().orElseThrow().startsWith("schedule: rrule: never occurs"));
        assertEquals(TaskState.ACTIVE, info("p:sparse").state());
        assertEquals(Optional.of(Instant.parse("2027-03-01T00:00:00Z")), info("p:sparse").nextFire());
    }

    @Test
    void aSecondClaimOnATakenIdIsAVisibleConflictAndTakesOverWhenTheIdFrees() {
        TestProvider first = new TestProvider(task("job", "every:PT10S"));
        TestProvider second = new TestProvider(task("job", "every:PT1S"));
        ProviderHandle firstHandle = handle("same.bsn", 1, first);
        engine.providerAdded(firstHandle);
        engine.providerAdded(handle("same.bsn", 2, second));

        List<TaskInfo> entries = engine.tasks().stream().filter(t -> t.id().toString().equals("same.bsn:job"))
                .toList();
        assertEquals(List.of(TaskState.ACTIVE, TaskState.CONFLICT), entries.stream().map(TaskInfo::state).toList());
        assertTrue(entries.get(1).problem().orElseThrow().contains("already provided by provider service 1"));
        assertEquals("every:PT10S", info("same.bsn:job").scheduleText(), "the first claim keeps running");

        advance(Duration.ofSeconds(1));
        assertEquals(1, first.calls.size());
        assertTrue(second.calls.isEmpty());

        engine.providerRemoved(firstHandle);
        assertEquals("every:PT1S", info("same.bsn:job").scheduleText());
        assertEquals(TaskState.ACTIVE, info("same.bsn:job").state());
        advance(Duration.ZERO);
        assertEquals(1, second.calls.size());
    }

    @Test
    void anIdListedTwiceKeepsTheFirstDefinitionEvenWhenAnotherProviderLeaves() {
        // the first "dup" is invalid, so no slot holds the id; the second must not take it when any id frees
        TestProvider provider = new TestProvider(task("dup", "cron:61 * * * *"), task("dup", "every:PT1S"));
        engine.providerAdded(handle("p", 1, provider));
        ProviderHandle other = handle("other", 2, new TestProvider(task("job", "every:PT1S")));
        engine.providerAdded(other);

        engine.providerRemoved(other);
        advance(Duration.ofSeconds(1));

        List<TaskState> states = engine.tasks().stream().filter(t -> t.id().toString().equals("p:dup"))
                .map(TaskInfo::state).toList();
        assertEquals(List.of(TaskState.CONFLICT, TaskState.INVALID), states);
        assertTrue(provider.calls.isEmpty(), "the duplicate ran: " + provider.calls);
    }

    @Test
    void aChangedTaskListIsAppliedAsADifference() {
        TestProvider provider = new TestProvider(task("keep", "cron:0 * * * *"), task("drop", "every:PT1M"),
                task("change", "cron:0 1 * * *"));
        ProviderHandle h = handle("p", 1, provider);
        engine.providerAdded(h);
        engine.setPaused(TaskId.parse("p:keep"), true);

        provider.tasks = List.of(task("keep", "cron:0 * * * *"), task("change", "cron:0 2 * * *"),
                task("new", "every:PT5M"));
        engine.providerModified(h);

        assertEquals(TaskState.PAUSED, info("p:keep").state(), "an unchanged task keeps its state");
        assertEquals(TaskState.DORMANT, info("p:drop").state(), "a removed task keeps its state as dormant");
        assertEquals(Optional.empty(), info("p:drop").nextFire());
        assertEquals(Optional.of(Instant.parse("2026-06-02T02:00:00Z")), info("p:change").nextFire());
        assertEquals(TaskState.ACTIVE, info("p:new").state());
    }

    @Test
    void aProviderWhoseListThrowsContributesNothingAndHurtsNoOne() {
        TestProvider broken = new TestProvider() {
            @Override
            public List<TaskDefinition> tasks() {
                throw new IllegalStateException("cannot list");
            }
        };
        engine.providerAdded(handle("broken", 1, broken));
        engine.providerAdded(handle("fine", 2, new TestProvider(task("t", "every:PT1M"))));
        assertEquals(List.of("fine:t"), engine.tasks().stream().map(t -> t.id().toString()).toList());
    }

    @Test
    void aDepartedProviderStopsFiringAtOnceAndIsNeverCalledAgain() {
        TestProvider provider = new TestProvider(task("t", "every:PT1S"));
        ProviderHandle h = handle("p", 1, provider);
        engine.providerAdded(h);
        advance(Duration.ZERO);
        clock.advance(Duration.ofSeconds(1));
        engine.timer().runDue(); // a fire is handed to the workers but has not started
        engine.providerRemoved(h);
        workers.runAll();
        advance(Duration.ofSeconds(5));

        assertEquals(1, provider.calls.size(), "only the run before the departure");
        assertEquals(0, engine.timer().size(), "nothing left armed");
        assertEquals(TaskState.DORMANT, info("p:t").state());
        RunRecord newest = runs("p:t").get(0);
        assertEquals(RunStatus.CANCELLED, newest.status());
        assertTrue(newest.message().contains("went away"), newest.message());
    }

    @Test
    void aRunInProgressIsCancelledByInterruptAndAwaitedWhenItsProviderLeaves() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        pools.add(pool);
        SchedulerEngine real = new SchedulerEngine(clock, Runnable::run, new ExecutorWorkers(pool), store,
                Settings.defaults(ZoneId.of("UTC"), Duration.ofSeconds(5)));
        CountDownLatch started = new CountDownLatch(1);
        List<String> seen = new CopyOnWriteArrayList<>();
        TestProvider provider = new TestProvider(task("slow", "every:PT1H"));
        provider.behaviour = e -> {
            started.countDown();
            try {
                new CountDownLatch(1).await(); // blocks until interrupted
                return TaskResult.success("never");
            } catch (InterruptedException interrupted) {
                seen.add("interrupted, cancelled=" + e.isCancelled());
                return TaskResult.success("stopped early");
            }
        };
        ProviderHandle h = handle("p", 1, provider);
        real.providerAdded(h);
        real.timer().runDue();
        assertTrue(started.await(5, TimeUnit.SECONDS));

        real.providerRemoved(h); // returns once the run has ended

        assertEquals(List.of("interrupted, cancelled=true"), seen);
        RunRecord run = real.runs(TaskId.parse("p:slow"), 10).get(0);
        assertEquals(RunStatus.CANCELLED, run.status());
        assertEquals("cancelled: provider service 1 went away (stopped early)", run.message());
        assertEquals(1, provider.calls.size());
    }

    @Test
    void overlapSkipRecordsTheSkippedFireAndAllowRunsConcurrently() {
        TestProvider provider = new TestProvider(task("skip", "every:PT1S"),
                TaskDefinition.builder("allow").schedule("every:PT1S").overlap(OverlapPolicy.ALLOW).build());
        engine.providerAdded(handle("p", 1, provider));
        engine.timer().runDue(); // both fire at T0; their runs wait in the worker queue
        clock.advance(Duration.ofSeconds(1));
        engine.timer().runDue(); // second fire while the first runs are still pending
        workers.runAll();

        List<RunRecord> skip = runs("p:skip");
        assertEquals(List.of(RunStatus.SKIPPED, RunStatus.SUCCEEDED), skip.stream().map(RunRecord::status).toList());
        assertEquals("skipped: the previous run is still running", skip.get(0).message());
        assertEquals(List.of(RunStatus.SUCCEEDED, RunStatus.SUCCEEDED),
                runs("p:allow").stream().map(RunRecord::status).toList());
    }

    @Test
    void aThrownExceptionIsAFailedRunWithItsMessage() {
        TestProvider provider = new TestProvider(task("t", "every:PT1S"));
        provider.behaviour = e -> {
            throw new IllegalStateException("disk on fire");
        };
        engine.providerAdded(handle("p", 1, provider));
        advance(Duration.ZERO);
        RunRecord run = runs("p:t").get(0);
        assertEquals(RunStatus.FAILED, run.status());
        assertEquals("IllegalStateException: disk on fire", run.message());
        assertEquals(Optional.of(RunStatus.FAILED), info("p:t").lastStatus());
    }

    @Test
    void disabledPausedAndSchedulerWidePauseSuppressFiresButKeepTheScheduleArmed() {
        TestProvider provider = new TestProvider(TaskDefinition.builder("t").schedule("every:PT1S")
                .misfire(MisfirePolicy.skip()).build());
        engine.providerAdded(handle("p", 1, provider));
        TaskId id = TaskId.parse("p:t");
        engine.setEnabled(id, false);
        advance(Duration.ZERO);
        assertEquals(TaskState.DISABLED, info("p:t").state());
        engine.setEnabled(id, true);
        engine.setPaused(id, true);
        advance(Duration.ofSeconds(1));
        assertEquals(TaskState.PAUSED, info("p:t").state());
        engine.setPaused(id, false);
        engine.pauseAll(true);
        advance(Duration.ofSeconds(1));
        assertTrue(provider.calls.isEmpty());
        assertEquals(Optional.of(T0.plusSeconds(3)), info("p:t").nextFire());

        engine.pauseAll(false);
        advance(Duration.ofSeconds(1));
        assertEquals(1, provider.calls.size());
    }

    @Test
    void disabledStateSurvivesTheProviderGoingAndComingBack() {
        TestProvider provider = new TestProvider(task("t", "every:PT1S"));
        ProviderHandle first = handle("p", 1, provider);
        engine.providerAdded(first);
        engine.setEnabled(TaskId.parse("p:t"), false);
        engine.providerRemoved(first);
        engine.setPaused(TaskId.parse("p:t"), true); // admin changes reach dormant tasks too
        engine.providerAdded(handle("p", 2, provider));
        assertEquals(TaskState.DISABLED, info("p:t").state());
        StoredTask stored = store.loadTask(TaskId.parse("p:t")).orElseThrow();
        assertTrue(stored.paused());
        assertFalse(stored.dormant());
    }

    @Test
    void rescheduleOverridesTheScheduleUntilReset() {
        engine.providerAdded(handle("p", 1, new TestProvider(task("t", "cron:0 3 * * *"))));
        TaskId id = TaskId.parse("p:t");
        engine.reschedule(id, Optional.of(Schedule.parse("cron:30 12 * * *")));
        assertEquals(Optional.of(Instant.parse("2026-06-01T12:30:00Z")), info("p:t").nextFire());
        assertTrue(info("p:t").scheduleOverridden());
        engine.reschedule(id, Optional.empty());
        assertEquals(Optional.of(Instant.parse("2026-06-02T03:00:00Z")), info("p:t").nextFire());
        assertFalse(info("p:t").scheduleOverridden());
    }

    @Test
    void triggerCallAndSubmitRunWithTheirTriggerAndArguments() {
        TestProvider provider = new TestProvider(task("t", "cron:0 3 * * *"));
        provider.behaviour = e -> TaskResult.success("args " + e.arguments());
        engine.providerAdded(handle("p", 1, provider));
        TaskId id = TaskId.parse("p:t");

        String triggered = engine.trigger(id, RunTrigger.MANUAL, Map.of());
        workers.runAll();
        assertEquals(RunStatus.SUCCEEDED, engine.run(triggered).orElseThrow().status());

        RunRecord called = engine.call(id, Map.of("path", "/tmp"));
        assertEquals(RunTrigger.CALL, called.trigger());
        assertEquals("args {path=/tmp}", called.message());

        String later = engine.submit(id, Map.of("n", "1"), Optional.of(T0.plusSeconds(30)), Set.of());
        advance(Duration.ofSeconds(29));
        assertTrue(engine.run(later).isEmpty(), "not yet");
        advance(Duration.ofSeconds(1));
        RunRecord submitted = engine.run(later).orElseThrow();
        assertEquals(RunTrigger.SUBMISSION, submitted.trigger());
        assertEquals(T0.plusSeconds(30), submitted.scheduledTime());
        assertEquals(Map.of("n", "1"), submitted.arguments());
    }

    @Test
    void bareIdsResolveWhenUniqueAndAmbiguityListsTheCandidates() {
        engine.providerAdded(handle("a", 1, new TestProvider(task("shared", "every:PT1M"), task("only", "every:PT1M"))));
        engine.providerAdded(handle("b", 2, new TestProvider(task("shared", "every:PT1M"))));
        assertEquals(TaskId.parse("a:only"), engine.resolve("only"));
        assertEquals(TaskId.parse("b:shared"), engine.resolve("b:shared"));
        AmbiguousTaskIdException e = assertThrows(AmbiguousTaskIdException.class, () -> engine.resolve("shared"));
        assertEquals("task id 'shared' is ambiguous; use one of: a:shared, b:shared", e.getMessage());
        assertEquals("unknown task 'nope'", assertThrows(NoSuchTaskException.class, () -> engine.resolve("nope"))
                .getMessage());
    }

    @Test
    void adHocTasksBelongToTheirBundleAndGoWithIt() {
        List<String> calls = Collections.synchronizedList(new ArrayList<>());
        TaskId id = engine.addTask(7, "client", "client 1.0.0", task("adhoc", "every:PT1S"), e -> {
            calls.add("v1");
            return TaskResult.success();
        }, false);
        assertEquals(TaskId.parse("client:adhoc"), id);
        assertThrows(IllegalStateException.class,
                () -> engine.addTask(7, "client", "client 1.0.0", task("adhoc", "every:PT1S"), e -> null, false));
        engine.addTask(7, "client", "client 1.0.0", task("adhoc", "every:PT2S"), e -> {
            calls.add("v2");
            return TaskResult.success();
        }, true);
        assertEquals("every:PT2S", info("client:adhoc").scheduleText());
        assertThrows(InvalidTaskDefinitionException.class,
                () -> engine.addTask(7, "client", "client 1.0.0", task("x", "cron:bad"), e -> null, false));

        advance(Duration.ZERO);
        assertEquals(List.of("v2"), calls);
        engine.releaseAdHoc(7);
        assertEquals(TaskState.DORMANT, info("client:adhoc").state());
        advance(Duration.ofSeconds(10));
        assertEquals(List.of("v2"), calls);
    }

    @Test
    void aNewStoreReceivesTheStateAndItsOverridesWin() {
        engine.providerAdded(handle("p", 1, new TestProvider(task("t", "cron:0 3 * * *"))));
        InMemoryTaskStore persistent = new InMemoryTaskStore(10);
        TaskId id = TaskId.parse("p:t");
        persistent.saveTask(StoredTask.fresh(id, "p 1.0.0", "old", "cron:0 3 * * *")
                .withEnabled(Optional.of(false)).withScheduleOverride(Optional.of("cron:0 5 * * *")));
        engine.store(persistent);
        assertEquals(TaskState.DISABLED, info("p:t").state());
        assertEquals(Optional.empty(), info("p:t").nextFire(), "a disabled task shows no next fire");
        engine.setEnabled(id, true);
        assertEquals(Optional.of(Instant.parse("2026-06-02T05:00:00Z")), info("p:t").nextFire(),
                "the persisted schedule override won");
        assertEquals(SchedulerEngine.digest(task("t", "cron:0 3 * * *")),
                persistent.loadTask(id).orElseThrow().definitionDigest());
    }

    @Test
    void changingTheDefaultZoneReplansSchedulesWithoutTheirOwnZone() {
        engine.providerAdded(handle("p", 1, new TestProvider(task("local", "cron:0 3 * * *"),
                task("paris", "cron:0 3 * * * tz=Europe/Paris"))));
        engine.settings(Settings.defaults(ZoneId.of("America/New_York"), Duration.ofSeconds(1)));
        assertEquals(Optional.of(Instant.parse("2026-06-02T07:00:00Z")), info("p:local").nextFire());
        assertEquals(Optional.of(Instant.parse("2026-06-02T01:00:00Z")), info("p:paris").nextFire());
    }

    @Test
    void aOneShotInThePastFiresOnceAndIsNotArmedAgain() {
        TestProvider provider = new TestProvider(task("once", "at:2026-05-01T00:00:00Z"));
        engine.providerAdded(handle("p", 1, provider));
        advance(Duration.ZERO);
        advance(Duration.ofDays(400));
        assertEquals(1, provider.calls.size());
        assertEquals(Optional.empty(), info("p:once").nextFire());
    }

    /**
     * A one-shot centuries past fires once and is recorded like any other: its lag (326 years) does not fit a long
     * of nanoseconds, and the run's statistics are kept in nanoseconds.
     */
    @Test
    void aOneShotCenturiesInThePastFiresOnceAndItsRunIsRecorded() {
        TestProvider provider = new TestProvider(task("ancient", "at:1700-01-01T00:00:00Z"));
        engine.providerAdded(handle("p", 1, provider));
        advance(Duration.ZERO);
        assertEquals(1, provider.calls.size());
        List<RunRecord> runs = runs("p:ancient");
        assertEquals(List.of(RunStatus.SUCCEEDED), runs.stream().map(RunRecord::status).toList());
        assertEquals(Optional.empty(), info("p:ancient").nextFire());
        assertTrue(engine.stats().lag().max().compareTo(Duration.ofDays(365 * 290)) > 0, engine.stats().lag()
                .toString());
    }
}
