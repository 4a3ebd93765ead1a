package org.pluginscheduler.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.mavenBundle;
import static org.pluginscheduler.itests.TestPlugin.plugin;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.OptionUtils;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.osgi.service.component.runtime.dto.ReferenceDTO;
import org.osgi.service.component.runtime.dto.SatisfiedReferenceDTO;
import org.osgi.service.jdbc.DataSourceFactory;
import org.osgi.util.tracker.ServiceTracker;
import org.pluginscheduler.api.DeadLetter;
import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.RunTrigger;
import org.pluginscheduler.api.Schedule;
import org.pluginscheduler.api.SchedulerStats;
import org.pluginscheduler.api.TaskDefinition;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.TaskInfo;
import org.pluginscheduler.api.TaskResult;
import org.pluginscheduler.api.SchedulerAdmin;
import org.pluginscheduler.api.TaskState;
import org.pluginscheduler.api.store.TaskStore;

/**
 * Persistence through the real H2 store bundle ({@code scheduler.store.h2} on H2's own bundle and its
 * {@code DataSourceFactory}), each test on its own database file under {@code target/itest/persistence-*}.
 *
 * <h2>How a "framework restart" is proven</h2>
 * Pax Exam cannot restart the framework it runs the test in. {@link #aRestartKeepsStateOverridesAndHistory} does
 * what a runtime restart does to everything that holds state: it stops the scheduler core ({@code scheduler.impl}:
 * its engine, its in-memory store and every object the old scheduler had are discarded), the plugin and the store
 * bundle ({@code scheduler.store.h2}: its connections are closed, and H2 closes the database with the last one).
 * While all of them are down the test opens the database file itself, through H2's DataSourceFactory, and checks
 * two things: that its session is the only one (so nothing in this JVM holds the database open, and whatever is
 * seen afterwards is read back from the file), and that the file holds the overrides, history and dead letter.
 * Then store, core and plugin start again, in the order of a runtime start, and the new scheduler must show every
 * override, run and dead letter, and the planned next fire of an unchanged schedule. A second Pax Exam class
 * sharing the file would prove no more (the H2 bundle's classes would be loaded afresh, but the database is
 * closed either way) and would depend on the order failsafe runs classes in.
 *
 * <p>Which store the core uses is read from SCR (the {@code TaskStore} service its reference is bound to), never
 * guessed from timing.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class PersistenceIT extends SchedulerTestBase {

    private static final String STORE_PID = "org.pluginscheduler.store.h2";
    private static final String CORE = "scheduler.impl";
    private static final String STORE = "scheduler.store.h2";

    private Path databases;

    @Override
    @Configuration
    public Option[] config() throws IOException {
        String store = System.getProperty("itest.bundle.store");
        if (store == null || !new File(store).isFile()) {
            throw new IllegalStateException("system property itest.bundle.store must name the scheduler.store.h2 jar "
                    + "(set by maven-failsafe-plugin in scheduler.itests/pom.xml); it is " + store);
        }
        return OptionUtils.combine(baseOptions(),
                // H2 registers its DataSourceFactory only if the JDBC service API is there when it resolves
                mavenBundle("org.osgi", "org.osgi.service.jdbc").versionAsInProject(),
                mavenBundle("com.h2database", "h2").versionAsInProject(),
                // started by each test, once its database is configured
                bundle(new File(store).toURI().toString()).noStart());
    }

    @Before
    public void freshDatabaseFolder() throws IOException {
        Path work = Files.createDirectories(Path.of(System.getProperty("itest.work", "target/itest")));
        databases = Files.createTempDirectory(work.toAbsolutePath(), "persistence-");
        assertTrue("no test leaves the store running", installed(STORE).getState() != Bundle.ACTIVE);
    }

    /** Every test starts with the core running and the store stopped, and leaves it so. */
    @After
    public void stopStoreStartCore() throws Exception {
        installed(STORE).stop();
        if (installed(CORE).getState() != Bundle.ACTIVE) {
            installed(CORE).start();
        }
        scheduler = currentScheduler();
    }

    // --- retention ------------------------------------------------------------------------------------------------

    /**
     * A busy task's history is pruned within seconds, not at the next full pass (an hour by default), and the
     * scheduler's stats say what the H2 store keeps and how far its pruning is behind.
     */
    @Test
    public void aBusyTaskIsPrunedWithinSecondsAndTheStatsSayWhatTheStoreKeeps() throws Exception {
        String db = database("retention");
        startStore(db, Map.of("max.runs.per.task", 20));
        java.util.concurrent.atomic.AtomicInteger executed = new java.util.concurrent.atomic.AtomicInteger();
        TaskId busy = scheduler.addTask(TaskDefinition.builder("busy").schedule("every:PT0.05S").build(),
                execution -> {
                    executed.incrementAndGet();
                    return TaskResult.success();
                }, false);
        try {
            // 20 runs a second: past the first full pass (5 s) the busy pruning holds it near 20 + 5 + 2 s of runs
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            Optional<SchedulerStats.History> pruned = Optional.empty();
            while (System.nanoTime() < deadline && (executed.get() < 150 || pruned.isEmpty())) {
                Thread.sleep(100);
                pruned = scheduler.stats().history().filter(h -> h.pruned() > 100);
            }
            SchedulerStats.History history = pruned.orElseThrow(() -> new AssertionError(executed.get()
                    + " runs executed within 30 s, history " + scheduler.stats().history()));
            assertTrue(history.toString(), history.store().startsWith("database file ")
                    && history.store().contains("retention"));
            assertEquals(20, history.maxRunsPerTask());
            assertEquals(Optional.of(Duration.ofDays(30)), history.maxAge());
            assertTrue(history.toString(), history.lastPass().isPresent() && history.sizeBytes() > 0);
            // for 6 s more (without the busy pruning it would hold 120 more runs by then, pruned again in an hour)
            for (int i = 0; i < 12; i++) {
                int held = scheduler.runs(busy, 10_000).size();
                assertTrue(held + " runs held", held <= 20 + 5 + 60);
                Thread.sleep(500);
            }
        } finally {
            scheduler.removeTask(busy);
        }
    }

    // --- (a) restart ----------------------------------------------------------------------------------------------

    @Test
    public void aRestartKeepsStateOverridesAndHistory() throws Exception {
        String db = database("restart");
        startStore(db);
        String name = "itest.persist.restart";
        Bundle pluginBundle = start(plugin(name)
                .tasks("tick=" + FAST + "|bad=" + FAST + "|off=" + FAST + "|moved=" + FAST + "|held=" + FAST
                        + "|hourly=every:PT1H")
                .fail("bad"));
        TaskId tick = TaskId.of(name, "tick");
        TaskId bad = TaskId.of(name, "bad");
        TaskId off = TaskId.of(name, "off");
        TaskId moved = TaskId.of(name, "moved");
        TaskId held = TaskId.of(name, "held");
        TaskId hourly = TaskId.of(name, "hourly");
        awaitRuns(tick, RunStatus.SUCCEEDED, 3);
        awaitRuns(bad, RunStatus.FAILED, 2);
        awaitRuns(hourly, RunStatus.SUCCEEDED, 1);

        // administrative overrides, each written to the store before the call returns
        scheduler.disable(off);
        scheduler.reschedule(moved, Schedule.parse("every:PT0.4S"));
        scheduler.pause(held);
        // a dead letter: an eligible ad-hoc task of the probe that fails once, triggered by hand
        TaskId doomed = scheduler.addTask(TaskDefinition.builder("doomed").schedule("cron:0 0 1 1 *")
                .deadLetterEligible(true).build(), execution -> TaskResult.failure("doomed to fail"), false);
        String doomedRun = scheduler.trigger(doomed);
        DeadLetter letter = await("the dead letter of " + doomedRun, () -> scheduler.deadLetters().stream()
                .filter(d -> d.runId().equals(doomedRun)).findFirst());
        awaitRuns(tick, RunStatus.SUCCEEDED, 6);

        Instant hourlyNext = scheduler.task(hourly).orElseThrow().nextFire().orElseThrow();
        Map<String, RunStatus> tickBefore = finished(tick);
        Map<String, RunStatus> badBefore = finished(bad);
        Map<String, RunStatus> hourlyBefore = finished(hourly);

        // --- down: core first (as at a runtime shutdown: the core stops before the plugins), then plugin, store
        installed(CORE).stop();
        pluginBundle.stop();
        installed(STORE).stop();

        // the file, read while nothing else has the database open
        try (Connection c = openDirectly(db)) {
            assertEquals("this is the only session: the store closed the database", 1L,
                    single(c, "SELECT COUNT(*) FROM INFORMATION_SCHEMA.SESSIONS"));
            assertEquals(Boolean.FALSE, single(c, "SELECT enabled FROM tasks WHERE task_id = ?", off.toString()));
            assertEquals("every:PT0.4S",
                    single(c, "SELECT schedule_override FROM tasks WHERE task_id = ?", moved.toString()));
            assertEquals(Boolean.TRUE, single(c, "SELECT paused FROM tasks WHERE task_id = ?", held.toString()));
            Map<String, String> tickInFile = statuses(c, tick);
            tickBefore.forEach((run, status) -> assertEquals("run " + run + " of tick in the file", status.name(),
                    tickInFile.get(run)));
            assertEquals("no run left RUNNING by a clean stop: " + tickInFile, false,
                    tickInFile.containsValue("RUNNING"));
            assertEquals(1L, single(c, "SELECT COUNT(*) FROM dead_letters WHERE run_id = ?", doomedRun));
        }

        // --- up again, in the order of a runtime start: the store is there when the core activates
        long up = System.nanoTime();
        Instant restarted = Instant.now();
        installed(STORE).start();
        installed(CORE).start();
        scheduler = currentScheduler();
        assertBoundToH2();
        pluginBundle.start();
        awaitState(tick, TaskState.ACTIVE);
        System.out.println("restart: stores and core started, plugin registered in "
                + Duration.ofNanos(System.nanoTime() - up).toMillis() + " ms");

        assertEquals("disabled survives", TaskState.DISABLED, awaitState(off, TaskState.DISABLED).state());
        assertEquals("paused survives", TaskState.PAUSED, awaitState(held, TaskState.PAUSED).state());
        TaskInfo movedInfo = awaitState(moved, TaskState.ACTIVE);
        assertEquals("the schedule override survives", "every:PT0.4S", movedInfo.scheduleText());
        assertTrue(movedInfo.scheduleOverridden());
        assertEquals("an unchanged schedule keeps its planned fire (the interval keeps its phase)",
                Optional.of(hourlyNext), scheduler.task(hourly).orElseThrow().nextFire());

        assertHistoryKept("tick", tickBefore, finished(tick));
        assertHistoryKept("bad", badBefore, finished(bad));
        assertHistoryKept("hourly", hourlyBefore, finished(hourly));
        assertTrue("the dead letter survives: " + scheduler.deadLetters(), scheduler.deadLetters().contains(letter));

        // the new scheduler goes on recording into the same history, and the overrides are in effect
        List<RunRecord> after = await("new tick runs after the restart", () -> {
            List<RunRecord> fresh = runs(tick).stream()
                    .filter(r -> r.status() == RunStatus.SUCCEEDED && !tickBefore.containsKey(r.runId())).toList();
            return fresh.size() >= 3 ? Optional.of(fresh) : Optional.empty();
        });
        assertFalse(after.isEmpty());
        List<RunRecord> movedRuns = await("two scheduled runs of moved after the restart", () -> {
            List<RunRecord> scheduled = runs(moved).stream()
                    .filter(r -> r.trigger() == RunTrigger.SCHEDULE && r.scheduledTime().isAfter(restarted))
                    .limit(2).toList();
            return scheduled.size() == 2 ? Optional.of(scheduled) : Optional.empty();
        });
        assertEquals("the overridden schedule drives the fires", Duration.ofMillis(400),
                Duration.between(movedRuns.get(1).scheduledTime(), movedRuns.get(0).scheduledTime()));
        letTheSchedulerTick(3);
        assertTrue("the disabled task did not run after the restart", runs(off).stream()
                .noneMatch(r -> r.scheduledTime().isAfter(restarted)));
    }

    // --- (a') accepted work across a restart -------------------------------------------------------------------------

    /**
     * Work accepted before a restart runs after it, at its planned time: a submission for a later instant, and the
     * retry of a failed run; and ad-hoc tasks that the bundle adds again (with {@code replace}) after the restart
     * keep their planned fires. Down and up as in {@link #aRestartKeepsStateOverridesAndHistory}: the core and the
     * store stop (their objects are discarded; the file is read while nothing holds it) and start again.
     */
    @Test
    public void aSubmissionForLaterAndAPendingRetrySurviveARestartAndReAddedTasksKeepTheirPhase() throws Exception {
        String db = database("accepted");
        startStore(db);
        List<String> executed = java.util.Collections.synchronizedList(new ArrayList<>());
        TaskDefinition laterDef = TaskDefinition.builder("later").schedule("cron:0 0 1 1 *").build();
        TaskDefinition flakyDef = TaskDefinition.builder("flaky").schedule("cron:0 0 1 1 *")
                .retry(org.pluginscheduler.api.RetryPolicy.fixed(1, Duration.ofSeconds(6))).build();
        TaskDefinition hourlyDef = TaskDefinition.builder("hourly").schedule("every:PT1H").build();
        org.pluginscheduler.api.TaskAction action = execution -> {
            executed.add(execution.taskId().id() + " " + execution.runId() + " attempt " + execution.attempt());
            return execution.taskId().id().equals("flaky") && execution.attempt() == 1
                    ? TaskResult.failure("the first attempt fails") : TaskResult.success("ok");
        };
        TaskId later = scheduler.addTask(laterDef, action, true);
        TaskId flaky = scheduler.addTask(flakyDef, action, true);
        TaskId hourly = scheduler.addTask(hourlyDef, action, true);
        awaitRuns(hourly, RunStatus.SUCCEEDED, 1);
        Instant hourlyNext = scheduler.task(hourly).orElseThrow().nextFire().orElseThrow();

        Instant due = Instant.now().plusSeconds(8);
        String submitted = scheduler.submit(later, Map.of("k", "v"), Optional.of(due));
        String failed = scheduler.trigger(flaky);
        RunRecord failure = await("the first attempt of flaky failed", () -> scheduler.run(failed)
                .filter(r -> r.status() == RunStatus.FAILED));
        Instant retryDue = failure.endTime().orElseThrow().plusSeconds(6);

        // --- down: the core, then the store; the accepted work is in the file
        installed(CORE).stop();
        installed(STORE).stop();
        try (Connection c = openDirectly(db)) {
            assertEquals(1L, single(c, "SELECT COUNT(*) FROM pending_runs WHERE run_id = ? AND task_id = ?",
                    submitted, later.toString()));
            assertEquals(1L, single(c, "SELECT COUNT(*) FROM pending_runs WHERE task_id = ? AND attempt = 2 "
                    + "AND run_trigger = 'RETRY'", flaky.toString()));
        }
        assertFalse("nothing ran while down: " + executed, executed.stream().anyMatch(e -> e.contains(submitted)));

        // --- up: store, core; the bundle adds its tasks again, as it does at every start
        installed(STORE).start();
        installed(CORE).start();
        scheduler = currentScheduler();
        assertBoundToH2();
        scheduler.addTask(laterDef, action, true);
        scheduler.addTask(flakyDef, action, true);
        scheduler.addTask(hourlyDef, action, true);
        assertEquals("a re-added task keeps its planned fire (no new phase, no extra run)", Optional.of(hourlyNext),
                scheduler.task(hourly).orElseThrow().nextFire());

        Thread.sleep(Math.max(0, Duration.between(Instant.now(), due).toMillis())); // the await starts at its time
        RunRecord ran = await("the submission ran after the restart", () -> scheduler.run(submitted)
                .filter(r -> r.status() == RunStatus.SUCCEEDED));
        assertEquals(Map.of("k", "v"), ran.arguments());
        assertEquals(RunTrigger.SUBMISSION, ran.trigger());
        assertFalse("not before its time: started " + ran.startTime(), ran.startTime().orElseThrow().isBefore(due));
        Thread.sleep(Math.max(0, Duration.between(Instant.now(), retryDue).toMillis()));
        RunRecord retried = await("the retry ran after the restart", () -> runs(flaky).stream()
                .filter(r -> r.attempt() == 2 && r.status() == RunStatus.SUCCEEDED).findFirst());
        assertEquals(RunTrigger.RETRY, retried.trigger());
        assertEquals("at the time planned before the restart", retryDue.toEpochMilli() / 100,
                retried.scheduledTime().toEpochMilli() / 100);
        assertEquals("each accepted run executed once: " + executed, 1,
                executed.stream().filter(e -> e.contains(" " + submitted + " ")).count());
        assertEquals(1, executed.stream().filter(e -> e.startsWith("hourly ")).count());
        scheduler.removeTask(later);
        scheduler.removeTask(flaky);
        scheduler.removeTask(hourly);
    }

    // --- (b) the store starting late ----------------------------------------------------------------------------

    /**
     * A first life writes overrides to the database; then the core starts again while the store bundle is still
     * stopped (runs go to the in-memory store), and only then does the store start: the runs recorded meanwhile
     * are copied into H2 and the persisted overrides win over the definitions' defaults the core started with.
     */
    @Test
    public void aStoreStartingLateGetsTheRunsRecordedMeanwhileAndItsOverridesWin() throws Exception {
        String db = database("late");
        String name = "itest.persist.late";
        TaskId tick = TaskId.of(name, "tick");
        TaskId off = TaskId.of(name, "off");
        TaskId moved = TaskId.of(name, "moved");

        // first life: store and core, overrides written to H2
        startStore(db);
        start(plugin(name).tasks("tick=" + FAST + "|off=" + FAST + "|moved=" + FAST));
        awaitRuns(tick, RunStatus.SUCCEEDED, 2);
        scheduler.disable(off);
        scheduler.reschedule(moved, Schedule.parse("every:PT0.6S"));
        Map<String, RunStatus> firstLife = finished(tick);
        installed(CORE).stop();
        installed(STORE).stop();

        // second life, the store not started yet: the definitions' defaults apply, runs go to memory
        installed(CORE).start();
        scheduler = currentScheduler();
        assertBoundToInMemory();
        assertEquals(TaskState.ACTIVE, awaitState(off, TaskState.ACTIVE).state());
        assertEquals(FAST, awaitState(moved, TaskState.ACTIVE).scheduleText());
        awaitRuns(off, RunStatus.SUCCEEDED, 2);
        awaitTrue("tick ran 3 times in memory", () -> newFinished(tick, firstLife).size() >= 3);
        Map<String, RunStatus> meanwhile = newFinished(tick, firstLife);
        Map<String, RunStatus> offMeanwhile = finished(off);

        // the store arrives
        long arrives = System.nanoTime();
        installed(STORE).start();
        assertBoundToH2();
        System.out.println("late store: bundle start to bound " + Duration.ofNanos(System.nanoTime() - arrives)
                .toMillis() + " ms");
        // reads now come from H2: the runs recorded in memory are there, and so is the first life's history
        assertHistoryKept("tick (recorded in memory)", meanwhile, finished(tick));
        assertHistoryKept("tick (first life)", firstLife, finished(tick));
        assertHistoryKept("off (recorded in memory)", offMeanwhile, finished(off));
        assertEquals("the persisted disable wins", TaskState.DISABLED, awaitState(off, TaskState.DISABLED).state());
        TaskInfo movedInfo = scheduler.task(moved).orElseThrow();
        assertEquals("the persisted schedule override wins", "every:PT0.6S", movedInfo.scheduleText());
        assertTrue(movedInfo.scheduleOverridden());
        int offRuns = runs(off).size();
        letTheSchedulerTick(3);
        assertEquals("the disabled task stopped firing", offRuns, runs(off).size());

        // and they are in the file itself
        installed(STORE).stop();
        try (Connection c = openDirectly(db)) {
            Map<String, String> inFile = statuses(c, tick);
            meanwhile.forEach((run, status) -> assertEquals("run " + run + " recorded in memory, in the file",
                    status.name(), inFile.get(run)));
            assertEquals(Boolean.FALSE, single(c, "SELECT enabled FROM tasks WHERE task_id = ?", off.toString()));
        }
    }

    // --- (b) the store stopping early ---------------------------------------------------------------------------

    /**
     * The store bundle stops while tasks run, one of them in the middle of a run: runs go on in memory, the
     * history recorded in H2 before stays visible, the run cut across the switch ends as SUCCEEDED, an
     * administrative change made meanwhile holds, and when the store starts again everything recorded meanwhile
     * is copied into H2 (and the file no longer holds the run as RUNNING).
     */
    @Test
    public void aStoreStoppingEarlyLosesNothingAndGetsTheRunsBackWhenItReturns() throws Exception {
        String db = database("early");
        String name = "itest.persist.early";
        TaskId tick = TaskId.of(name, "tick");
        TaskId slow = TaskId.of(name, "slow");
        TaskId held = TaskId.of(name, "held");
        startStore(db);
        start(plugin(name).tasks("tick=every:PT0.1S|slow=every:PT0.2S|held=" + FAST).block("slow=PT1.5S"));
        awaitRuns(tick, RunStatus.SUCCEEDED, 3);
        awaitRuns(held, RunStatus.SUCCEEDED, 1);
        awaitRuns(slow, RunStatus.SUCCEEDED, 1);
        // a run of slow just started: it will end well after the store has left
        // (0.6 s: on a loaded machine the RUNNING record, written in the background, can take a moment to show)
        RunRecord cut = await("a run of slow that started less than 0.6 s ago", () -> runs(slow).stream()
                .filter(r -> r.status() == RunStatus.RUNNING && r.startTime().orElseThrow()
                        .isAfter(Instant.now().minusMillis(600))).findFirst());
        Map<String, RunStatus> tickBefore = finished(tick);

        Instant stopped = Instant.now();
        installed(STORE).stop();
        assertBoundToInMemory();
        // the history recorded in H2 was handed over
        assertHistoryKept("tick (recorded in H2)", tickBefore, finished(tick));
        // runs go on, in memory
        awaitTrue("tick ran 5 times since the store left", () -> newFinished(tick, tickBefore).size() >= 5);
        RunRecord cutEnded = awaitRun(slow, "run " + cut.runId() + " ended", r -> r.runId().equals(cut.runId())
                && r.status() != RunStatus.RUNNING);
        assertEquals("the run cut across the switch ended normally: " + cutEnded, RunStatus.SUCCEEDED,
                cutEnded.status());
        assertTrue("it ended after the store left", cutEnded.endTime().orElseThrow().isAfter(stopped));
        scheduler.pause(held); // an administrative change while the store is away
        assertEquals(TaskState.PAUSED, awaitState(held, TaskState.PAUSED).state());

        // nothing the plugin ran is missing from the history
        Map<String, RunStatus> tickMeanwhile = newFinished(tick, tickBefore);
        Map<String, RunStatus> slowAll = finished(slow);
        for (String line : calls(name, " execute tick ")) {
            String run = line.substring(line.lastIndexOf(' ') + 1);
            awaitRun(tick, "run " + run + " (in the call log) recorded", r -> r.runId().equals(run));
        }

        // the file knows nothing of what happened since: the copy back is what brings it there
        try (Connection c = openDirectly(db)) {
            Map<String, String> inFile = statuses(c, tick);
            assertTrue("no run recorded in memory is in the file yet",
                    tickMeanwhile.keySet().stream().noneMatch(inFile::containsKey));
            assertEquals("the file still holds the cut run as RUNNING", "RUNNING",
                    statuses(c, slow).get(cut.runId()));
        }

        installed(STORE).start();
        assertBoundToH2();
        assertHistoryKept("tick (recorded in memory)", tickMeanwhile, finished(tick));
        assertHistoryKept("tick (recorded in H2 before)", tickBefore, finished(tick));
        assertHistoryKept("slow", slowAll, finished(slow));
        assertEquals("the cut run is SUCCEEDED in H2 (not abandoned)", RunStatus.SUCCEEDED,
                scheduler.run(cut.runId()).orElseThrow().status());
        assertEquals("the change made while the store was away holds", TaskState.PAUSED,
                scheduler.task(held).orElseThrow().state());

        installed(STORE).stop();
        try (Connection c = openDirectly(db)) {
            Map<String, String> inFile = statuses(c, tick);
            tickMeanwhile.forEach((run, status) -> assertEquals("run " + run + " recorded in memory, in the file",
                    status.name(), inFile.get(run)));
            assertEquals("SUCCEEDED", statuses(c, slow).get(cut.runId()));
            assertEquals(Boolean.TRUE, single(c, "SELECT paused FROM tasks WHERE task_id = ?", held.toString()));
        }
    }

    // --- helpers ------------------------------------------------------------------------------------------------

    /** @return a file URL for a new database under this test's folder */
    private String database(String name) {
        return "jdbc:h2:file:" + databases.resolve(name).toAbsolutePath();
    }

    /** Configures the (stopped) store bundle for this database, starts it and waits until the core uses it. */
    private void startStore(String url) throws Exception {
        startStore(url, Map.of());
    }

    private void startStore(String url, Map<String, Object> more) throws Exception {
        ServiceReference<ConfigurationAdmin> ref = context.getServiceReference(ConfigurationAdmin.class);
        ConfigurationAdmin cm = context.getService(ref);
        try {
            org.osgi.service.cm.Configuration configuration = cm.getConfiguration(STORE_PID, "?");
            Hashtable<String, Object> properties = new Hashtable<>(more);
            properties.put("url", url);
            configuration.update(properties);
        } finally {
            context.ungetService(ref);
        }
        // Config Admin delivers asynchronously; the bundle is stopped, so the configuration is there at activation
        installed(STORE).start();
        assertBoundToH2();
        assertTrue(String.valueOf(boundStore().getProperty("url")), String.valueOf(boundStore().getProperty("url"))
                .equals(url));
    }

    private Bundle installed(String symbolicName) {
        return Arrays.stream(context.getBundles()).filter(b -> symbolicName.equals(b.getSymbolicName())).findFirst()
                .orElseThrow(() -> new AssertionError("no bundle " + symbolicName));
    }

    private SchedulerAdmin currentScheduler() throws InterruptedException {
        ServiceTracker<SchedulerAdmin, SchedulerAdmin> tracker = new ServiceTracker<>(context, SchedulerAdmin.class,
                null);
        tracker.open();
        try {
            SchedulerAdmin found = tracker.waitForService(TimeUnit.SECONDS.toMillis(5));
            assertNotNull("a SchedulerAdmin service", found);
            return found;
        } finally {
            tracker.close();
        }
    }

    /** @return the TaskStore service the core's store reference is bound to now, or null */
    private ServiceReference<?> boundStore() {
        ServiceReference<ServiceComponentRuntime> ref = context.getServiceReference(ServiceComponentRuntime.class);
        ServiceComponentRuntime scr = context.getService(ref);
        try {
            ComponentDescriptionDTO core = scr.getComponentDescriptionDTO(installed(CORE),
                    "org.pluginscheduler.impl.SchedulerComponent");
            if (core == null) {
                return null;
            }
            String reference = Arrays.stream(core.references)
                    .filter(r -> r.interfaceName.equals(TaskStore.class.getName())).map((ReferenceDTO r) -> r.name)
                    .findFirst().orElseThrow();
            for (ComponentConfigurationDTO configuration : scr.getComponentConfigurationDTOs(core)) {
                for (SatisfiedReferenceDTO satisfied : configuration.satisfiedReferences) {
                    if (satisfied.name.equals(reference) && satisfied.boundServices.length == 1) {
                        long id = satisfied.boundServices[0].id;
                        ServiceReference<?>[] found = context.getServiceReferences((String) null,
                                "(" + Constants.SERVICE_ID + "=" + id + ")");
                        return found == null ? null : found[0];
                    }
                }
            }
            return null;
        } catch (org.osgi.framework.InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        } finally {
            context.ungetService(ref);
        }
    }

    private void assertBoundToH2() {
        awaitTrue("the core bound to the H2 store", () -> {
            ServiceReference<?> bound = boundStore();
            return bound != null && STORE.equals(bound.getBundle().getSymbolicName());
        });
    }

    private void assertBoundToInMemory() {
        awaitTrue("the core bound to its in-memory store", () -> {
            ServiceReference<?> bound = boundStore();
            return bound != null && CORE.equals(bound.getBundle().getSymbolicName());
        });
    }

    /** @return the finished runs of a task (run id → status), as the scheduler reports them now */
    private Map<String, RunStatus> finished(TaskId id) {
        Map<String, RunStatus> result = new LinkedHashMap<>();
        runs(id).stream().filter(r -> r.status() != RunStatus.RUNNING).forEach(r -> result.put(r.runId(), r.status()));
        return result;
    }

    private Map<String, RunStatus> newFinished(TaskId id, Map<String, RunStatus> before) {
        Map<String, RunStatus> result = finished(id);
        result.keySet().removeAll(before.keySet());
        return result;
    }

    private static void assertHistoryKept(String what, Map<String, RunStatus> before, Map<String, RunStatus> now) {
        assertFalse(what + ": some history to compare", before.isEmpty());
        List<String> problems = new ArrayList<>();
        before.forEach((run, status) -> {
            if (now.get(run) != status) {
                problems.add(run + " was " + status + ", now " + now.get(run));
            }
        });
        assertTrue(what + ": every finished run kept with its status: " + problems, problems.isEmpty());
    }

    /** Opens the database file directly through H2's DataSourceFactory (not through the store). */
    private Connection openDirectly(String url) throws SQLException, org.osgi.framework.InvalidSyntaxException {
        ServiceReference<DataSourceFactory> ref = context.getServiceReferences(DataSourceFactory.class,
                "(" + DataSourceFactory.OSGI_JDBC_DRIVER_CLASS + "=org.h2.Driver)").iterator().next();
        DataSourceFactory factory = context.getService(ref);
        try {
            Properties properties = new Properties();
            properties.setProperty(DataSourceFactory.JDBC_URL, url + ";IFEXISTS=TRUE");
            properties.setProperty(DataSourceFactory.JDBC_USER, "sa");
            properties.setProperty(DataSourceFactory.JDBC_PASSWORD, "");
            DataSource source = factory.createDataSource(properties);
            return source.getConnection();
        } finally {
            context.ungetService(ref);
        }
    }

    private static Object single(Connection c, String sql, String... parameters) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                s.setString(i + 1, parameters[i]);
            }
            try (ResultSet r = s.executeQuery()) {
                assertTrue("a row for " + sql + " " + Arrays.toString(parameters), r.next());
                return r.getObject(1);
            }
        }
    }

    /** @return run id → status of a task's runs in the file */
    private static Map<String, String> statuses(Connection c, TaskId id) throws SQLException {
        Map<String, String> result = new HashMap<>();
        try (PreparedStatement s = c.prepareStatement("SELECT run_id, status FROM runs WHERE task_id = ?")) {
            s.setString(1, id.toString());
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    result.put(r.getString(1), r.getString(2));
                }
            }
        }
        return result;
    }
}
