package org.pluginscheduler.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.pluginscheduler.api.OverlapPolicy;
import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.RunTrigger;
import org.pluginscheduler.api.ScheduledTaskProvider;
import org.pluginscheduler.api.TaskAction;
import org.pluginscheduler.api.TaskDefinition;
import org.pluginscheduler.api.TaskExecution;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.TaskResult;
import org.pluginscheduler.api.TaskSchedule;
import org.pluginscheduler.api.TaskState;

/** The harness runs tasks by the real core's rules on a clock the test moves. */
class TaskHarnessTest {

    private static final Instant T0 = Instant.parse("2026-06-01T00:00:00Z");
    private final List<TaskHarness> harnesses = new ArrayList<>();

    @AfterEach
    void close() {
        harnesses.forEach(TaskHarness::close);
    }

    private TaskHarness harness() {
        TaskHarness h = TaskHarness.at(T0);
        harnesses.add(h);
        return h;
    }

    /** A provider of fixed definitions that records the start time of every run. */
    static final class Recorder implements ScheduledTaskProvider {
        final List<TaskDefinition> definitions;
        final List<String> calls = new ArrayList<>();

        Recorder(TaskDefinition... definitions) {
            this.definitions = List.of(definitions);
        }

        @Override
        public List<TaskDefinition> tasks() {
            return definitions;
        }

        @Override
        public TaskResult execute(TaskExecution execution) {
            calls.add(execution.taskId().id() + "@" + execution.startTime());
            return TaskResult.success();
        }
    }

    @Test
    void aCronTaskFiresAtEachOfItsInstantsAcrossOneAdvance() {
        Recorder provider = new Recorder(TaskDefinition.builder("nightly").schedule("cron:0 3 * * *").build());
        TaskHarness h = harness().provider(provider);

        List<RunRecord> finished = h.advance(Duration.ofDays(3));

        List<Instant> expected = List.of(Instant.parse("2026-06-01T03:00:00Z"), Instant.parse("2026-06-02T03:00:00Z"),
                Instant.parse("2026-06-03T03:00:00Z"));
        assertEquals(expected, finished.stream().map(RunRecord::scheduledTime).toList(), "oldest first");
        assertEquals(expected.stream().map(i -> "nightly@" + i).toList(), provider.calls,
                "each run started at its own fire time, not at the end of the window");
        finished.forEach(r -> assertEquals(RunStatus.SUCCEEDED, r.status()));
        assertEquals(T0.plus(Duration.ofDays(3)), h.now());
        assertEquals(List.of(expected.get(2), expected.get(1), expected.get(0)),
                h.runs("nightly").stream().map(RunRecord::scheduledTime).toList(), "runs() is newest first");
        assertEquals(h.runs("nightly"), h.runs(TestExecution.DEFAULT_OWNER + ":nightly"), "qualified id too");
    }

    @Test
    void aCronTaskFollowsTheHarnessZone() {
        TaskHarness h = harness().zone(ZoneId.of("Europe/Paris"))
                .provider(new Recorder(TaskDefinition.builder("nightly").schedule("cron:0 3 * * *").build()));

        assertEquals(ZonedDateTime.parse("2026-06-01T03:00+02:00[Europe/Paris]"), h.nextFires("nightly", 1).get(0));
        assertEquals(List.of(Instant.parse("2026-06-01T01:00:00Z")),
                h.advance(Duration.ofDays(1)).stream().map(RunRecord::scheduledTime).toList());
    }

    @TaskSchedule(value = "cron:0 * * * *", id = "flaky", retries = 2, retry_delay = "PT5M")
    static final class Flaky implements TaskAction {
        final List<String> attempts = new ArrayList<>();

        @Override
        public TaskResult execute(TaskExecution execution) {
            attempts.add(execution.attempt() + "@" + execution.startTime());
            return execution.attempt() < 3 ? TaskResult.failure("not yet") : TaskResult.success("third time");
        }
    }

    @Test
    void retriesHappenAtTheirDelayAndInOrder() {
        Flaky task = new Flaky();
        TaskHarness h = harness().task(task);

        List<RunRecord> finished = h.advance(Duration.ofMinutes(90)); // the first fire is at 01:00

        Instant fire = Instant.parse("2026-06-01T01:00:00Z");
        assertEquals(List.of("1@" + fire, "2@" + fire.plus(Duration.ofMinutes(5)),
                "3@" + fire.plus(Duration.ofMinutes(10))), task.attempts, "each retry five minutes after the last");
        assertEquals(List.of(RunStatus.FAILED, RunStatus.FAILED, RunStatus.SUCCEEDED),
                finished.stream().map(RunRecord::status).toList(), "" + finished);
        assertEquals(List.of(1, 2, 3), finished.stream().map(RunRecord::attempt).toList());
        assertEquals(List.of(RunTrigger.SCHEDULE, RunTrigger.RETRY, RunTrigger.RETRY),
                finished.stream().map(RunRecord::trigger).toList());
    }

    @Test
    void skipOverlapSkipsAFireWhileTheRunIsStillGoing() {
        AtomicInteger runs = new AtomicInteger();
        List<RunRecord> duringSlowRun = new ArrayList<>();
        TaskHarness[] ref = new TaskHarness[1];
        ScheduledTaskProvider slow = new ScheduledTaskProvider() {
            @Override
            public List<TaskDefinition> tasks() {
                return List.of(TaskDefinition.builder("slow").schedule("every:PT1M").overlap(OverlapPolicy.SKIP)
                        .build());
            }

            @Override
            public TaskResult execute(TaskExecution execution) {
                if (runs.incrementAndGet() == 1) {
                    duringSlowRun.addAll(ref[0].advance(Duration.ofSeconds(90))); // it takes 90 s on the clock
                }
                return TaskResult.success();
            }
        };
        ref[0] = harness();
        TaskHarness h = ref[0].provider(slow);
        assertEquals(List.of(), h.runs("slow"), "registering runs nothing yet");

        List<RunRecord> finished = h.advanceTo(T0.plusSeconds(150)); // an interval fires at once: the first run

        assertEquals(List.of(RunStatus.SKIPPED), duringSlowRun.stream().map(RunRecord::status).toList(),
                "advance returns skipped fires too: " + duringSlowRun);
        assertEquals(List.of(RunStatus.SKIPPED, RunStatus.SUCCEEDED, RunStatus.SUCCEEDED),
                finished.stream().map(RunRecord::status).toList(), "in the order they ended: " + finished);
        assertEquals(List.of(T0.plusSeconds(60), T0, T0.plusSeconds(120)),
                finished.stream().map(RunRecord::scheduledTime).toList());
        assertEquals(T0.plusSeconds(90), finished.get(1).endTime().orElseThrow(), "the slow run took 90 s");
        assertEquals(2, runs.get(), "the skipped fire never ran the code");
    }

    @Test
    void aRunThatMovesTheClockPastTheWindowNeverSendsItBack() {
        TaskHarness[] ref = new TaskHarness[1];
        List<Instant> starts = new ArrayList<>();
        TaskAction slow = execution -> {
            starts.add(execution.startTime());
            if (starts.size() == 1) {
                ref[0].advance(Duration.ofSeconds(90));
            }
            return TaskResult.success();
        };
        ref[0] = harness().task(slow, Map.of("scheduler.id", "slow", "scheduler.task.schedule", "every:PT1M"));

        ref[0].advance(Duration.ofSeconds(30)); // the run at T0 ends at T0 + 90 s, past the window's end

        assertEquals(T0.plusSeconds(90), ref[0].now(), "time does not run backwards");
        ref[0].advance(Duration.ofSeconds(30));
        assertEquals(List.of(T0, T0.plusSeconds(120)), starts);
    }

    @TaskSchedule(value = "on-demand", id = "reindex")
    static final class Reindex implements TaskAction {
        final List<Map<String, String>> arguments = new ArrayList<>();

        @Override
        public TaskResult execute(TaskExecution execution) {
            arguments.add(execution.arguments());
            return TaskResult.success();
        }
    }

    @Test
    void anOnDemandTaskNeverFiresByItselfAndRunsWhenAsked() {
        Reindex task = new Reindex();
        TaskHarness h = harness().task(task);

        assertEquals(List.of(), h.advance(Duration.ofDays(400)));
        assertEquals(List.of(), h.nextFires("reindex", 3));
        assertEquals(TaskState.ACTIVE, h.taskInfo("reindex").state());

        TaskId id = h.scheduler().resolve("reindex");
        h.scheduler().trigger(id);
        assertEquals(List.of(RunTrigger.MANUAL), h.runs("reindex").stream().map(RunRecord::trigger).toList(),
                "a trigger runs before it returns");

        RunRecord called = h.scheduler().call(id, Map.of("index", "all"));
        assertEquals(RunStatus.SUCCEEDED, called.status());
        assertEquals(List.of(Map.of(), Map.of("index", "all")), task.arguments);

        h.scheduler().submit(id, Map.of("index", "late"), java.util.Optional.of(h.now().plus(Duration.ofHours(1))));
        assertEquals(2, task.arguments.size(), "a submission for later waits for the clock");
        List<RunRecord> finished = h.advance(Duration.ofHours(2));
        assertEquals(List.of(RunTrigger.SUBMISSION), finished.stream().map(RunRecord::trigger).toList());
        assertEquals(h.now().minus(Duration.ofHours(1)), finished.get(0).startTime().orElseThrow());
    }

    @TaskSchedule("every:PT10M")
    static final class Ping implements Runnable {
        int runs;

        @Override
        public void run() {
            runs++;
        }
    }

    @Test
    void anAnnotatedRunnableIsATaskNamedAfterItsComponent() {
        Ping ping = new Ping();
        TaskHarness h = harness().task(ping);

        // the component name is the class name; the default id its last segment ($ becomes -)
        String id = "TaskHarnessTest-Ping";
        assertEquals(TaskState.ACTIVE, h.taskInfo(id).state());
        h.advance(Duration.ofMinutes(30));
        assertEquals(4, ping.runs, "at 0, 10, 20 and 30 minutes");
        assertEquals(4, h.runs(id).size());
    }

    @Test
    void aConfigurationOverTheAnnotationAndAChangeOfItMoveTheSchedule() {
        Ping ping = new Ping();
        TaskHarness h = harness().task(ping, Map.of("scheduler.id", "ping", "scheduler.task.schedule", "cron:0 3 * * *"));
        assertEquals(ZonedDateTime.parse("2026-06-01T03:00Z"), h.nextFires("ping", 1).get(0).withFixedOffsetZone());

        h.configure(ping, Map.of("scheduler.id", "ping", "scheduler.task.schedule", "cron:0 5 * * *"));

        assertEquals(ZonedDateTime.parse("2026-06-01T05:00Z"), h.nextFires("ping", 1).get(0).withFixedOffsetZone());
        List<RunRecord> finished = h.advance(Duration.ofDays(1));
        assertEquals(List.of(Instant.parse("2026-06-01T05:00:00Z")),
                finished.stream().map(RunRecord::scheduledTime).toList());

        h.configure(ping, Map.of("scheduler.id", "ping")); // configuration without the schedule: the annotation's
        assertEquals(Duration.ofMinutes(10), Duration.between(h.nextFires("ping", 2).get(0),
                h.nextFires("ping", 2).get(1)));
    }

    @Test
    void aBadPropertyMakesTheTaskInvalidWithAProblemNamingTheProperty() {
        Ping ping = new Ping();
        TaskHarness h = harness().task(ping, Map.of("scheduler.id", "ping", "scheduler.timeout", "PT5X"));

        assertEquals(TaskState.INVALID, h.taskInfo("ping").state());
        String problem = h.taskInfo("ping").problem().orElseThrow();
        assertTrue(problem.contains("scheduler.timeout") && problem.contains("PT5X"), problem);
        assertEquals(List.of(), h.advance(Duration.ofHours(1)), "an invalid task does not fire");
        assertEquals(0, ping.runs);

        h.configure(ping, Map.of("scheduler.id", "ping", "scheduler.timeout", "PT5M"));
        assertEquals(TaskState.ACTIVE, h.taskInfo("ping").state(), "fixing the value brings the task back");
    }

    @Test
    void aMisspeltPropertyIsAProblemNamingIt() {
        TaskHarness h = harness().task(new Ping(), Map.of("scheduler.id", "ping", "scheduler.retrys", "3"));

        assertEquals(TaskState.INVALID, h.taskInfo("ping").state());
        assertTrue(h.taskInfo("ping").problem().orElseThrow().contains("scheduler.retrys"),
                h.taskInfo("ping").problem().orElseThrow());
    }

    @Test
    void aTaskWhoseRunPassesItsTimeoutIsRecordedTimedOutAndSeesItselfCancelled() {
        boolean[] cancelledSeen = new boolean[2];
        TaskHarness[] ref = new TaskHarness[1];
        TaskAction slow = execution -> {
            ref[0].advance(Duration.ofMinutes(2)); // past the one-minute timeout
            cancelledSeen[0] = execution.isCancelled();
            cancelledSeen[1] = Thread.currentThread().isInterrupted();
            return TaskResult.success();
        };
        ref[0] = harness();
        ref[0].task(slow, Map.of("scheduler.id", "slow", "scheduler.task.schedule", "on-demand",
                "scheduler.timeout", "PT1M"));

        ref[0].scheduler().trigger(ref[0].scheduler().resolve("slow"));

        assertEquals(RunStatus.TIMED_OUT, ref[0].runs("slow").get(0).status(), "" + ref[0].runs("slow"));
        assertTrue(cancelledSeen[0], "isCancelled() answers true once the deadline passed");
        assertTrue(cancelledSeen[1], "the thread was interrupted, as a worker would be");
        assertFalse(Thread.currentThread().isInterrupted(), "the interrupt ends with the run");
    }

    @Test
    void theClockCannotGoBackAndANonTaskIsRefusedNamingItsClass() {
        TaskHarness h = harness();
        assertThrows(IllegalArgumentException.class, () -> h.advanceTo(T0.minusSeconds(1)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> h.task(new Object()));
        assertTrue(e.getMessage().contains("java.lang.Object"), e.getMessage());
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class, () -> h.task((Runnable) () -> {
        }));
        assertTrue(none.getMessage().contains("carries no @TaskSchedule"), none.getMessage());
    }

    @TaskSchedule(value = "on-demand", id = "doomed", retries = 1, retry_delay = "PT1M", dead_letter = true)
    static final class Doomed implements Runnable {
        @Override
        public void run() {
            throw new IllegalStateException("always");
        }
    }

    @Test
    void aRunThatSpendsItsRetriesIsADeadLetter() {
        TaskHarness h = harness().task(new Doomed());

        h.scheduler().trigger(h.scheduler().resolve("doomed"));
        assertEquals(List.of(), h.deadLetters(), "one retry left, a minute away");
        List<RunRecord> retried = h.advance(Duration.ofMinutes(1));

        assertEquals(List.of(RunTrigger.RETRY), retried.stream().map(RunRecord::trigger).toList());
        assertEquals(1, h.deadLetters().size(), "" + h.deadLetters());
        assertEquals("doomed", h.deadLetters().get(0).taskId().id());
    }

    @Test
    void anAdHocTaskBelongsToTheCurrentOwner() {
        TaskHarness h = harness().owner("my.plugin");
        TaskId id = h.scheduler().addTask(TaskDefinition.builder("once").schedule("on-demand").build(),
                execution -> TaskResult.success(), false);
        assertEquals("my.plugin", id.owner());
    }

    @Test
    void removingATaskServiceStopsItsFires() {
        Ping ping = new Ping();
        TaskHarness h = harness().task(ping, Map.of("scheduler.id", "ping"));
        h.advance(Duration.ofMinutes(10));
        assertEquals(2, ping.runs);

        h.remove(ping);
        h.advance(Duration.ofHours(1));
        assertEquals(2, ping.runs);
        assertTrue(h.tasks().stream().noneMatch(t -> t.state() == TaskState.ACTIVE), "" + h.tasks());
    }

    @Test
    void theClockInAnotherZoneIsLiveNotASnapshot() {
        TaskHarness h = harness();
        java.time.Clock paris = h.clock().withZone(ZoneId.of("Europe/Paris"));

        h.advance(Duration.ofHours(1));

        assertEquals(T0.plus(Duration.ofHours(1)), paris.instant(), "the view reads the harness's instant");
        assertEquals(ZoneId.of("Europe/Paris"), paris.getZone());
        assertEquals(ZoneId.of("UTC").normalized(), h.clock().getZone().normalized(), "the harness's own zone stays");
    }

    @Test
    void anOverflowingAdvanceIsRefusedNamingTheDuration() {
        TaskHarness h = harness();
        Duration huge = Duration.ofSeconds(Long.MAX_VALUE);

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> h.advance(huge));

        assertTrue(e.getMessage().contains(huge.toString()), e.getMessage());
        assertEquals(T0, h.now(), "the clock did not move");
    }

    /** A provider whose task list the test changes. */
    static final class Changing implements ScheduledTaskProvider {
        volatile List<TaskDefinition> definitions;

        Changing(TaskDefinition... definitions) {
            this.definitions = List.of(definitions);
        }

        @Override
        public List<TaskDefinition> tasks() {
            return definitions;
        }

        @Override
        public TaskResult execute(TaskExecution execution) {
            return TaskResult.success();
        }
    }

    @Test
    void reloadTasksRereadsTheCurrentOwnersProviders() {
        Changing mine = new Changing(TaskDefinition.builder("one").schedule("every:PT1H").build());
        Changing theirs = new Changing(TaskDefinition.builder("theirs").schedule("every:PT1H").build());
        TaskHarness h = harness().owner("other.plugin").provider(theirs).owner("my.plugin").provider(mine);
        mine.definitions = List.of(TaskDefinition.builder("two").schedule("every:PT1H").build());
        theirs.definitions = List.of();

        h.scheduler().reloadTasks();

        assertEquals(TaskState.ACTIVE, h.taskInfo("my.plugin:two").state());
        assertTrue(h.tasks().stream().noneMatch(t -> t.id().id().equals("one") && t.state() == TaskState.ACTIVE),
                "" + h.tasks());
        assertEquals(TaskState.ACTIVE, h.taskInfo("other.plugin:theirs").state(), "another owner's is not re-read");

        h.owner("other.plugin").reload();
        assertTrue(h.tasks().stream().noneMatch(t -> t.id().id().equals("theirs") && t.state() == TaskState.ACTIVE),
                "" + h.tasks());
    }

    @Test
    void advanceReturnsEveryRunThatEndedEvenBeyondTheHistoryLimit() {
        Recorder provider = new Recorder(TaskDefinition.builder("tick").schedule("every:PT1M").build());
        TaskHarness h = harness().historyLimit(5).provider(provider);

        List<RunRecord> finished = h.advance(Duration.ofMinutes(19)); // fires at 0, 1, ..., 19

        assertEquals(20, finished.size(), "gathered as they ended, not from the history");
        assertEquals(5, h.runs("tick").size(), "the history keeps the newest five");
        assertEquals(T0.plus(Duration.ofMinutes(19)), h.runs("tick").get(0).scheduledTime());
        assertEquals(List.of(T0.plus(Duration.ofMinutes(20))),
                h.advance(Duration.ofMinutes(1)).stream().map(RunRecord::scheduledTime).toList(),
                "the next window returns only its own run");
        assertThrows(IllegalStateException.class, () -> h.historyLimit(10), "too late once tasks are added");
        assertThrows(IllegalArgumentException.class, () -> harness().historyLimit(0));
    }

    @Test
    void theProblemsOfARejectedLaterConfigurationAreThereWhileTheLastGoodDefinitionRuns() {
        Ping ping = new Ping();
        TaskHarness h = harness().task(ping, Map.of("scheduler.id", "ping"));
        assertEquals(List.of(), h.problems("ping"));

        h.configure(ping, Map.of("scheduler.id", "bad id!"));

        assertEquals(TaskState.ACTIVE, h.taskInfo("ping").state(), "a bad id keeps the last good task: "
                + h.taskInfo("ping"));
        List<String> problems = h.problems("ping");
        assertEquals(1, problems.size(), "" + problems);
        assertTrue(problems.get(0).startsWith("scheduler.id") && problems.get(0).contains("bad id!"), problems.get(0));
        assertThrows(IllegalArgumentException.class, () -> h.problems("nothing"));
    }
    // --- an interrupt belongs to the run it was meant for ----------------------------------------------------------

    static final List<Boolean> seenByInner = new ArrayList<>();
    static final List<Boolean> seenByOuterAfterAdvance = new ArrayList<>();

    /** A run that passes its own one-minute deadline inside its code while another task's runs fall due. */
    @TaskSchedule(value = "on-demand", timeout = "PT1M")
    static final class SlowOuter implements TaskAction {
        TaskHarness harness;

        @Override
        public TaskResult execute(TaskExecution execution) {
            harness.advance(Duration.ofMinutes(5)); // its deadline at +1m; Inner runs at +2m and +4m
            seenByOuterAfterAdvance.add(Thread.currentThread().isInterrupted());
            return TaskResult.success();
        }
    }

    @TaskSchedule("every:PT2M")
    static final class Inner implements Runnable {
        @Override
        public void run() {
            seenByInner.add(Thread.currentThread().isInterrupted());
        }
    }

    @Test
    void aTimedOutRunsInterruptStaysWithItUntilItReturnsAndNoOtherRunStartsInterrupted() {
        seenByInner.clear();
        seenByOuterAfterAdvance.clear();
        TaskHarness h = harness();
        SlowOuter outer = new SlowOuter();
        outer.harness = h;
        h.task(outer).task(new Inner());
        h.advance(Duration.ofSeconds(30)); // Inner's first fire, not nested
        seenByInner.clear();

        h.scheduler().trigger(h.scheduler().resolve("TaskHarnessTest-SlowOuter"));

        assertEquals(List.of(false, false), seenByInner, "Inner's runs at +2m and +4m did not time out");
        assertEquals(List.of(true), seenByOuterAfterAdvance, "the timed-out run's flag is set until it returns");
        assertFalse(Thread.currentThread().isInterrupted(), "cleared once the timed-out run returned");
        assertEquals(RunStatus.TIMED_OUT, h.runs("TaskHarnessTest-SlowOuter").get(0).status());
    }

    @Test
    void adHocTasksOfEachOwnerAreRegisteredUnderThatOwner() {
        TaskHarness h = harness();
        h.owner("plugin.a");
        TaskId one = h.scheduler().addTask(TaskDefinition.builder("one").schedule("on-demand").build(),
                e -> TaskResult.success(), false);
        h.owner("plugin.b");
        TaskId two = h.scheduler().addTask(TaskDefinition.builder("two").schedule("on-demand").build(),
                e -> TaskResult.success(), false);
        h.owner("plugin.a");
        TaskId three = h.scheduler().addTask(TaskDefinition.builder("three").schedule("on-demand").build(),
                e -> TaskResult.success(), false);

        assertEquals("plugin.b", two.owner());
        assertEquals("plugin.a", three.owner());
        for (TaskId id : List.of(one, two, three)) {
            assertTrue(h.tasks().stream().anyMatch(t -> t.id().equals(id)), id + " registered as returned: "
                    + h.tasks());
        }
    }
}
