package org.pluginscheduler.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.pluginscheduler.itests.TestPlugin.plugin;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import javax.inject.Inject;

import org.junit.After;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.ConfigurationAdmin;
import org.pluginscheduler.api.Priority;
import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.RunTrigger;
import org.pluginscheduler.api.SchedulerStats;
import org.pluginscheduler.api.TaskDefinition;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.TaskInfo;
import org.pluginscheduler.api.TaskResult;
import org.pluginscheduler.api.TaskState;
import org.pluginscheduler.itests.plugin.TestPluginActivator;

/**
 * Execution semantics in a real framework, driven through plugins and Config Admin: a retry waiting when its
 * plugin stops, tenants changing live, realtime runs under a background flood, and a run that ignores
 * interruption.
 *
 * <p>Each test sets the scheduler configuration it needs over the defaults ({@link #configure}) and puts the
 * defaults back afterwards, so the tests do not depend on their order.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ExecutionSemanticsIT extends SchedulerTestBase {

    private static final String PID = "org.pluginscheduler.scheduler";

    /** A schedule that does not fire during a test (03:00 on January 1st): these tasks are triggered by hand. */
    private static final String BY_HAND = "cron:0 3 1 1 *";

    /**
     * The core's defaults ({@code SchedulerConfiguration}) for every property a test here changes; a test's
     * configuration is laid over them, and they are restored after each test.
     */
    private static final Map<String, Object> DEFAULTS = Map.of("tenants", new String[0]);

    /** The execution service's PID and defaults ({@code ExecutionConfiguration}), handled the same way. */
    private static final String EXECUTION_PID = "org.pluginscheduler.execution";
    private static final Map<String, Object> EXECUTION_DEFAULTS = Map.of("realtime.threads", 2, "worker.threads", 8,
            "background.threads", 2, "stuck.after.seconds", 5);

    @Inject
    private ConfigurationAdmin configAdmin;

    private final AtomicInteger witnesses = new AtomicInteger();
    private final List<String> stubbornPlugins = new ArrayList<>();

    @After
    public void releaseStubbornRunsAndRestoreTheConfiguration() throws Exception {
        for (String symbolicName : stubbornPlugins) {
            release(symbolicName);
        }
        stubbornPlugins.clear();
        configure(Map.of());
    }

    // --- 1. a retry waiting when its plugin stops ---------------------------------------------------------------

    @Test
    public void aRetryWaitingWhenItsPluginStopsIsDroppedAndTheStoppedPluginIsNeverCalled() throws Exception {
        String bsn = "itest.retrydrop";
        Duration retryDelay = Duration.ofSeconds(1);
        Bundle plugin = start(plugin(bsn).tasks("flaky=" + BY_HAND).fail("flaky").retry("flaky=3x" + retryDelay));
        TaskId flaky = TaskId.of(bsn, "flaky");
        awaitState(flaky, TaskState.ACTIVE);
        assertEquals("no retry pending before the test", 0, scheduler.stats().pendingRetries());

        String runId = scheduler.trigger(flaky);
        RunRecord failed = await("run " + runId + " FAILED",
                () -> scheduler.run(runId).filter(r -> r.status() == RunStatus.FAILED));
        assertEquals("failed 1.0.0 — retry 1 of 3 in PT1S", failed.message());
        awaitTrue("the retry is pending", () -> scheduler.stats().pendingRetries() == 1);
        Instant retryDue = failed.endTime().orElseThrow().plus(retryDelay);

        plugin.stop();
        Instant stopped = Instant.now();
        assertTrue("the plugin must stop before the retry is due (" + retryDue + "), or this test proves nothing; "
                + "it stopped at " + stopped, stopped.isBefore(retryDue));

        SchedulerStats afterStop = scheduler.stats();
        assertEquals("pending retries right after the stop", 0, afterStop.pendingRetries());
        List<TaskInfo> entries = entries(flaky);
        assertEquals(entries.toString(), 1, entries.size());
        assertEquals(TaskState.DORMANT, entries.get(0).state());
        assertTrue("a dormant task has no next fire", entries.get(0).nextFire().isEmpty());
        List<String> callsAtStop = calls(bsn);
        assertEquals("the provider ran once: " + callsAtStop, 1, calls(bsn, " execute flaky ").size());

        // the timer fires in time order: once a fire due after the retry's due time happened, the retry would have
        letTheSchedulerTickPast(retryDue.plusMillis(200));

        assertEquals("the stopped plugin was called", callsAtStop, calls(bsn));
        List<RunRecord> runs = runs(flaky);
        assertEquals("the only run is the failed one: " + runs, List.of(runId),
                runs.stream().map(RunRecord::runId).collect(Collectors.toList()));
        assertTrue("no RETRY run: " + runs, runs.stream().noneMatch(r -> r.trigger() == RunTrigger.RETRY));
        assertEquals(0, scheduler.stats().pendingRetries());
        assertEquals(TaskState.DORMANT, entries(flaky).get(0).state());
    }

    // --- 2. tenants changing through Config Admin ---------------------------------------------------------------

    @Test
    public void perTenantInstancesFollowTheTenantListAndEachRunSeesItsTenant() throws Exception {
        String bsn = "itest.tenants";
        start(plugin(bsn).tasks("report=" + FAST + "|plain=" + FAST).perTenant("report"));
        TaskId report = TaskId.of(bsn, "report");
        TaskId acme = report.forTenant("acme");
        TaskId globex = report.forTenant("globex");
        TaskId initech = report.forTenant("initech");

        configure(Map.of("tenants", new String[] {"acme", "globex"}));

        awaitState(acme, TaskState.ACTIVE);
        awaitState(globex, TaskState.ACTIVE);
        awaitState(TaskId.of(bsn, "plain"), TaskState.ACTIVE);
        assertRunsSeeTheirTenant(bsn, awaitRuns(acme, RunStatus.SUCCEEDED, 2), "acme");
        assertRunsSeeTheirTenant(bsn, awaitRuns(globex, RunStatus.SUCCEEDED, 2), "globex");
        assertEquals("no instance without a tenant", List.of(), entries(report));
        assertEquals("a task that is not per-tenant runs without one", List.of(),
                calls(bsn, " execute plain ").stream().filter(l -> l.contains("tenant=")).collect(Collectors.toList()));

        configure(Map.of("tenants", new String[] {"globex", "initech"}));
        Instant changed = Instant.now();

        TaskInfo acmeInfo = awaitState(acme, TaskState.DORMANT);
        assertTrue("acme has no next fire", acmeInfo.nextFire().isEmpty());
        assertEquals(entries(acme).toString(), 1, entries(acme).size());
        awaitState(initech, TaskState.ACTIVE);
        assertRunsSeeTheirTenant(bsn, awaitRuns(initech, RunStatus.SUCCEEDED, 2), "initech");
        RunRecord globexAfter = awaitRun(globex, "scheduled after the change",
                r -> r.status() == RunStatus.SUCCEEDED && r.scheduledTime().isAfter(changed));
        assertRunsSeeTheirTenant(bsn, List.of(globexAfter), "globex");
        assertEquals(TaskState.ACTIVE, entries(globex).get(0).state());

        List<String> acmeCalls = calls(bsn, " tenant=acme");
        letTheSchedulerTick(3);
        assertEquals("acme was called after it was removed", acmeCalls, calls(bsn, " tenant=acme"));
        for (RunRecord run : runs(acme)) {
            assertTrue("acme fired after it was removed: " + run, !run.scheduledTime().isAfter(changed));
        }
        Set<TaskId> ids = scheduler.tasks().stream().map(TaskInfo::id).filter(id -> id.owner().equals(bsn))
                .collect(Collectors.toSet());
        assertEquals(Set.of(acme, globex, initech, TaskId.of(bsn, "plain")), ids);
    }

    /** Every run was seen by the provider exactly once, logged with its tenant. */
    private void assertRunsSeeTheirTenant(String bsn, List<RunRecord> runs, String tenant) {
        for (RunRecord run : runs) {
            List<String> lines = calls(bsn, " execute report " + run.runId());
            assertEquals("the provider's lines for run " + run.runId(), 1, lines.size());
            assertTrue("run " + run.runId() + " of " + run.taskId() + " saw its tenant: " + lines.get(0),
                    lines.get(0).endsWith(" tenant=" + tenant));
        }
    }

    // --- 3. realtime runs under a background flood --------------------------------------------------------------

    @Test
    public void realtimeRunsKeepTheirTimeWhileABackgroundFloodQueuesUp() throws Exception {
        configure(Map.of("background.threads", 1, "realtime.threads", 1));
        String bsn = "itest.flood";
        int floodSize = 20;
        StringBuilder tasks = new StringBuilder("rt=" + FAST);
        StringBuilder priorities = new StringBuilder("rt=REALTIME");
        StringBuilder blocks = new StringBuilder();
        for (int i = 1; i <= floodSize; i++) {
            String id = String.format("bg%02d", i);
            tasks.append('|').append(id).append('=').append(FAST);
            priorities.append('|').append(id).append("=BACKGROUND");
            blocks.append(blocks.length() == 0 ? "" : "|").append(id).append("=PT0.5S");
        }
        start(plugin(bsn).tasks(tasks.toString()).priority(priorities.toString()).block(blocks.toString()));
        TaskId rt = TaskId.of(bsn, "rt");

        await("BACKGROUND runs queued", () -> pool(Priority.BACKGROUND).filter(p -> p.queued() > 0));
        Instant flooded = Instant.now();
        int[] maxQueued = {0};
        List<RunRecord> realtime = await("10 realtime runs scheduled during the flood", () -> {
            maxQueued[0] = Math.max(maxQueued[0], pool(Priority.BACKGROUND).orElseThrow().queued());
            List<RunRecord> found = runs(rt).stream().filter(r -> r.trigger() == RunTrigger.SCHEDULE
                    && r.status() == RunStatus.SUCCEEDED && r.scheduledTime().isAfter(flooded))
                    .collect(Collectors.toList());
            return found.size() >= 10 ? java.util.Optional.of(found) : java.util.Optional.empty();
        });
        SchedulerStats.Pool background = pool(Priority.BACKGROUND).orElseThrow();
        SchedulerStats.Pool realtimePool = pool(Priority.REALTIME).orElseThrow();

        List<Long> lags = realtime.stream().map(r -> r.lag().orElseThrow().toMillis()).sorted()
                .collect(Collectors.toList());
        long maxLag = lags.get(lags.size() - 1);
        List<Long> backgroundLags = new ArrayList<>();
        for (int i = 1; i <= floodSize; i++) {
            runs(TaskId.of(bsn, String.format("bg%02d", i))).stream().filter(r -> r.startTime().isPresent())
                    .forEach(r -> backgroundLags.add(r.lag().orElseThrow().toMillis()));
        }
        backgroundLags.sort(Comparator.naturalOrder());
        long skipped = countRuns(bsn, floodSize, RunStatus.SKIPPED);
        System.out.println("[ExecutionSemanticsIT] realtime lag (ms) of " + lags.size() + " runs during a flood of "
                + floodSize + " BACKGROUND tasks: " + lags + ", max " + maxLag + "; BACKGROUND pool " + background
                + " (max queued seen " + maxQueued[0] + "), REALTIME pool " + realtimePool + "; started BACKGROUND "
                + "runs' lag (ms) " + backgroundLags + "; skipped BACKGROUND fires " + skipped);

        assertTrue("realtime lag max " + maxLag + " ms over " + lags, maxLag < 50);
        assertTrue("BACKGROUND runs queued: " + background + ", max seen " + maxQueued[0],
                background.queued() > 0 && maxQueued[0] > 0);
        assertEquals(1, background.threads());
        assertEquals(1, realtimePool.threads());
        assertTrue("some BACKGROUND run waited longer than a blocked run takes: " + backgroundLags,
                !backgroundLags.isEmpty() && backgroundLags.get(backgroundLags.size() - 1) > 500);
    }

    private java.util.Optional<SchedulerStats.Pool> pool(Priority priority) {
        return scheduler.stats().pools().stream().filter(p -> p.priority() == priority).findFirst();
    }

    private long countRuns(String bsn, int floodSize, RunStatus status) {
        long n = 0;
        for (int i = 1; i <= floodSize; i++) {
            n += runs(TaskId.of(bsn, String.format("bg%02d", i)), status).size();
        }
        return n;
    }

    // --- 4. a run that ignores interruption ---------------------------------------------------------------------

    @Test
    public void aRunIgnoringInterruptionIsDeclaredStuckAndOthersKeepRunningOnTime() throws Exception {
        configure(Map.of("worker.threads", 1, "stuck.after.seconds", 1));
        String bsn = "itest.stubborn";
        stubbornPlugins.add(bsn);
        start(plugin(bsn).tasks("stubborn=" + BY_HAND).stubborn("stubborn").timeout("stubborn=PT0.3S"));
        // another plugin: a stuck run keeps counting against its own plugin's share (here the one thread) until it
        // returns, so only other plugins' runs get the replacement thread
        start(plugin("itest.steady").tasks("steady=" + FAST));
        TaskId stubborn = TaskId.of(bsn, "stubborn");
        TaskId steady = TaskId.of("itest.steady", "steady");
        awaitRuns(steady, RunStatus.SUCCEEDED, 1);
        awaitState(stubborn, TaskState.ACTIVE);
        assertEquals(0, scheduler.stats().stuckRuns());

        String runId = scheduler.trigger(stubborn);
        RunRecord running = await("run " + runId + " RUNNING",
                () -> scheduler.run(runId).filter(r -> r.status() == RunStatus.RUNNING));
        Instant stubbornStart = running.startTime().orElseThrow();

        RunRecord declared = await("run " + runId + " declared stuck", () -> scheduler.run(runId)
                .filter(r -> r.status() != RunStatus.RUNNING));
        Instant declaredAt = declared.endTime().orElseThrow();
        SchedulerStats stats = scheduler.stats();
        SchedulerStats.Pool normal = stats.pools().stream().filter(p -> p.priority() == Priority.NORMAL).findFirst()
                .orElseThrow();
        System.out.println("[ExecutionSemanticsIT] stuck run " + declared + "; declared "
                + Duration.between(stubbornStart, declaredAt).toMillis() + " ms after it started; NORMAL pool "
                + normal + ", stuck runs " + stats.stuckRuns());
        assertEquals(declared.toString(), RunStatus.TIMED_OUT, declared.status());
        assertTrue(declared.message(), declared.message().startsWith("timed out after PT0.3S and ignored "
                + "interruption"));
        assertTrue(declared.message(), declared.message().contains("(stuck)"));
        assertEquals("the task saw the interrupt (and ignored it)", 1,
                calls(bsn, " ignored-interrupt cancelled=true stubborn " + runId).size());
        // the execution service measures the timeout from the moment it calls the run, a fraction of a
        // millisecond before the core reads the start it records: a few milliseconds of slack, no more
        assertTrue("declared stuck no earlier than timeout + stuck.after: " + declared,
                Duration.between(stubbornStart, declaredAt).compareTo(Duration.ofMillis(1300 - 5)) >= 0);
        assertEquals(1, stats.stuckRuns());
        assertEquals("NORMAL pool " + normal, 1, normal.extra());
        assertEquals("NORMAL pool " + normal, 1, normal.threads());

        // the premise: while the run held the pool's only thread, nothing else of NORMAL priority started
        for (RunRecord run : runs(steady)) {
            Instant started = run.startTime().orElse(null);
            assertTrue("steady started while the stubborn run held the only NORMAL thread: " + run,
                    started == null || !started.isAfter(stubbornStart)
                            || !started.isBefore(declaredAt.minusMillis(100)));
        }

        List<RunRecord> after = awaitRuns(steady, "SUCCEEDED, scheduled after the run was declared stuck", 3,
                r -> r.status() == RunStatus.SUCCEEDED && r.trigger() == RunTrigger.SCHEDULE
                        && r.scheduledTime().isAfter(declaredAt));
        List<Long> lags = after.stream().map(r -> r.lag().orElseThrow().toMillis()).sorted()
                .collect(Collectors.toList());
        System.out.println("[ExecutionSemanticsIT] steady lag (ms) after the stuck declaration: " + lags);
        assertTrue("steady runs on time beside the stuck run: lags " + lags + " ms",
                lags.get(lags.size() - 1) < 100);
        assertEquals("still stuck", 1, scheduler.stats().stuckRuns());

        release(bsn);
        awaitTrue("the stuck thread returned and its replacement went", () -> {
            SchedulerStats s = scheduler.stats();
            return s.stuckRuns() == 0 && s.pools().stream()
                    .anyMatch(p -> p.priority() == Priority.NORMAL && p.extra() == 0);
        });
        awaitTrue("the stubborn run returned", () -> calls(bsn, " released stubborn " + runId).size() == 1);
        Instant released = Instant.now();
        RunRecord finalRecord = scheduler.run(runId).orElseThrow();
        assertEquals("the late result is discarded: " + finalRecord, declared, finalRecord);
        awaitRun(steady, "SUCCEEDED after the release",
                r -> r.status() == RunStatus.SUCCEEDED && r.scheduledTime().isAfter(released));
    }

    private List<RunRecord> awaitRuns(TaskId id, String what, int count, java.util.function.Predicate<RunRecord> p) {
        return await(count + " runs of " + id + " " + what, () -> {
            List<RunRecord> found = runs(id).stream().filter(p).collect(Collectors.toList());
            return found.size() >= count ? java.util.Optional.of(found) : java.util.Optional.empty();
        });
    }

    private void release(String symbolicName) throws IOException {
        Path file = TestPluginActivator.releaseFile(Path.of(context.getProperty(TestPluginActivator.LOG_DIR)),
                symbolicName);
        if (!Files.exists(file)) {
            Files.createFile(file);
        }
    }

    // --- helpers ------------------------------------------------------------------------------------------------

    /**
     * Waits until an ad-hoc probe task fired at or after {@code instant}: the timer fires in time order, so
     * anything due before then (a retry, a fire) would have fired too.
     */
    private void letTheSchedulerTickPast(Instant instant) {
        TaskId witness = scheduler.addTask(TaskDefinition.builder("semantics-witness-" + witnesses.incrementAndGet())
                .schedule(FAST).build(), execution -> TaskResult.success(), false);
        try {
            awaitRun(witness, "scheduled after " + instant,
                    r -> r.status() == RunStatus.SUCCEEDED && !r.scheduledTime().isBefore(instant));
        } finally {
            scheduler.removeTask(witness);
        }
    }

    /**
     * Replaces the scheduler's configuration with {@link #DEFAULTS} overlaid by {@code changes}, and waits until
     * the core has applied it (its service properties show every value). Unlike the base class's
     * {@code configureScheduler}, compares list values ({@code String[]}) by content.
     */
    private void configure(Map<String, Object> changes) throws Exception {
        Map<String, Object> core = new LinkedHashMap<>(DEFAULTS);
        Map<String, Object> execution = new LinkedHashMap<>(EXECUTION_DEFAULTS);
        changes.forEach((k, v) -> (EXECUTION_DEFAULTS.containsKey(k) ? execution : core).put(k, v));
        configure(PID, core, this::core);
        configure(EXECUTION_PID, execution,
                () -> context.getServiceReference(org.pluginscheduler.api.execution.RunExecutor.class));
    }

    private void configure(String pid, Map<String, Object> properties,
                           java.util.function.Supplier<ServiceReference<?>> service) throws Exception {
        configAdmin.getConfiguration(pid, "?").update(new Hashtable<>(properties));
        String wanted = properties.entrySet().stream().map(e -> e.getKey() + "=" + normalized(e.getValue()))
                .collect(Collectors.joining(", "));
        awaitTrue(pid + " applied " + wanted, () -> {
            ServiceReference<?> ref = service.get();
            return ref != null && properties.entrySet().stream()
                    .allMatch(e -> normalized(e.getValue()).equals(normalized(ref.getProperty(e.getKey()))));
        });
    }

    private static Object normalized(Object value) {
        if (value instanceof Object[] array) {
            return Arrays.asList(array);
        }
        return value instanceof java.util.Collection<?> c ? List.copyOf(c) : Objects.toString(value);
    }

    private ServiceReference<?> core() {
        try {
            ServiceReference<?>[] refs = context.getServiceReferences((String) null,
                    "(objectClass=org.pluginscheduler.impl.SchedulerComponent)");
            return refs == null ? null : refs[0];
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
