package org.pluginscheduler.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.pluginscheduler.itests.TestPlugin.plugin;

import java.time.Instant;
import java.util.Optional;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.TaskDefinition;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.TaskInfo;
import org.pluginscheduler.api.TaskResult;
import org.pluginscheduler.api.TaskState;

/** TaskScheduler is bundle-scoped: ad-hoc tasks belong to the bundle that added them and go when it stops. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class TaskSchedulerServiceIT extends SchedulerTestBase {

    @Test
    public void adHocTasksBelongToTheAddingBundleAndGoWhenItStops() throws Exception {
        Bundle plugin = start(plugin("itest.adhoc").adHocTasks("beat=" + FAST));
        TaskId beat = TaskId.of("itest.adhoc", "beat");

        TaskInfo info = awaitState(beat, TaskState.ACTIVE);
        assertEquals("itest.adhoc 1.0.0", info.ownerBundle());
        awaitRuns(beat, RunStatus.SUCCEEDED, 1);
        assertFalse(calls("itest.adhoc", " execute beat ").isEmpty());

        // what the probe adds is the probe's
        TaskId mine = scheduler.addTask(TaskDefinition.builder("probe-beat").schedule(FAST).build(),
                execution -> TaskResult.success("probe"), false);
        assertEquals(context.getBundle().getSymbolicName(), mine.owner());
        awaitRuns(mine, RunStatus.SUCCEEDED, 1);

        plugin.stop(); // the framework releases the plugin's TaskScheduler instance
        Instant stopped = Instant.now();
        Optional<TaskInfo> after = scheduler.task(beat);
        assertTrue("after its bundle stopped " + beat + " is " + after,
                after.isEmpty() || after.get().state() == TaskState.DORMANT);
        int callsAtStop = calls("itest.adhoc", " execute ").size();

        letTheSchedulerTick(4);

        assertEquals("the ad-hoc task ran after its bundle stopped", callsAtStop,
                calls("itest.adhoc", " execute ").size());
        for (RunRecord run : runs(beat)) {
            assertFalse("a fire after the bundle stopped: " + run, run.scheduledTime().isAfter(stopped));
        }

        // the probe's task is unaffected, and the probe can remove it
        assertEquals(TaskState.ACTIVE, scheduler.task(mine).orElseThrow().state());
        assertTrue(scheduler.removeTask(mine));
        assertTrue(scheduler.task(mine).isEmpty());
    }
}
