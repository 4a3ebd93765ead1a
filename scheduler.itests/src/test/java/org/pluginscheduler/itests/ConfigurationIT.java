package org.pluginscheduler.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.pluginscheduler.itests.TestPlugin.plugin;

import java.io.IOException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import javax.inject.Inject;

import org.junit.After;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.pluginscheduler.api.Priority;
import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.SchedulerStats;
import org.pluginscheduler.api.TaskAction;
import org.pluginscheduler.api.TaskDefinition;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.TaskInfo;
import org.pluginscheduler.api.TaskResult;
import org.pluginscheduler.api.TaskState;

/**
 * Configuration through Config Admin, live: per-task overrides ({@value #OVERRIDE_PID}), configuration-defined jobs
 * ({@value #JOB_PID}) and the scheduler core ({@value #SCHEDULER_PID}). Each is created, changed and deleted while
 * the scheduler runs, and an invalid configuration is rejected with the last good one kept in force.
 *
 * <p>A rejection has no effect to wait for. To know that Config Admin and SCR have handled an invalid configuration
 * before checking that nothing changed, a test then makes a valid change elsewhere (a marker) and waits for it:
 * Config Admin delivers configuration events in order, and SCR handles each before the next. The core's
 * configuration needs no marker: SCR updates the core's service properties after its modified method returns,
 * and {@link #configureScheduler} waits for those.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ConfigurationIT extends SchedulerTestBase {

    private static final String OVERRIDE_PID = "org.pluginscheduler.task.override";
    private static final String JOB_PID = "org.pluginscheduler.job";
    private static final String SCHEDULER_PID = "org.pluginscheduler.scheduler";

    @Inject
    private ConfigurationAdmin configAdmin;

    private final List<Configuration> configurations = new ArrayList<>();
    private final List<ServiceRegistration<?>> registrations = new ArrayList<>();
    private final List<TaskId> added = new ArrayList<>();

    @After
    public void cleanUp() throws IOException {
        for (Configuration configuration : configurations) {
            try {
                configuration.delete();
            } catch (IllegalStateException deleted) {
                // deleted by the test
            }
        }
        configurations.clear();
        for (ServiceRegistration<?> registration : registrations) {
            try {
                registration.unregister();
            } catch (IllegalStateException unregistered) {
                // unregistered by the test
            }
        }
        registrations.clear();
        added.forEach(scheduler::removeTask);
        added.clear();
    }

    // --- task overrides -------------------------------------------------------------------------------------------

    @Test
    public void aTaskOverrideChangesAPluginTasksScheduleAndEnabledStateLive() throws Exception {
        start(plugin("itest.cfg.override").tasks("cfg-nightly=cron:0 3 * * *|cfg-marker=cron:0 5 * * *"));
        TaskId nightly = TaskId.of("itest.cfg.override", "cfg-nightly");
        TaskId marker = TaskId.of("itest.cfg.override", "cfg-marker");
        awaitState(nightly, TaskState.ACTIVE);
        awaitState(marker, TaskState.ACTIVE);

        // created: another schedule, disabled
        Configuration override = create(OVERRIDE_PID,
                Map.of("task", nightly.toString(), "schedule", "cron:0 4 * * *", "enabled", "false"));
        TaskInfo disabled = awaitTask(nightly, TaskState.DISABLED, "cron:0 4 * * *");
        assertFalse(disabled.definition().orElseThrow().enabledByDefault());
        assertEquals("the marker is not affected", "cron:0 5 * * *", info(marker).scheduleText());

        // changed: fires fast, enabled again
        override.update(properties(Map.of("task", nightly.toString(), "schedule", FAST, "enabled", "true")));
        awaitTask(nightly, TaskState.ACTIVE, FAST);
        awaitRuns(nightly, RunStatus.SUCCEEDED, 2);

        // an administrator's reschedule wins over the configuration until it is reset
        scheduler.reschedule(nightly, org.pluginscheduler.api.Schedule.parse("cron:0 7 * * *"));
        assertEquals("cron:0 7 * * *", info(nightly).scheduleText());
        scheduler.resetSchedule(nightly);
        assertEquals(FAST, info(nightly).scheduleText());

        // changed to something invalid: rejected as a whole, the last good override stays
        override.update(properties(Map.of("task", nightly.toString(), "schedule", "cron:61 * * * *",
                "enabled", "false")));
        Configuration markerOverride = create(OVERRIDE_PID,
                Map.of("task", marker.toString(), "schedule", "cron:0 6 * * *"));
        awaitTask(marker, TaskState.ACTIVE, "cron:0 6 * * *");
        TaskInfo kept = info(nightly);
        assertEquals(FAST, kept.scheduleText());
        assertEquals("enabled=false came with the invalid schedule and is not applied", TaskState.ACTIVE, kept.state());
        int before = runs(nightly, RunStatus.SUCCEEDED).size();
        awaitRuns(nightly, RunStatus.SUCCEEDED, before + 2);

        // an invalid enabled value is rejected too
        override.update(properties(Map.of("task", nightly.toString(), "enabled", "maybe")));
        markerOverride.update(properties(Map.of("task", marker.toString(), "schedule", "cron:0 8 * * *")));
        awaitTask(marker, TaskState.ACTIVE, "cron:0 8 * * *");
        assertEquals(FAST, info(nightly).scheduleText());

        // deleted: the definition's schedule applies again
        override.delete();
        awaitTask(nightly, TaskState.ACTIVE, "cron:0 3 * * *");
        markerOverride.delete();
        awaitTask(marker, TaskState.ACTIVE, "cron:0 5 * * *");
    }

    // --- configuration-defined jobs -------------------------------------------------------------------------------

    @Test
    public void aJobConfigurationRunsItsHandlerWithItsConfigAndGoesWithIt() throws Exception {
        Configuration job = create(JOB_PID, Map.of("id", "cfg-job", "schedule", FAST, "handler", "h1",
                "config.greeting", "hello", "config.target", "/srv/data", "description", "says hello"));
        TaskId id = TaskId.of("config", "cfg-job");
        TaskInfo registered = awaitTask(id, TaskState.ACTIVE, FAST);
        assertTrue(registered.ownerBundle(), registered.ownerBundle().startsWith("configuration " + JOB_PID));
        TaskDefinition definition = registered.definition().orElseThrow();
        assertEquals(Map.of("greeting", "hello", "target", "/srv/data"), definition.config());
        assertEquals("says hello", definition.description());

        // no handler yet: every run fails, saying so
        RunRecord failed = awaitRun(id, "failing for want of h1", r -> r.status() == RunStatus.FAILED);
        assertTrue(failed.message(), failed.message().startsWith("handler 'h1' is not available"));

        // the handler arrives: runs succeed, and see the job's config.* entries
        registrations.add(context.registerService(TaskAction.class,
                run -> TaskResult.success(run.config().get("greeting") + " " + run.config().get("target")),
                properties(Map.of(TaskAction.HANDLER_PROPERTY, "h1"))));
        awaitRun(id, "by h1", r -> r.status() == RunStatus.SUCCEEDED && r.message().equals("hello /srv/data"));

        // changed live
        job.update(properties(Map.of("id", "cfg-job", "schedule", FAST, "handler", "h1", "config.greeting", "bye",
                "config.target", "/srv/data")));
        awaitRun(id, "with the new config", r -> r.status() == RunStatus.SUCCEEDED
                && r.message().equals("bye /srv/data"));
        assertEquals(Map.of("greeting", "bye", "target", "/srv/data"), info(id).definition().orElseThrow().config());

        // changed to something invalid: rejected, the job keeps its last good configuration
        job.update(properties(Map.of("id", "cfg-job", "schedule", "cron:61 * * * *", "handler", "h1",
                "config.greeting", "broken")));
        Configuration marker = create(JOB_PID, Map.of("id", "cfg-job-marker", "schedule", "cron:0 3 * * *",
                "handler", "h1"));
        TaskId markerId = TaskId.of("config", "cfg-job-marker");
        awaitTask(markerId, TaskState.ACTIVE, "cron:0 3 * * *");
        TaskInfo kept = info(id);
        assertEquals(FAST, kept.scheduleText());
        assertEquals("bye", kept.definition().orElseThrow().config().get("greeting"));
        Instant afterRejection = Instant.now();
        awaitRun(id, "still on the last good configuration", r -> r.status() == RunStatus.SUCCEEDED
                && r.scheduledTime().isAfter(afterRejection) && r.message().equals("bye /srv/data"));

        // deleting the configuration removes the job
        job.delete();
        awaitTrue(id + " removed", () -> entries(id).isEmpty());
        assertEquals(List.of(), runs(id));

        // removing the job deletes its configuration
        String markerPid = marker.getPid();
        assertTrue(scheduler.removeTask(markerId));
        awaitTrue(markerId + " removed", () -> entries(markerId).isEmpty());
        assertNull("configuration " + markerPid + " deleted",
                configAdmin.listConfigurations("(service.pid=" + markerPid + ")"));
        assertFalse("nothing left to remove", scheduler.removeTask(markerId));
    }

    @Test
    public void aJobWithoutItsHandlerFailsUntilTheHandlerComesBack() throws Exception {
        ServiceRegistration<TaskAction> handler = context.registerService(TaskAction.class,
                run -> TaskResult.success("h2 ran"), properties(Map.of(TaskAction.HANDLER_PROPERTY, "h2")));
        registrations.add(handler);
        create(JOB_PID, Map.of("id", "cfg-job2", "schedule", FAST, "handler", "h2"));
        TaskId id = TaskId.of("config", "cfg-job2");
        awaitRun(id, "by h2", r -> r.status() == RunStatus.SUCCEEDED && r.message().equals("h2 ran"));

        handler.unregister();
        Instant gone = Instant.now();
        RunRecord failed = awaitRun(id, "without h2", r -> r.status() == RunStatus.FAILED
                && r.scheduledTime().isAfter(gone));
        assertTrue(failed.message(), failed.message().startsWith("handler 'h2' is not available"));
        assertEquals("the job stays", TaskState.ACTIVE, info(id).state());

        registrations.add(context.registerService(TaskAction.class, run -> TaskResult.success("h2 is back"),
                properties(Map.of(TaskAction.HANDLER_PROPERTY, "h2"))));
        awaitRun(id, "by the new h2", r -> r.status() == RunStatus.SUCCEEDED && r.message().equals("h2 is back"));
    }

    // --- the scheduler core ---------------------------------------------------------------------------------------

    @Test
    public void anInvalidSchedulerConfigurationIsRejectedAndTheLastGoodOneStays() throws Exception {
        ZoneId kiritimati = ZoneId.of("Pacific/Kiritimati"); // UTC+14: unlike any JVM default in practice
        TaskId nightly = scheduler.addTask(TaskDefinition.builder("cfg-zone").schedule("cron:0 3 * * *").build(),
                run -> TaskResult.success(), false);
        added.add(nightly);
        Configuration core = configAdmin.getConfiguration(SCHEDULER_PID, "?");
        try {
            configureScheduler(Map.of("default.zone", kiritimati.getId()));
            assertFiresAtThreeIn(nightly, kiritimati);

            // an unknown zone: rejected; the zone in force stays (an existing task, and a new one, plan by it)
            configureScheduler(Map.of("default.zone", "Mars/Olympus"));
            assertFiresAtThreeIn(nightly, kiritimati);
            TaskId added2 = scheduler.addTask(TaskDefinition.builder("cfg-zone-new").schedule("cron:0 3 * * *")
                    .build(), run -> TaskResult.success(), false);
            added.add(added2);
            assertFiresAtThreeIn(added2, kiritimati);

            // a valid zone with an invalid value beside it: the whole configuration is rejected, zone included
            configureScheduler(Map.of("default.zone", "Asia/Tokyo", "lock.retry.delay.ms", 0));
            assertFiresAtThreeIn(nightly, kiritimati);
            configureScheduler(Map.of("default.zone", "Asia/Tokyo", "grace.period.seconds", 99999));
            assertFiresAtThreeIn(nightly, kiritimati);

            // the scheduler keeps working meanwhile
            TaskId beat = scheduler.addTask(TaskDefinition.builder("cfg-beat").schedule(FAST).build(),
                    run -> TaskResult.success(), false);
            added.add(beat);
            awaitRuns(beat, RunStatus.SUCCEEDED, 2);

            // a valid configuration is applied again
            configureScheduler(Map.of("default.zone", "Asia/Tokyo"));
            assertFiresAtThreeIn(nightly, ZoneId.of("Asia/Tokyo"));
        } finally {
            core.delete();
        }
        // deleted: the defaults (the JVM's zone)
        assertFiresAtThreeIn(nightly, ZoneId.systemDefault());
    }

    // --- helpers --------------------------------------------------------------------------------------------------

    private Configuration create(String factoryPid, Map<String, ?> values) throws IOException {
        Configuration configuration = configAdmin.createFactoryConfiguration(factoryPid, "?");
        configurations.add(configuration);
        configuration.update(properties(values));
        return configuration;
    }

    private static Dictionary<String, Object> properties(Map<String, ?> values) {
        return new Hashtable<>(values);
    }

    private TaskInfo awaitTask(TaskId id, TaskState state, String schedule) {
        return await(id + " " + state + " on " + schedule, () -> scheduler.task(id)
                .filter(t -> t.state() == state && t.scheduleText().equals(schedule)));
    }

    private TaskInfo info(TaskId id) {
        return scheduler.task(id).orElseThrow(() -> new AssertionError("no task " + id));
    }

    private void assertFiresAtThreeIn(TaskId id, ZoneId zone) {
        ZonedDateTime next = await(id + " planned at 03:00 in " + zone, () -> scheduler.task(id)
                .flatMap(TaskInfo::nextFire).map(n -> n.atZone(zone)).filter(n -> n.getHour() == 3));
        assertEquals(next.toString(), 0, next.getMinute());
        List<ZonedDateTime> fires = scheduler.nextFires(id, 2);
        assertEquals(fires.toString(), zone.normalized(), fires.get(0).getZone().normalized());
        assertEquals(fires.toString(), 3, fires.get(1).getHour());
    }

    private int threads(Priority priority) {
        SchedulerStats stats = scheduler.stats();
        Optional<SchedulerStats.Pool> pool = stats.pools().stream().filter(p -> p.priority() == priority).findFirst();
        return pool.orElseThrow(() -> new AssertionError("no " + priority + " pool in " + stats)).threads();
    }
}
