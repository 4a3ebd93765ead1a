package org.pluginscheduler.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.pluginscheduler.itests.TestPlugin.plugin;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.RunTrigger;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.TaskInfo;
import org.pluginscheduler.api.TaskState;

/** A plugin's tasks live exactly as long as its provider: start, stop, stop in mid-run, update. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ProviderLifecycleIT extends SchedulerTestBase {

    @Test
    public void startingAPluginRegistersItsTasksAndTheyFire() throws Exception {
        Instant before = Instant.now();
        start(plugin("itest.fires").tasks("tick=" + FAST + "|daily=cron:0 3 * * *"));
        TaskId tick = TaskId.of("itest.fires", "tick");
        TaskId daily = TaskId.of("itest.fires", "daily");

        TaskInfo tickInfo = awaitState(tick, TaskState.ACTIVE);
        assertEquals("itest.fires 1.0.0", tickInfo.ownerBundle());
        assertEquals(FAST, tickInfo.scheduleText());
        assertTrue("tick has a next fire", tickInfo.nextFire().isPresent());

        TaskInfo dailyInfo = awaitState(daily, TaskState.ACTIVE);
        Instant next = dailyInfo.nextFire().orElseThrow(() -> new AssertionError("daily has no next fire"));
        assertTrue("daily's next fire " + next + " is within a day of " + before,
                next.isAfter(before) && next.isBefore(before.plus(Duration.ofHours(26))));
        ZonedDateTime local = next.atZone(ZoneId.systemDefault()); // the scheduler's default zone: none configured
        assertEquals("daily fires at 03:00 local: " + local, 3, local.getHour());
        assertEquals("daily fires at 03:00 local: " + local, 0, local.getMinute());

        List<RunRecord> succeeded = awaitRuns(tick, RunStatus.SUCCEEDED, 2);
        for (RunRecord run : succeeded) {
            assertEquals(RunTrigger.SCHEDULE, run.trigger());
            assertEquals("ran 1.0.0", run.message());
            assertEquals("1.0.0", run.data().get("version"));
            assertEquals("the provider ran once for run " + run.runId(), 1,
                    calls("itest.fires", " execute tick " + run.runId()).size());
        }
        assertTrue("daily did not run", runs(daily).isEmpty());
    }

    @Test
    public void stoppingAPluginRemovesItsTasksAndNothingRunsAfterwards() throws Exception {
        Bundle plugin = start(plugin("itest.stop").tasks("tick=" + FAST + "|other=" + FAST));
        TaskId tick = TaskId.of("itest.stop", "tick");
        awaitRuns(tick, RunStatus.SUCCEEDED, 1);

        plugin.stop();
        Instant stopped = Instant.now();

        for (TaskInfo task : scheduler.tasks()) {
            if (task.id().owner().equals("itest.stop")) {
                assertEquals(task.id() + " after stop", TaskState.DORMANT, task.state());
                assertTrue(task.id() + " has no next fire", task.nextFire().isEmpty());
            }
        }
        assertEquals(1, entries(tick).size());
        int callsAtStop = calls("itest.stop").size();

        letTheSchedulerTick(4);

        assertEquals("the provider was called after its bundle stopped", callsAtStop, calls("itest.stop").size());
        assertNoRunAfter(tick, stopped);
        assertNoRunAfter(TaskId.of("itest.stop", "other"), stopped);
    }

    @Test
    public void aRunInProgressIsCancelledWhenItsPluginStops() throws Exception {
        Bundle plugin = start(plugin("itest.cancel").tasks("sleeper=" + FAST).slow("sleeper"));
        TaskId sleeper = TaskId.of("itest.cancel", "sleeper");
        RunRecord running = awaitRun(sleeper, "RUNNING", r -> r.status() == RunStatus.RUNNING);
        awaitTrue("the provider entered run " + running.runId(),
                () -> !calls("itest.cancel", " execute sleeper " + running.runId()).isEmpty());

        long t0 = System.nanoTime();
        plugin.stop(); // unregisters the provider; the scheduler cancels the run and waits for it
        Duration stopTook = Duration.ofNanos(System.nanoTime() - t0);
        Instant stopped = Instant.now();

        RunRecord ended = scheduler.run(running.runId()).orElseThrow();
        assertEquals("status of the interrupted run, right after stop() returned: " + ended, RunStatus.CANCELLED,
                ended.status());
        assertTrue(ended.message(), ended.message().startsWith("cancelled"));
        assertTrue("end time", ended.endTime().isPresent());
        assertEquals("the task saw the interrupt with isCancelled() true", 1,
                calls("itest.cancel", " interrupted cancelled=true sleeper " + running.runId()).size());
        assertTrue("stop() took " + stopTook + ": it should wait for the run to end, not the 10 s grace period",
                stopTook.compareTo(Duration.ofSeconds(3)) < 0);
        int callsAtStop = calls("itest.cancel", " execute ").size();

        letTheSchedulerTick(4);

        assertEquals("the provider was called after its bundle stopped", callsAtStop,
                calls("itest.cancel", " execute ").size());
        assertNoRunAfter(sleeper, stopped);
    }

    @Test
    public void updatingAPluginKeepsItsTaskIdsAndTheyFireAgain() throws Exception {
        Bundle plugin = start(plugin("itest.update").tasks("tick=" + FAST));
        TaskId tick = TaskId.of("itest.update", "tick");
        TaskId tock = TaskId.of("itest.update", "tock");
        RunRecord before = awaitRun(tick, "by 1.0.0", r -> succeededBy(r, "1.0.0"));

        plugin.update(plugin("itest.update").version("1.1.0").tasks("tick=" + FAST + "|tock=" + FAST).build());
        assertEquals("1.1.0", plugin.getVersion().toString());
        assertEquals(Bundle.ACTIVE, plugin.getState());

        await("tick provided by 1.1.0", () -> entries(tick).stream()
                .filter(t -> t.state() == TaskState.ACTIVE && t.ownerBundle().equals("itest.update 1.1.0"))
                .findFirst());
        awaitRun(tick, "by 1.1.0", r -> succeededBy(r, "1.1.0"));
        awaitRun(tock, "by 1.1.0", r -> succeededBy(r, "1.1.0"));
        Set<TaskId> ids = scheduler.tasks().stream().filter(t -> t.id().owner().equals("itest.update"))
                .map(TaskInfo::id).collect(Collectors.toSet());
        assertEquals(Set.of(tick, tock), ids);
        assertTrue("the run history of " + tick + " survived the update",
                runs(tick).stream().anyMatch(r -> r.runId().equals(before.runId())));
    }

    private static boolean succeededBy(RunRecord run, String version) {
        return run.status() == RunStatus.SUCCEEDED && version.equals(run.data().get("version"));
    }

    /**
     * No fire was scheduled after {@code instant}, and no run entered task code after it. A fire planned just
     * before may still be recorded afterwards, as SKIPPED or as CANCELLED before it started.
     */
    private void assertNoRunAfter(TaskId id, Instant instant) {
        for (RunRecord run : runs(id)) {
            assertTrue("a fire after the plugin stopped: " + run, !run.scheduledTime().isAfter(instant));
            assertTrue("a run not ended: " + run, run.status().isFinal());
            if (run.status() != RunStatus.SKIPPED && run.status() != RunStatus.CANCELLED) {
                assertTrue("a run started after the plugin stopped: " + run,
                        !run.startTime().orElseThrow().isAfter(instant));
            }
        }
    }
}
