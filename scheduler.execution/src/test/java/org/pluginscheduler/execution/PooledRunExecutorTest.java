package org.pluginscheduler.execution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.pluginscheduler.api.Priority;

/**
 * The component as Declarative Services drives it: raw properties in, the log read back (slf4j-simple writes to
 * {@code System.err}, which each test captures).
 */
class PooledRunExecutorTest {

    private static final String REJECTED = "ERROR " + PooledRunExecutor.class.getName()
            + " - Configuration org.pluginscheduler.execution rejected: ";
    private static final String KEPT = "; the last good configuration stays in force";

    private final PooledRunExecutor executor = new PooledRunExecutor();
    private boolean active;

    @AfterEach
    void deactivate() {
        if (active) {
            executor.deactivate();
        }
    }

    @Test
    void withoutAConfigurationTheDefaultsApply() {
        List<String> log = logOf(() -> activate(Map.of("component.name", PooledRunExecutor.class.getName())));
        assertEquals(ExecutionSettings.DEFAULTS, executor.settings());
        assertEquals(List.of(2, 8, 2), threads());
        assertEquals(List.of("INFO " + PooledRunExecutor.class.getName()
                + " - Configuration org.pluginscheduler.execution applied: " + ExecutionSettings.DEFAULTS), log);
    }

    @Test
    void aBadFirstConfigurationLeavesTheDefaultsInForce() {
        List<String> log = logOf(() -> activate(Map.of("worker.threads", "abc")));
        assertEquals(List.of(REJECTED + "worker.threads: 'abc' is not a whole number" + KEPT), log);
        assertEquals(ExecutionSettings.DEFAULTS, executor.settings());
        assertEquals(List.of(2, 8, 2), threads());
    }

    @Test
    void aBadChangeIsRejectedNamingTheFieldAndTheLastGoodConfigurationStays() {
        activate(Map.of("worker.threads", "3", "grace.period.seconds", "1"));
        ExecutionSettings good = executor.settings();
        assertEquals(3, good.workerThreads());
        for (Object bad : List.of("abc", "99999999999", 99_999_999_999L, 0, -1, 1025, "1025")) {
            List<String> log = logOf(() -> executor.modified(Map.of("worker.threads", bad, "realtime.threads", 4)));
            String shown = bad instanceof String ? "'" + bad + "'" : bad.toString();
            assertEquals(1, log.size(), log.toString());
            assertTrue(log.get(0).startsWith(REJECTED + "worker.threads: " + shown + " is not "), log.get(0));
            assertTrue(log.get(0).endsWith(KEPT), log.get(0));
            assertEquals(good, executor.settings(), "the last good configuration for " + bad);
            assertEquals(List.of(2, 3, 2), threads(), "not even the good realtime.threads of a rejected change");
        }
    }

    @Test
    void aGoodChangeAppliesLive() {
        activate(Map.of());
        List<String> log = logOf(() -> executor.modified(Map.of("realtime.threads", 1, "worker.threads", "20",
                "background.threads", 5L, "stuck.after.seconds", "30", "grace.period.seconds", 0)));
        ExecutionSettings applied = new ExecutionSettings(1, 20, 5, Duration.ofSeconds(30), Duration.ZERO);
        assertEquals(applied, executor.settings());
        assertEquals(List.of(1, 20, 5), threads());
        assertEquals(List.of("INFO " + PooledRunExecutor.class.getName()
                + " - Configuration org.pluginscheduler.execution applied: " + applied), log);
    }

    @Test
    void theOwnerShareIsCheckedAndAppliesLive() {
        activate(Map.of());
        List<String> log = logOf(() -> executor.modified(Map.of("owner.share.percent", "0")));
        assertEquals(List.of(REJECTED + "owner.share.percent: '0' is not in 1–100" + KEPT), log);
        assertEquals(ExecutionSettings.DEFAULTS, executor.settings());
        executor.modified(Map.of("owner.share.percent", 25));
        assertEquals(25, executor.settings().ownerSharePercent());
        TestRun run = new TestRun("r", Priority.NORMAL, Optional.empty(), TestRun.BLOCKS, () -> false);
        executor.execute(run);
        try {
            PoolsFixture.await(run.entered, "it started");
            assertEquals(List.of(new org.pluginscheduler.api.SchedulerStats.OwnerUsage("owner-r", Priority.NORMAL, 1,
                    0, 0, 2)), executor.stats().owners(), "25 % of the 8 NORMAL threads");
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        } finally {
            run.release.countDown();
        }
    }

    @Test
    void anUnknownKeyIsWarnedAboutWithTheClosestKnownKey() {
        List<String> log = logOf(() -> activate(Map.of("worker.thread", "4", "service.pid",
                ExecutionConfiguration.PID, "felix.fileinstall.filename", "file:/x.cfg")));
        assertEquals("WARN " + PooledRunExecutor.class.getName() + " - Configuration org.pluginscheduler.execution: "
                + "unknown key 'worker.thread' is ignored; did you mean 'worker.threads'?", log.get(0));
        assertEquals(2, log.size(), "the warning, then the applied settings: " + log);
        assertEquals(ExecutionSettings.DEFAULTS, executor.settings());
    }

    @Test
    void itRunsRunsAndRefusesThemOnceDeactivated() throws InterruptedException {
        activate(Map.of());
        TestRun run = new TestRun("r", Priority.BACKGROUND, Optional.empty(), TestRun.QUICK, () -> false);
        executor.execute(run);
        PoolsFixture.await(run.returned, "it ran");
        assertTrue(run.thread.getName().startsWith("task-background-"));
        executor.deactivate();
        active = false;
        TestRun late = new TestRun("late", Priority.NORMAL, Optional.empty(), TestRun.QUICK, () -> false);
        assertThrows(RejectedExecutionException.class, () -> executor.execute(late));
        assertThrows(RejectedExecutionException.class, () -> executor.executeHere(late));
        assertEquals(0, late.outcomes());
    }

    private void activate(Map<String, Object> properties) {
        executor.start(new HashMap<>(properties));
        active = true;
    }

    private List<Integer> threads() {
        return executor.stats().pools().stream().map(p -> p.threads()).toList();
    }

    /** @return the log lines {@code action} wrote, without the thread name */
    private static List<String> logOf(Runnable action) {
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            action.run();
        } finally {
            System.setErr(original);
        }
        String text = captured.toString(StandardCharsets.UTF_8);
        original.print(text);
        return Arrays.stream(text.split("\\R")).filter(line -> !line.isBlank())
                .map(line -> line.replaceFirst("^\\[[^]]*] ", "")).toList();
    }
}
