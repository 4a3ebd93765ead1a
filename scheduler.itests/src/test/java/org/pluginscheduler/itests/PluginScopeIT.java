package org.pluginscheduler.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;
import static org.pluginscheduler.itests.TestPlugin.plugin;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.junit.Test;
import org.junit.function.ThrowingRunnable;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.ServiceReference;
import org.pluginscheduler.api.DeadLetter;
import org.pluginscheduler.api.NoSuchTaskException;
import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.Schedule;
import org.pluginscheduler.api.SchedulerAdmin;
import org.pluginscheduler.api.TaskAccessException;
import org.pluginscheduler.api.TaskDefinition;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.TaskInfo;
import org.pluginscheduler.api.TaskResult;
import org.pluginscheduler.api.TaskScheduler;
import org.pluginscheduler.api.TaskState;

/**
 * The {@code TaskScheduler} a plugin gets acts on its own bundle's tasks only, every method of it; the
 * {@code SchedulerAdmin} service acts on every task and on the whole scheduler. The probe is the plugin here: its
 * own tasks are the ad-hoc tasks it adds, the foreign ones a test plugin's.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class PluginScopeIT extends SchedulerTestBase {

    private static final String FOREIGN_OWNER = "itest.foreign";
    private static final TaskId FOREIGN = TaskId.of(FOREIGN_OWNER, "f");
    private static final TaskId FOREIGN_LETTER = TaskId.of(FOREIGN_OWNER, "dl");

    @Test
    public void aPluginActsOnItsOwnTasksOnlyAndTheAdminOnAll() throws Exception {
        start(plugin(FOREIGN_OWNER).tasks("f=" + FAST + "|dl=every:PT1H|slow=every:PT1H").fail("dl").deadLetter("dl")
                .block("slow=PT30S")); // slow holds a thread from its registration on: the owner shows in the stats
        awaitRuns(FOREIGN, RunStatus.SUCCEEDED, 1);
        scheduler.trigger(FOREIGN_LETTER); // the admin may: it fails once, no retries, dead letter
        await("the foreign dead letter", () -> scheduler.deadLetters().stream()
                .filter(d -> d.taskId().equals(FOREIGN_LETTER)).findFirst());

        ServiceReference<TaskScheduler> reference = context.getServiceReference(TaskScheduler.class);
        TaskScheduler plugin = context.getService(reference);
        assertFalse("a plugin's TaskScheduler is not the admin service", plugin instanceof SchedulerAdmin);
        String me = context.getBundle().getSymbolicName();
        TaskId own = plugin.addTask(TaskDefinition.builder("own").schedule("every:PT1H").deadLetterEligible(true)
                .build(), execution -> TaskResult.failure("own fails"), true);
        assertEquals(me, own.owner());
        try {
            ownTasksWork(plugin, own);
            foreignTasksAreRefused(plugin);
            wholeSchedulerOperationsAreRefused(plugin);
            statsShowOnlyItsOwnUseOfThePools(plugin);
            nothingForeignChanged();
            theAdminActsOnAnyTask();
        } finally {
            plugin.removeTask(own);
            context.ungetService(reference);
        }
    }

    private void ownTasksWork(TaskScheduler plugin, TaskId own) {
        assertTrue("lists its own tasks only: " + plugin.tasks(),
                plugin.tasks().stream().allMatch(t -> t.id().owner().equals(own.owner())));
        assertTrue(plugin.tasks().stream().map(TaskInfo::id).toList().contains(own));
        assertEquals(own, plugin.task(own).orElseThrow().id());
        assertEquals(own, plugin.resolve("own"));
        assertEquals(own, plugin.resolve(own.toString()));
        assertEquals(1, plugin.nextFires(own, 1).size());

        RunRecord called = plugin.call(own, Map.of("k", "v"));
        assertEquals(RunStatus.FAILED, called.status());
        assertEquals(called, plugin.run(called.runId()).orElseThrow());
        assertTrue(plugin.runs(own, 10).stream().anyMatch(r -> r.runId().equals(called.runId())));
        String triggered = plugin.trigger(own);
        String submitted = plugin.submit(own, Map.of("a", "1"), Optional.empty());
        String locked = plugin.submit(own, Map.of("a", "2"), Optional.of(Instant.now()), Set.of("customer-1"));
        // a trigger is subject to the overlap policy: it is SKIPPED if the fire at registration still runs
        await("own triggered run " + triggered, () -> plugin.run(triggered)
                .filter(r -> r.status() == RunStatus.FAILED || r.status() == RunStatus.SKIPPED));
        for (String runId : List.of(submitted, locked)) { // submissions wait for the task's running execution
            await("own submitted run " + runId, () -> plugin.run(runId).filter(r -> r.status() == RunStatus.FAILED));
        }
        plugin.disable(own);
        assertEquals(TaskState.DISABLED, plugin.task(own).orElseThrow().state());
        plugin.enable(own);
        plugin.pause(own);
        assertEquals(TaskState.PAUSED, plugin.task(own).orElseThrow().state());
        plugin.resume(own);
        plugin.reschedule(own, Schedule.parse("every:PT2H"));
        assertTrue(plugin.task(own).orElseThrow().scheduleOverridden());
        plugin.resetSchedule(own);
        assertFalse(plugin.task(own).orElseThrow().scheduleOverridden());

        DeadLetter letter = await("own dead letters", () -> plugin.deadLetters().stream()
                .filter(d -> d.taskId().equals(own)).findFirst());
        assertTrue("sees its own dead letters only: " + plugin.deadLetters(),
                plugin.deadLetters().stream().allMatch(d -> d.taskId().owner().equals(own.owner())));
        String replayed = plugin.replayDeadLetter(letter.runId());
        await("the replay", () -> plugin.run(replayed).filter(r -> r.status() == RunStatus.FAILED));
        await("the replay's dead letter", () -> plugin.deadLetters().stream().filter(d -> d.runId().equals(replayed))
                .findFirst());
        assertTrue(plugin.purgeDeadLetters(Optional.empty()) > 0);
        assertTrue(plugin.deadLetters().isEmpty());

        assertEquals(3, plugin.preview(Schedule.parse("cron:0 3 * * *"), Instant.now(), 3).size());
        assertFalse(plugin.describe(Schedule.parse("cron:0 3 * * *")).isBlank());
        assertNotNull(plugin.stats());
        assertFalse(plugin.isPausedAll());
        plugin.reloadTasks(); // its own providers: it has none, and that is no error
    }

    private void foreignTasksAreRefused(TaskScheduler plugin) {
        String runId = scheduler.runs(FOREIGN, 1).get(0).runId();
        String letter = scheduler.deadLetters().stream().filter(d -> d.taskId().equals(FOREIGN_LETTER)).findFirst()
                .orElseThrow().runId();
        assertTrue(plugin.tasks().stream().noneMatch(t -> t.id().owner().equals(FOREIGN_OWNER)));
        assertThrows("a bare id of another owner is not in scope", NoSuchTaskException.class,
                () -> plugin.resolve("f"));
        refused(FOREIGN, "resolve", () -> plugin.resolve(FOREIGN.toString()));
        refused(FOREIGN, "task", () -> plugin.task(FOREIGN));
        refused(FOREIGN, "runs", () -> plugin.runs(FOREIGN, 10));
        refused(FOREIGN, "run " + runId + " of", () -> plugin.run(runId));
        refused(FOREIGN, "nextFires", () -> plugin.nextFires(FOREIGN, 1));
        refused(FOREIGN, "trigger", () -> plugin.trigger(FOREIGN));
        refused(FOREIGN, "call", () -> plugin.call(FOREIGN, Map.of()));
        refused(FOREIGN, "submit", () -> plugin.submit(FOREIGN, Map.of(), Optional.empty()));
        refused(FOREIGN, "submit", () -> plugin.submit(FOREIGN, Map.of(), Optional.empty(), Set.of("k")));
        refused(FOREIGN, "enable", () -> plugin.enable(FOREIGN));
        refused(FOREIGN, "disable", () -> plugin.disable(FOREIGN));
        refused(FOREIGN, "pause", () -> plugin.pause(FOREIGN));
        refused(FOREIGN, "resume", () -> plugin.resume(FOREIGN));
        refused(FOREIGN, "reschedule", () -> plugin.reschedule(FOREIGN, Schedule.parse("every:PT1H")));
        refused(FOREIGN, "resetSchedule", () -> plugin.resetSchedule(FOREIGN));
        refused(FOREIGN, "removeTask", () -> plugin.removeTask(FOREIGN));
        refused(TaskId.of(FOREIGN_OWNER, "no-such-task"), "removeTask",
                () -> plugin.removeTask(TaskId.of(FOREIGN_OWNER, "no-such-task")));
        refused(TaskId.of("config", "job"), "trigger", () -> plugin.trigger(TaskId.of("config", "job")));
        assertTrue(plugin.deadLetters().stream().noneMatch(d -> d.taskId().owner().equals(FOREIGN_OWNER)));
        refused(FOREIGN_LETTER, "replayDeadLetter " + letter + " of", () -> plugin.replayDeadLetter(letter));
        refused(FOREIGN_LETTER, "purgeDeadLetters", () -> plugin.purgeDeadLetters(Optional.of(FOREIGN_LETTER)));
        assertEquals("purging all its dead letters leaves others' alone", 0,
                plugin.purgeDeadLetters(Optional.empty()));
    }

    private void statsShowOnlyItsOwnUseOfThePools(TaskScheduler plugin) {
        await("the foreign owner in the admin's stats", () -> scheduler.stats().owners().stream()
                .filter(o -> o.owner().equals(FOREIGN_OWNER) && o.running() > 0).findFirst());
        assertTrue("the plugin's stats name no other owner: " + plugin.stats().owners(), plugin.stats().owners()
                .stream().allMatch(o -> o.owner().equals(context.getBundle().getSymbolicName())));
        assertTrue(plugin.stats().providerProblems().isEmpty());
    }

    private void wholeSchedulerOperationsAreRefused(TaskScheduler plugin) {
        for (String op : List.of("pauseAll", "resumeAll", "purgeHistory")) {
            TaskAccessException e = assertThrows(op, TaskAccessException.class, () -> {
                switch (op) {
                    case "pauseAll" -> plugin.pauseAll();
                    case "resumeAll" -> plugin.resumeAll();
                    default -> plugin.purgeHistory(Duration.ZERO);
                }
            });
            assertTrue(e.getMessage(), e.getMessage().startsWith(op + ": refused") && e.getMessage()
                    .contains("SchedulerAdmin"));
            assertTrue(e.taskId().isEmpty());
        }
    }

    private void nothingForeignChanged() {
        TaskInfo foreign = scheduler.task(FOREIGN).orElseThrow();
        assertEquals(TaskState.ACTIVE, foreign.state());
        assertFalse(foreign.scheduleOverridden());
        assertFalse(scheduler.isPausedAll());
        assertFalse("the foreign history is still there", scheduler.runs(FOREIGN, 1).isEmpty());
        assertTrue("the foreign dead letter is still there", scheduler.deadLetters().stream()
                .anyMatch(d -> d.taskId().equals(FOREIGN_LETTER)));
        assertTrue("no run of the foreign task was started by the plugin", scheduler.runs(FOREIGN, 1000).stream()
                .allMatch(r -> r.trigger() == org.pluginscheduler.api.RunTrigger.SCHEDULE));
    }

    private void theAdminActsOnAnyTask() {
        assertTrue(scheduler.tasks().stream().anyMatch(t -> t.id().equals(FOREIGN)));
        assertEquals(FOREIGN, scheduler.resolve("f"));
        scheduler.pause(FOREIGN);
        assertEquals(TaskState.PAUSED, scheduler.task(FOREIGN).orElseThrow().state());
        scheduler.resume(FOREIGN);
        scheduler.pauseAll();
        assertTrue(scheduler.isPausedAll());
        scheduler.resumeAll();
        assertFalse(scheduler.isPausedAll());
        assertTrue(scheduler.purgeDeadLetters(Optional.of(FOREIGN_LETTER)) >= 1);
        assertTrue(scheduler.deadLetters().stream().noneMatch(d -> d.taskId().equals(FOREIGN_LETTER)));
        assertTrue("the admin purges every task's finished history", scheduler.purgeHistory(Duration.ZERO) > 0);
    }

    private static void refused(TaskId task, String operation, ThrowingRunnable call) {
        TaskAccessException e = assertThrows(operation + " " + task, TaskAccessException.class, call);
        assertEquals(Optional.of(task), e.taskId());
        assertTrue(e.getMessage(), e.getMessage().startsWith(operation + " " + task + ": refused, the task is "
                + "owned by '" + task.owner() + "'"));
    }
}
