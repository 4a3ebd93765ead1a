package org.pluginscheduler.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;

import javax.inject.Inject;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.pluginscheduler.api.Priority;
import org.pluginscheduler.api.SchedulerStats;
import org.pluginscheduler.api.TaskDefinition;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.TaskInfo;
import org.pluginscheduler.api.TaskResult;
import org.pluginscheduler.api.TaskState;

/**
 * Bad values through Config Admin in a real framework, for the PIDs of the core and execution bundles: for each
 * attribute a wrong type, an overflow, an out-of-range value and a misspelt key. Each must leave one ERROR (or, for
 * the key, one WARN) naming the field and the value, and the last good configuration must stay in force.
 *
 * <p>Log lines are observed on standard output, where pax-logging-api's default log (no logging backend in these
 * frameworks) prints WARN and ERROR lines at the moment they are logged.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ConfigurationErrorsIT extends SchedulerTestBase {

    private static final String SCHEDULER_PID = "org.pluginscheduler.scheduler";
    private static final String EXECUTION_PID = "org.pluginscheduler.execution";
    private static final String MEMORY_PID = "org.pluginscheduler.store.memory";
    private static final String OVERRIDE_PID = "org.pluginscheduler.task.override";
    private static final String JOB_PID = "org.pluginscheduler.job";

    @Inject
    private ConfigurationAdmin configAdmin;

    private final List<Configuration> configurations = new ArrayList<>();
    private final List<TaskId> added = new ArrayList<>();
    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
    private PrintStream originalOut;

    @Before
    public void captureLog() {
        originalOut = System.out;
        PrintStream original = originalOut;
        System.setOut(new PrintStream(new OutputStream() {
            @Override
            public void write(int b) {
                original.write(b);
                synchronized (captured) {
                    captured.write(b);
                }
            }

            @Override
            public void write(byte[] b, int off, int len) {
                original.write(b, off, len);
                synchronized (captured) {
                    captured.write(b, off, len);
                }
            }
        }, true, StandardCharsets.UTF_8));
    }

    @After
    public void cleanUp() throws IOException {
        System.setOut(originalOut);
        for (Configuration c : configurations) {
            try {
                c.delete();
            } catch (IllegalStateException deleted) {
                // deleted by the test
            }
        }
        configurations.clear();
        added.forEach(scheduler::removeTask);
        added.clear();
    }

    private String log() {
        synchronized (captured) {
            return captured.toString(StandardCharsets.UTF_8);
        }
    }

    /** Waits for a log line containing every part; returns it. */
    private String awaitLogLine(String... parts) {
        return await("a log line with " + List.of(parts), () -> log().lines()
                .filter(line -> List.of(parts).stream().allMatch(line::contains)).findFirst());
    }

    private Configuration single(String pid) throws IOException {
        Configuration c = configAdmin.getConfiguration(pid, "?");
        configurations.add(c);
        return c;
    }

    private Configuration factory(String factoryPid) throws IOException {
        Configuration c = configAdmin.createFactoryConfiguration(factoryPid, "?");
        configurations.add(c);
        return c;
    }

    /** Applies {@code values} and waits for the ERROR naming the PID and every part (field: value ...). */
    private void rejected(Configuration c, Map<String, ?> values, String... parts) throws IOException {
        c.update(new Hashtable<>(values));
        List<String> all = new ArrayList<>(List.of("ERROR", c.getPid() + " rejected", "last good"));
        all.addAll(List.of(parts));
        awaitLogLine(all.toArray(String[]::new));
    }

    /** Applies {@code values} with a misspelt key and waits for the WARN naming it and the closest known key. */
    private void misspelt(Configuration c, Map<String, ?> values, String key, String closest) throws IOException {
        c.update(new Hashtable<>(values));
        awaitLogLine("WARN", c.getPid(), "unknown key '" + key + "'", "did you mean '" + closest + "'");
    }

    // --- org.pluginscheduler.scheduler ----------------------------------------------------------------------------

    @Test
    public void schedulerCore() throws Exception {
        ZoneId kiritimati = ZoneId.of("Pacific/Kiritimati");
        TaskId nightly = scheduler.addTask(TaskDefinition.builder("errors-zone").schedule("cron:0 3 * * *").build(),
                run -> TaskResult.success(), false);
        added.add(nightly);
        Configuration c = single(SCHEDULER_PID);
        Map<String, Object> good = Map.of("default.zone", kiritimati.getId(), "grace.period.seconds", "5");
        c.update(new Hashtable<>(good));
        assertFiresAtThreeIn(nightly, kiritimati);

        String tokyo = "Asia/Tokyo"; // would apply if a rejected configuration leaked through
        rejected(c, Map.of("default.zone", tokyo, "grace.period.seconds", "abc"), "grace.period.seconds: 'abc' is not a whole number");
        rejected(c, Map.of("default.zone", tokyo, "grace.period.seconds", "99999999999"),
                "grace.period.seconds: '99999999999' is not in 0–3600");
        rejected(c, Map.of("default.zone", tokyo, "grace.period.seconds", -1), "grace.period.seconds: -1 is not in 0–3600");
        rejected(c, Map.of("default.zone", tokyo, "lock.retry.delay.ms", "soon"), "lock.retry.delay.ms: 'soon' is not a whole number");
        rejected(c, Map.of("default.zone", tokyo, "lock.retry.delay.ms", "99999999999999999999"),
                "lock.retry.delay.ms: '99999999999999999999' is not in 1–3600000");
        rejected(c, Map.of("default.zone", "Mars/Olympus"), "default.zone: unknown time zone 'Mars/Olympus'");
        rejected(c, Map.of("default.zone", 42), "default.zone: unknown time zone '42'");
        rejected(c, Map.of("default.zone", tokyo, "default.misfire", "SOMETIMES"), "default.misfire: 'SOMETIMES'");
        rejected(c, Map.of("default.zone", tokyo, "default.misfire", "CATCH_UP:99999999999"),
                "default.misfire: 'CATCH_UP:99999999999'");
        rejected(c, Map.of("default.zone", tokyo, "tenants", "a b@"), "tenants: 'b@'");
        rejected(c, Map.of("default.zone", tokyo, "groups", "x:concurrency=99999999999"), "groups: ", "x:concurrency=99999999999");
        assertFiresAtThreeIn(nightly, kiritimati);

        misspelt(c, Map.of("default.zone", kiritimati.getId(), "default.zon", tokyo), "default.zon", "default.zone");
        assertFiresAtThreeIn(nightly, kiritimati);
        c.update(new Hashtable<>(Map.of("default.zone", tokyo)));
        assertFiresAtThreeIn(nightly, ZoneId.of(tokyo));
    }

    // --- org.pluginscheduler.execution ----------------------------------------------------------------------------

    @Test
    public void executionService() throws Exception {
        Configuration c = single(EXECUTION_PID);
        c.update(new Hashtable<>(Map.of("worker.threads", 3)));
        awaitTrue("3 normal threads", () -> threads(Priority.NORMAL) == 3);
        for (String key : List.of("realtime.threads", "worker.threads", "background.threads")) {
            rejected(c, Map.of(key, "abc"), key + ": 'abc' is not a whole number");
            rejected(c, Map.of(key, "99999999999"), key + ": '99999999999' is not in 1–1024");
            rejected(c, Map.of(key, 0), key + ": 0 is not in 1–1024");
        }
        rejected(c, Map.of("stuck.after.seconds", "x"), "stuck.after.seconds: 'x' is not a whole number");
        rejected(c, Map.of("stuck.after.seconds", 99999999999L), "stuck.after.seconds: 99999999999 is not in 1–3600");
        rejected(c, Map.of("grace.period.seconds", 1.5), "grace.period.seconds: 1.5 is not a whole number");
        rejected(c, Map.of("grace.period.seconds", "99999999999"), "grace.period.seconds: '99999999999' is not in 0–3600");
        assertEquals("the last good pool size stays", 3, threads(Priority.NORMAL));
        misspelt(c, Map.of("worker.threads", 3, "worker.thread", 4), "worker.thread", "worker.threads");
        assertEquals(3, threads(Priority.NORMAL));
    }

    // --- org.pluginscheduler.store.memory -------------------------------------------------------------------------

    @Test
    public void inMemoryStore() throws Exception {
        Configuration c = single(MEMORY_PID);
        c.update(new Hashtable<>(Map.of("max.runs.per.task", "2")));
        rejected(c, Map.of("max.runs.per.task", "many"), "max.runs.per.task: 'many' is not a whole number",
                "(max.runs.per.task=2)");
        rejected(c, Map.of("max.runs.per.task", "99999999999"), "max.runs.per.task: '99999999999' is not in 1–100000",
                "(max.runs.per.task=2)");
        rejected(c, Map.of("max.runs.per.task", 0), "max.runs.per.task: 0 is not in 1–100000", "(max.runs.per.task=2)");
        misspelt(c, Map.of("max.runs.per.task", "2", "max.runs.per.tsk", "9"), "max.runs.per.tsk", "max.runs.per.task");
    }

    // --- org.pluginscheduler.task.override ------------------------------------------------------------------------

    @Test
    public void taskOverride() throws Exception {
        TaskId task = scheduler.addTask(TaskDefinition.builder("errors-override").schedule("cron:0 3 * * *").build(),
                run -> TaskResult.success(), false);
        added.add(task);
        Configuration c = factory(OVERRIDE_PID);
        c.update(new Hashtable<>(Map.of("task", task.toString(), "schedule", "cron:0 4 * * *", "enabled", "false")));
        awaitTask(task, TaskState.DISABLED, "cron:0 4 * * *");
        String t = task.toString();
        rejected(c, Map.of("task", t, "enabled", "maybe"), "enabled: 'maybe' is not true or false");
        rejected(c, Map.of("task", t, "enabled", 1), "enabled: 1 is not true or false");
        rejected(c, Map.of("task", t, "max.retries", "abc"), "max.retries: 'abc' is not a whole number");
        rejected(c, Map.of("task", t, "max.retries", "99999999999"), "max.retries: '99999999999' is not in 0–1000");
        rejected(c, Map.of("task", t, "max.retries", -1), "max.retries: -1 is not in 0–1000");
        rejected(c, Map.of("task", t, "timeout", "soon"), "timeout: 'soon' is not an ISO-8601 duration");
        rejected(c, Map.of("task", t, "retry.delay", "PT-5S"), "retry.delay: 'PT-5S' must be positive");
        rejected(c, Map.of("task", t, "schedule", "cron:61 * * * *"), "schedule: minute: 61 is not in 0–59");
        rejected(c, Map.of("task", "no task id!"), "task: ");
        awaitTask(task, TaskState.DISABLED, "cron:0 4 * * *");
        misspelt(c, Map.of("task", t, "schedule", "cron:0 4 * * *", "enabled", "false", "schedul", "cron:0 5 * * *"),
                "schedul", "schedule");
        awaitTask(task, TaskState.DISABLED, "cron:0 4 * * *");
    }

    // --- org.pluginscheduler.job ----------------------------------------------------------------------------------

    @Test
    public void job() throws Exception {
        Configuration c = factory(JOB_PID);
        Map<String, Object> good = Map.of("id", "errors-job", "schedule", "cron:0 4 * * *", "handler", "none");
        c.update(new Hashtable<>(good));
        TaskId job = TaskId.of("config", "errors-job");
        awaitTask(job, TaskState.ACTIVE, "cron:0 4 * * *");
        for (Map.Entry<String, String[]> bad : Map.of(
                "enabled", new String[] {"maybe", "enabled: 'maybe' is not true or false"},
                "dead.letter", new String[] {"yes", "dead.letter: 'yes' is not true or false"},
                "max.retries", new String[] {"abc", "max.retries: 'abc' is not a whole number"},
                "priority", new String[] {"URGENT", "priority: 'URGENT' is not REALTIME, NORMAL or BACKGROUND"},
                "timeout", new String[] {"5m", "timeout: '5m' is not an ISO-8601 duration"},
                "retry.delay", new String[] {"later", "retry.delay: 'later' is not an ISO-8601 duration"})
                .entrySet()) {
            Hashtable<String, Object> values = new Hashtable<>(good);
            values.put("schedule", "cron:0 5 * * *");
            values.put(bad.getKey(), bad.getValue()[0]);
            rejected(c, values, bad.getValue()[1]);
        }
        Hashtable<String, Object> overflow = new Hashtable<>(good);
        overflow.put("max.retries", "99999999999");
        rejected(c, overflow, "max.retries: '99999999999' is not in 0–1000");
        overflow.put("max.retries", 1001);
        rejected(c, overflow, "max.retries: 1001 is not in 0–1000");
        assertEquals("cron:0 4 * * *", scheduler.task(job).map(TaskInfo::scheduleText).orElse(null));
        Hashtable<String, Object> typo = new Hashtable<>(good);
        typo.put("handlr", "other");
        misspelt(c, typo, "handlr", "handler");
        awaitTask(job, TaskState.ACTIVE, "cron:0 4 * * *");
    }

    // --- helpers --------------------------------------------------------------------------------------------------

    private int threads(Priority priority) {
        return scheduler.stats().pools().stream().filter(p -> p.priority() == priority)
                .mapToInt(SchedulerStats.Pool::threads).findFirst().orElse(-1);
    }

    private TaskInfo awaitTask(TaskId id, TaskState state, String schedule) {
        return await(id + " " + state + " on " + schedule, () -> scheduler.task(id)
                .filter(t -> t.state() == state && t.scheduleText().equals(schedule)));
    }

    private void assertFiresAtThreeIn(TaskId id, ZoneId zone) {
        ZonedDateTime next = await(id + " planned at 03:00 in " + zone, () -> scheduler.task(id)
                .flatMap(TaskInfo::nextFire).map(n -> n.atZone(zone)).filter(n -> n.getHour() == 3));
        assertEquals(next.toString(), 0, next.getMinute());
        assertTrue(scheduler.nextFires(id, 1).get(0).getZone().normalized().equals(zone.normalized()));
    }
}
