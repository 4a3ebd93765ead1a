package org.pluginscheduler.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;
import static org.pluginscheduler.itests.TestPlugin.plugin;

import java.util.List;
import java.util.stream.Collectors;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.TaskInfo;
import org.pluginscheduler.api.TaskState;

/** Bad and conflicting claims are rejected alone, visibly, and do not disturb what already runs. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class RegistrationErrorsIT extends SchedulerTestBase {

    @Test
    public void anInvalidDefinitionIsRejectedAloneAndNamesTheField() throws Exception {
        start(plugin("itest.invalid")
                .tasks("good=" + FAST + "|badcron=cron:61 * * * *|badzone=cron:0 3 * * * tz=Mars/Olympus"));
        TaskId good = TaskId.of("itest.invalid", "good");
        TaskId badCron = TaskId.of("itest.invalid", "badcron");
        TaskId badZone = TaskId.of("itest.invalid", "badzone");

        awaitRuns(good, RunStatus.SUCCEEDED, 1);
        assertEquals(TaskState.ACTIVE, single(good).state());

        TaskInfo cron = single(badCron);
        assertEquals(TaskState.INVALID, cron.state());
        assertTrue("problem of " + badCron + ": " + cron.problem(),
                cron.problem().orElse("").contains("minute: 61 is not in 0–59"));
        assertEquals("cron:61 * * * *", cron.scheduleText());
        assertTrue(cron.nextFire().isEmpty());

        TaskInfo zone = single(badZone);
        assertEquals(TaskState.INVALID, zone.state());
        assertTrue("problem of " + badZone + ": " + zone.problem(),
                zone.problem().orElse("").contains("tz: unknown time zone 'Mars/Olympus'"));

        IllegalStateException e = assertThrows(IllegalStateException.class, () -> scheduler.trigger(badCron));
        assertTrue(e.getMessage(), e.getMessage().contains("cannot run: it is invalid"));
        assertTrue(calls("itest.invalid", " execute bad").isEmpty());
    }

    @Test
    public void aSecondClaimOnAnIdConflictsAndTakesOverWhenTheFirstGoes() throws Exception {
        // two bundles with one symbolic name (different versions): both claim itest.conflict:shared
        Bundle first = start(plugin("itest.conflict").version("1.0.0").tasks("shared=" + FAST));
        TaskId shared = TaskId.of("itest.conflict", "shared");
        awaitRun(shared, "by 1.0.0", r -> succeededBy(r, "1.0.0"));

        start(plugin("itest.conflict").version("2.0.0").tasks("shared=" + FAST));
        TaskInfo conflict = awaitState(shared, TaskState.CONFLICT);
        assertEquals("itest.conflict 2.0.0", conflict.ownerBundle());
        assertTrue("problem: " + conflict.problem(), conflict.problem().orElse("").contains("already provided by"));
        assertTrue(conflict.nextFire().isEmpty());
        List<TaskInfo> active = entries(shared).stream().filter(t -> t.state() == TaskState.ACTIVE)
                .collect(Collectors.toList());
        assertEquals("one ACTIVE entry: " + entries(shared), 1, active.size());
        assertEquals("itest.conflict 1.0.0", active.get(0).ownerBundle());

        // the first keeps firing; the second is never called
        int succeeded = runs(shared, RunStatus.SUCCEEDED).size();
        awaitRuns(shared, RunStatus.SUCCEEDED, succeeded + 3);
        assertTrue("a run by 2.0.0 while it conflicts: " + runs(shared),
                runs(shared).stream().noneMatch(r -> "2.0.0".equals(r.data().get("version"))));
        assertTrue(calls("itest.conflict").stream().noneMatch(l -> l.startsWith("2.0.0 ")));

        // the first goes away: the waiting claim gets the id
        first.stop();
        TaskInfo takeover = await("2.0.0 owning " + shared, () -> entries(shared).stream()
                .filter(t -> t.state() == TaskState.ACTIVE && t.ownerBundle().equals("itest.conflict 2.0.0"))
                .findFirst());
        assertTrue(takeover.nextFire().isPresent());
        assertEquals("entries after the take-over: " + entries(shared), 1, entries(shared).size());
        awaitRun(shared, "by 2.0.0", r -> succeededBy(r, "2.0.0"));
    }

    private TaskInfo single(TaskId id) {
        List<TaskInfo> found = entries(id);
        assertEquals("entries of " + id + ": " + found, 1, found.size());
        return found.get(0);
    }

    private static boolean succeededBy(RunRecord run, String version) {
        return run.status() == RunStatus.SUCCEEDED && version.equals(run.data().get("version"));
    }
}
