package org.pluginscheduler.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.pluginscheduler.itests.TestPlugin.plugin;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.util.tracker.ServiceTracker;
import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.SchedulerAdmin;
import org.pluginscheduler.api.TaskState;

/** The scheduler bundle itself stops and starts under running plugins. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class SchedulerRestartIT extends SchedulerTestBase {

    @Test
    public void stoppingTheSchedulerCancelsRunsAndAStartedOneTakesThePluginsBack() throws Exception {
        configureScheduler(java.util.Map.of("grace.period.seconds", 1));
        start(plugin("itest.restart").tasks("tick=" + FAST + "|sleeper=" + FAST).slow("sleeper"));
        TaskId tick = TaskId.of("itest.restart", "tick");
        TaskId sleeper = TaskId.of("itest.restart", "sleeper");
        RunRecord running = awaitRun(sleeper, "RUNNING", r -> r.status() == RunStatus.RUNNING);
        awaitTrue("the provider entered run " + running.runId(),
                () -> !calls("itest.restart", " execute sleeper " + running.runId()).isEmpty());

        Bundle core = Arrays.stream(context.getBundles()).filter(b -> "scheduler.impl".equals(b.getSymbolicName()))
                .findFirst().orElseThrow();
        long t0 = System.nanoTime();
        core.stop();
        Duration stopTook = Duration.ofNanos(System.nanoTime() - t0);
        assertEquals("the running task saw the interrupt", 1,
                calls("itest.restart", " interrupted cancelled=true sleeper " + running.runId()).size());
        // graceful: running work gets the grace period (1 s here) to finish, then it is cancelled
        assertTrue("stopping the scheduler took " + stopTook, stopTook.compareTo(Duration.ofMillis(900)) > 0
                && stopTook.compareTo(Duration.ofSeconds(4)) < 0);
        int callsAtStop = calls("itest.restart", " execute ").size();

        core.start();
        ServiceTracker<SchedulerAdmin, SchedulerAdmin> tracker = new ServiceTracker<>(context, SchedulerAdmin.class, null);
        tracker.open();
        try {
            SchedulerAdmin restarted = tracker.waitForService(TimeUnit.SECONDS.toMillis(5));
            assertNotNull("a SchedulerAdmin after the restart", restarted);
            scheduler = restarted; // the helpers query this one
            assertEquals(TaskState.ACTIVE, awaitState(tick, TaskState.ACTIVE).state());
            awaitRuns(tick, RunStatus.SUCCEEDED, 1);
            assertTrue(calls("itest.restart", " execute ").size() > callsAtStop);
        } finally {
            tracker.close();
        }
    }
}
