package org.pluginscheduler.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.pluginscheduler.itests.TestPlugin.plugin;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import javax.inject.Inject;

import org.junit.After;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.RunTrigger;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.TaskInfo;
import org.pluginscheduler.api.TaskState;

/**
 * What plugin authors write, in a real framework: a task service (a DS component that is a plain Runnable, its
 * schedule in its component properties, as {@code @TaskSchedule} writes them) that follows its configuration live;
 * an on-demand task; per-run lock keys on a manual call.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class PluginAuthoringIT extends SchedulerTestBase {

    @Inject
    private ConfigurationAdmin configAdmin;

    private final List<Configuration> configurations = new ArrayList<>();

    @After
    public void deleteConfigurations() throws IOException {
        for (Configuration configuration : configurations) {
            configuration.delete();
        }
        configurations.clear();
    }

    /** The component XML bnd writes for {@code @Component(configurationPid = pid) @TaskSchedule(...) Runnable}. */
    private static String taskComponent(String pid, String schedule, String id) {
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                + "<scr:component xmlns:scr=\"http://www.osgi.org/xmlns/scr/v1.3.0\" name=\"" + pid + "\""
                + " activate=\"activate\" modified=\"modified\" configuration-pid=\"" + pid + "\">\n"
                + "  <property name=\"scheduler.task.schedule\" type=\"String\" value=\"" + schedule + "\"/>\n"
                + "  <property name=\"scheduler.id\" type=\"String\" value=\"" + id + "\"/>\n"
                + "  <property name=\"scheduler.retries\" type=\"Integer\" value=\"0\"/>\n"
                + "  <service><provide interface=\"java.lang.Runnable\"/></service>\n"
                + "  <implementation class=\"org.pluginscheduler.itests.plugin.TaskServiceComponent\"/>\n"
                + "</scr:component>\n";
    }

    @Test
    public void aTaskServiceAppearsFiresFollowsItsConfigurationLiveAndGoesWithItsBundle() throws Exception {
        String pid = "itest.tasksvc.Tick";
        Bundle bundle = start(plugin("itest.tasksvc").component("tick", taskComponent(pid, FAST, "tick")));
        TaskId tick = TaskId.of("itest.tasksvc", "tick");

        TaskInfo info = awaitState(tick, TaskState.ACTIVE);
        assertEquals(FAST, info.scheduleText());
        assertEquals("itest.tasksvc 1.0.0", info.ownerBundle());
        awaitRuns(tick, RunStatus.SUCCEEDED, 2);
        await("the component's run() was called", () -> calls("itest.tasksvc", " run tick ").size() >= 2
                ? Optional.of(true) : Optional.empty());

        // an operator's configuration (etc/itest.tasksvc.Tick.cfg in the runtime): the task follows it live,
        // without the bundle restarting (the component's modified method keeps it registered)
        Configuration configuration = configAdmin.getConfiguration(pid, "?");
        configurations.add(configuration);
        Dictionary<String, Object> properties = new Hashtable<>();
        properties.put("scheduler.task.schedule", "cron:0 3 * * *");
        properties.put("scheduler.id", "tick");
        configuration.update(properties);
        await("the new schedule", () -> entries(tick).stream().filter(t -> t.state() == TaskState.ACTIVE
                && t.scheduleText().equals("cron:0 3 * * *")).findFirst());
        int runsAfterReconfiguration = runs(tick).size();
        letTheSchedulerTick(5);
        assertEquals("the old schedule no longer fires", runsAfterReconfiguration, runs(tick).size());
        assertEquals("still the same bundle, never stopped", Bundle.ACTIVE, bundle.getState());

        // a bad value: the last good definition stays in force
        properties.put("scheduler.timeout", "soon");
        properties.put("scheduler.task.schedule", FAST);
        configuration.update(properties);
        TaskInfo rejected = awaitState(tick, TaskState.INVALID); // listed beside the running one, naming the property
        assertEquals(Optional.of("scheduler.timeout: 'soon' is not an ISO-8601 duration such as PT5M"),
                rejected.problem());
        letTheSchedulerTick(5);
        TaskInfo kept = awaitState(tick, TaskState.ACTIVE);
        assertEquals("cron:0 3 * * *", kept.scheduleText());
        assertEquals(runsAfterReconfiguration, runs(tick).size());

        bundle.stop();
        assertEquals(TaskState.DORMANT, awaitState(tick, TaskState.DORMANT).state());
        assertTrue(entries(tick).get(0).nextFire().isEmpty());
    }

    @Test
    public void aTaskServiceWithABadPropertyIsInvalidAndItsProblemNamesTheProperty() throws Exception {
        String xml = taskComponent("itest.tasksvc.Bad", FAST, "bad").replace(
                "<property name=\"scheduler.retries\" type=\"Integer\" value=\"0\"/>",
                "<property name=\"scheduler.retries\" type=\"Integer\" value=\"5000\"/>");
        start(plugin("itest.tasksvc.bad").component("bad", xml).tasks("good=" + FAST));
        TaskId bad = TaskId.of("itest.tasksvc.bad", "bad");
        TaskInfo info = awaitState(bad, TaskState.INVALID);
        assertEquals(Optional.of("scheduler.retries: 5000 is not in 0–1000"), info.problem());
        awaitRuns(TaskId.of("itest.tasksvc.bad", "good"), RunStatus.SUCCEEDED, 1); // the bundle's other task runs
        assertTrue(runs(bad).isEmpty());
    }

    /** A service that is a provider and a task service at once. */
    static final class Both implements Runnable, org.pluginscheduler.api.ScheduledTaskProvider {
        final java.util.concurrent.atomic.AtomicInteger runs = new java.util.concurrent.atomic.AtomicInteger();

        @Override
        public void run() {
            runs.incrementAndGet();
        }

        @Override
        public List<org.pluginscheduler.api.TaskDefinition> tasks() {
            return List.of(org.pluginscheduler.api.TaskDefinition.builder("viaProvider").schedule(FAST).build());
        }

        @Override
        public org.pluginscheduler.api.TaskResult execute(org.pluginscheduler.api.TaskExecution execution) {
            return org.pluginscheduler.api.TaskResult.success();
        }
    }

    @Test
    public void aServiceThatIsAProviderAndATaskServiceCountsAsBothAndLeavesNothingBehind() throws Exception {
        Hashtable<String, Object> properties = new Hashtable<>();
        properties.put("scheduler.task.schedule", FAST);
        properties.put("scheduler.id", "viaService");
        Both both = new Both();
        org.osgi.framework.ServiceRegistration<?> registration = context.registerService(new String[] {
                Runnable.class.getName(), org.pluginscheduler.api.ScheduledTaskProvider.class.getName()}, both,
                properties);
        String owner = context.getBundle().getSymbolicName();
        TaskId viaService = TaskId.of(owner, "viaService");
        TaskId viaProvider = TaskId.of(owner, "viaProvider");
        try {
            awaitState(viaService, TaskState.ACTIVE);
            awaitState(viaProvider, TaskState.ACTIVE);
            await("run() called", () -> both.runs.get() > 0 ? Optional.of(true) : Optional.empty());
        } finally {
            registration.unregister();
        }
        awaitState(viaService, TaskState.DORMANT);
        awaitState(viaProvider, TaskState.DORMANT);
        int runs = both.runs.get();
        letTheSchedulerTick(5);
        assertEquals("run() is never called after the service went away", runs, both.runs.get());
        scheduler.removeTask(viaService); // forget the dormant state: other tests of this framework list tasks
        scheduler.removeTask(viaProvider);
    }

    @Test
    public void anOnDemandTaskRunsOnlyWhenAsked() throws Exception {
        start(plugin("itest.ondemand").tasks("rebuild=on-demand"));
        TaskId rebuild = TaskId.of("itest.ondemand", "rebuild");
        TaskInfo info = awaitState(rebuild, TaskState.ACTIVE);
        assertEquals("on-demand", info.scheduleText());
        assertTrue(info.nextFire().isEmpty());
        assertTrue(scheduler.nextFires(rebuild, 3).isEmpty());

        letTheSchedulerTick(5);
        assertTrue("it has not run by itself", runs(rebuild).isEmpty());

        scheduler.trigger(rebuild);
        scheduler.submit(rebuild, Map.of("scope", "all"), Optional.empty());
        RunRecord called = scheduler.call(rebuild, Map.of());
        assertEquals(RunStatus.SUCCEEDED, called.status());
        List<RunRecord> runs = awaitRuns(rebuild, RunStatus.SUCCEEDED, 3);
        assertEquals(Set.of(RunTrigger.MANUAL, RunTrigger.SUBMISSION, RunTrigger.CALL),
                Set.copyOf(runs.stream().map(RunRecord::trigger).toList()));
        letTheSchedulerTick(5);
        assertEquals("nothing more ran", 3, runs(rebuild).size());
    }

    @Test
    public void theLockKeysOfAManualCallHoldOffASubmissionForTheSameKeyButNotForAnother() throws Exception {
        start(plugin("itest.calllock").tasks("import=on-demand").block("import=PT1S"));
        TaskId imports = TaskId.of("itest.calllock", "import");
        awaitState(imports, TaskState.ACTIVE);

        CompletableFuture<RunRecord> call = CompletableFuture.supplyAsync(
                () -> scheduler.call(imports, Map.of("customer", "42"), Set.of("customer-42")));
        awaitRun(imports, "started by the call", r -> r.trigger() == RunTrigger.CALL && r.startTime().isPresent());
        String same = scheduler.submit(imports, Map.of("customer", "42"), Optional.empty(), Set.of("customer-42"));
        String other = scheduler.submit(imports, Map.of("customer", "7"), Optional.empty(), Set.of("customer-7"));

        RunRecord callRecord = call.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        assertEquals(RunStatus.SUCCEEDED, callRecord.status());
        Instant callEnded = callRecord.endTime().orElseThrow();
        RunRecord sameRun = awaitRun(imports, "of the same customer", r -> r.runId().equals(same)
                && r.status() == RunStatus.SUCCEEDED);
        RunRecord otherRun = awaitRun(imports, "of another customer", r -> r.runId().equals(other)
                && r.status() == RunStatus.SUCCEEDED);
        assertTrue("customer 42's submission started " + sameRun.startTime().orElseThrow() + ", after the call ended "
                + callEnded, !sameRun.startTime().orElseThrow().isBefore(callEnded));
        assertTrue("customer 7's submission started " + otherRun.startTime().orElseThrow() + ", before the call ended "
                + callEnded, otherRun.startTime().orElseThrow().isBefore(callEnded));
        assertEquals("waiting for the lock spent no retry", 1, sameRun.attempt());
    }
}
