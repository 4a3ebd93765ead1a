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

    /** The core and execution bundles of the base, plus every bundle with a PID of its own (not started yet). */
    @Override
    @org.ops4j.pax.exam.Configuration
    public org.ops4j.pax.exam.Option[] config() throws IOException {
        return org.ops4j.pax.exam.CoreOptions.options(org.ops4j.pax.exam.CoreOptions.composite(baseOptions()),
                projectBundle("itest.bundle.retry"),
                ((org.ops4j.pax.exam.options.UrlProvisionOption) projectBundle("itest.bundle.sample")).noStart(),
                org.ops4j.pax.exam.CoreOptions.mavenBundle("org.apache.felix", "org.apache.felix.gogo.runtime")
                        .versionAsInProject(),
                org.ops4j.pax.exam.CoreOptions.mavenBundle("org.apache.felix", "org.apache.felix.gogo.command")
                        .versionAsInProject(),
                ((org.ops4j.pax.exam.options.UrlProvisionOption) projectBundle("itest.bundle.shell")).noStart(),
                org.ops4j.pax.exam.CoreOptions.mavenBundle("org.osgi", "org.osgi.service.jdbc").versionAsInProject(),
                org.ops4j.pax.exam.CoreOptions.mavenBundle("com.h2database", "h2").versionAsInProject(),
                ((org.ops4j.pax.exam.options.UrlProvisionOption) projectBundle("itest.bundle.store")).noStart());
    }

    private org.osgi.framework.Bundle bundle(String symbolicName) {
        return java.util.Arrays.stream(context.getBundles()).filter(b -> symbolicName.equals(b.getSymbolicName()))
                .findFirst().orElseThrow(() -> new AssertionError("bundle " + symbolicName + " is not installed"));
    }

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
        // held, so the (delayed) component stays active and applies each update in order
        org.osgi.framework.ServiceReference<?>[] refs = context.getServiceReferences(
                "org.pluginscheduler.api.store.TaskStore",
                "(component.name=org.pluginscheduler.impl.store.InMemoryTaskStore)");
        assertTrue("the in-memory store's service", refs != null);
        assertTrue(context.getService(refs[0]) != null);
        try {
            memoryStore(refs[0]);
        } finally {
            context.ungetService(refs[0]);
        }
    }

    private void memoryStore(org.osgi.framework.ServiceReference<?> store) throws Exception {
        Configuration c = single(MEMORY_PID);
        c.update(new Hashtable<>(Map.of("max.runs.per.task", "2")));
        // Config Admin delivers the current properties, not each update: wait until this one has been delivered
        // (DS then shows it in the service's properties), so that the next update does not replace it unseen
        awaitTrue("the store was given max.runs.per.task=2", () -> "2".equals(store.getProperty("max.runs.per.task")));
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

    // --- org.pluginscheduler.retry.rule ---------------------------------------------------------------------------

    @Test
    public void retryRule() throws Exception {
        Configuration c = factory("org.pluginscheduler.retry.rule");
        Map<String, Object> good = Map.of("action", "retry", "ranking", "7", "backoff", "2");
        c.update(new Hashtable<>(good));
        String filter = "(retry.rule.pid=" + c.getPid() + ")";
        awaitTrue("the rule's handler with ranking 7", () -> ranking(filter) == 7);
        Map<String, Object> bad = Map.of("ranking", "abc", "backoff", "99999999999");
        for (Map.Entry<String, String> e : Map.of("ranking", "ranking: 'abc' is not a whole number",
                "backoff", "backoff: '99999999999' is not in 1–100").entrySet()) {
            Hashtable<String, Object> values = new Hashtable<>(good);
            values.put("ranking", "8");
            values.put(e.getKey(), bad.get(e.getKey()));
            rejected(c, values, e.getValue());
        }
        Hashtable<String, Object> overflow = new Hashtable<>(good);
        overflow.put("ranking", "99999999999");
        rejected(c, overflow, "ranking: '99999999999' is not in -2147483648–2147483647");
        overflow.put("ranking", "8");
        overflow.put("backoff", 0.5);
        rejected(c, overflow, "backoff: 0.5 is not in 1–100");
        overflow.put("backoff", "2");
        overflow.put("delay", "5m");
        rejected(c, overflow, "delay: '5m'");
        assertEquals("the last good rule's ranking stays", 7, ranking(filter));
        Hashtable<String, Object> typo = new Hashtable<>(good);
        typo.put("rankng", "9");
        misspelt(c, typo, "rankng", "ranking");
        assertEquals(7, ranking(filter));
    }

    private int ranking(String filter) {
        try {
            org.osgi.framework.ServiceReference<?>[] refs = context.getServiceReferences(
                    "org.pluginscheduler.api.TaskFailureHandler", filter);
            return refs == null ? -1 : (Integer) refs[0].getProperty("service.ranking");
        } catch (org.osgi.framework.InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    // --- org.pluginscheduler.store.h2 -----------------------------------------------------------------------------

    @Test
    public void h2Store() throws Exception {
        java.nio.file.Path db = java.nio.file.Files.createTempDirectory(java.nio.file.Path.of(
                System.getProperty("itest.work", "target/itest")).toAbsolutePath(), "errors-h2-");
        Configuration c = single("org.pluginscheduler.store.h2");
        Map<String, Object> good = Map.of("url", "jdbc:h2:file:" + db.resolve("db"), "max.age.days", "3");
        c.update(new Hashtable<>(good));
        org.osgi.framework.Bundle store = bundle("scheduler.store.h2");
        store.start();
        try {
            awaitTrue("the H2 store's service", () -> h2Registered(store));
            for (String[] bad : new String[][] {
                {"max.age.days", "ten", "max.age.days: 'ten' is not a whole number"},
                {"max.age.days", "99999999999", "max.age.days: '99999999999' is not in 1–36500"},
                {"max.runs.per.task", "0", "max.runs.per.task: '0' is not in 1–10000000"},
                {"prune.interval.minutes", "1.5", "prune.interval.minutes: '1.5' is not a whole number"},
                {"group.commit.max.batch", "99999999999", "group.commit.max.batch: '99999999999' is not in 1–10000"},
                {"group.commit.max.wait.ms", "5000", "group.commit.max.wait.ms: '5000' is not in 0–1000"},
                {"sync.to.disk", "maybe", "sync.to.disk: 'maybe' is not true or false"},
                {"url", "jdbc:postgresql://db/x", "url: 'jdbc:postgresql://db/x' is not an H2 URL"},
                {"url", "jdbc:h2:tcp://127.0.0.1:1/nothing-listens", "rejected: url: "}}) {
                Hashtable<String, Object> values = new Hashtable<>(good);
                values.put(bad[0], bad[1]);
                rejected(c, values, bad[2].startsWith("rejected") ? "url: " : bad[2]);
            }
            assertTrue("the store keeps running on the last good configuration", h2Registered(store));
            Hashtable<String, Object> typo = new Hashtable<>(good);
            typo.put("sync.to.dsk", "true");
            misspelt(c, typo, "sync.to.dsk", "sync.to.disk");
        } finally {
            store.stop();
        }
    }

    private static boolean h2Registered(org.osgi.framework.Bundle store) {
        org.osgi.framework.ServiceReference<?>[] services = store.getRegisteredServices();
        return services != null && java.util.Arrays.stream(services).anyMatch(r -> java.util.Arrays.asList(
                (String[]) r.getProperty("objectClass")).contains("org.pluginscheduler.api.store.TaskStore"));
    }

    // --- org.pluginscheduler.shell.remote -------------------------------------------------------------------------

    @Test
    public void remoteShell() throws Exception {
        Configuration c = single("org.pluginscheduler.shell.remote");
        Map<String, Object> good = Map.of("enabled", "false", "port", "8199");
        c.update(new Hashtable<>(good));
        org.osgi.framework.Bundle shell = bundle("scheduler.shell");
        shell.start();
        try {
            for (String[] bad : new String[][] {
                {"enabled", "flase", "enabled: 'flase' is not true or false"},
                {"port", "abc", "port: 'abc' is not a whole number"},
                {"port", "99999999999", "port: '99999999999' is not in 1–65535"},
                {"port", "0", "port: '0' is not in 1–65535"},
                {"allow.non.loopback", "yes", "allow.non.loopback: 'yes' is not true or false"},
                {"allow.any.command", "1", "allow.any.command: '1' is not true or false"},
                {"max.connections", "65", "max.connections: '65' is not in 1–64"},
                {"max.connections", "99999999999", "max.connections: '99999999999' is not in 1–64"},
                {"bind.address", "0.0.0.0", "bind.address: 0.0.0.0 is not a loopback address"}}) {
                Hashtable<String, Object> values = new Hashtable<>(good);
                values.put(bad[0], bad[1]);
                rejected(c, values, bad[2]);
            }
            assertTrue("the last good configuration (disabled) stays: nothing listens",
                    log().lines().noneMatch(l -> l.contains("Remote shell listening")));
            Hashtable<String, Object> typo = new Hashtable<>(good);
            typo.put("prot", "8200");
            misspelt(c, typo, "prot", "port");
        } finally {
            shell.stop();
        }
    }

    // --- org.pluginscheduler.sample.cleanup -----------------------------------------------------------------------

    @Test
    public void samplePlugin() throws Exception {
        java.nio.file.Path folder = java.nio.file.Files.createTempDirectory(java.nio.file.Path.of(
                System.getProperty("itest.work", "target/itest")).toAbsolutePath(), "errors-sample-");
        Configuration c = single("org.pluginscheduler.sample.cleanup");
        Map<String, Object> good = Map.of("folder", folder.toString(), "max.age.days", "3");
        c.update(new Hashtable<>(good));
        org.osgi.framework.Bundle sample = bundle("sample.cleanup.plugin");
        sample.start();
        try {
            TaskId tempFiles = TaskId.parse("sample.cleanup.plugin:temp-files");
            await("temp-files with max.age.days=3", () -> maxAgeDays(tempFiles).filter("3"::equals));
            String cache = context.getProperty("org.osgi.framework.storage");
            List<String[]> bad = new ArrayList<>(List.of(
                new String[] {"max.age.days", "ten", "max.age.days: 'ten' is not a whole number"},
                new String[] {"max.age.days", "99999999999", "max.age.days: '99999999999' is not in 1–36500"},
                new String[] {"max.age.days", "0", "max.age.days: '0' is not in 1–36500"},
                new String[] {"enabled", "maybe", "enabled: 'maybe' is not true or false"},
                new String[] {"folder", " ", "folder: must not be blank"}));
            for (String own : List.of("data", "etc", "deploy", "log")) {
                bad.add(new String[] {"folder", own, "the runtime's own folder " + own + "/"});
                bad.add(new String[] {"folder", own + "/sub", "inside the runtime's own folder " + own + "/"});
            }
            if (cache != null) {
                bad.add(new String[] {"folder", cache, "the runtime's own folder " + cache + "/"});
            }
            for (String[] b : bad) {
                Hashtable<String, Object> values = new Hashtable<>(good);
                values.put("max.age.days", "4");
                values.put(b[0], b[1]);
                rejected(c, values, "folder".equals(b[0]) && !b[1].isBlank() ? "folder: '" + b[1] + "'" : b[0] + ": ",
                        b[2]);
            }
            assertEquals("the last good configuration stays", "3", maxAgeDays(tempFiles).orElse(null));
            Hashtable<String, Object> typo = new Hashtable<>(good);
            typo.put("max.age.day", "9");
            misspelt(c, typo, "max.age.day", "max.age.days");
        } finally {
            sample.stop();
        }
    }

    private java.util.Optional<String> maxAgeDays(TaskId task) {
        return scheduler.task(task).flatMap(TaskInfo::definition).map(d -> d.config().get("max.age.days"));
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
