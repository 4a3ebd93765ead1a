package org.pluginscheduler.impl.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.TaskDefinition;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.TaskResult;
import org.pluginscheduler.impl.core.SchedulerEngineTest.TestProvider;
import org.pluginscheduler.impl.store.InMemoryTaskStore;

/**
 * The engine end to end, with the log as the test's slf4j binding writes it (slf4j-simple, to {@code System.err},
 * captured here): a plugin whose 50 tasks throw ten times a second must not flood the log, and the run history
 * must still hold every failure.
 */
class FailureLoggingTest {

    private static final Instant T0 = Instant.parse("2026-06-01T10:00:00Z");
    private static final int TASKS = 50;
    private static final Pattern SUMMARY = Pattern.compile(
            "Task (\\S+) failed (\\d+) more time\\(s\\) the same way");

    private final MutableClock clock = new MutableClock(T0);
    private final ManualExecutor workers = new ManualExecutor();
    private final InMemoryTaskStore store = new InMemoryTaskStore(1_000);
    private final SchedulerEngine engine = new SchedulerEngine(clock, Runnable::run, new ExecutorWorkers(workers),
            store, Settings.defaults(ZoneId.of("UTC"), Duration.ofSeconds(1)));
    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
    private PrintStream originalErr;

    @BeforeEach
    void captureLog() {
        originalErr = System.err;
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restoreLog() {
        System.setErr(originalErr);
    }

    private String log() {
        return captured.toString(StandardCharsets.UTF_8);
    }

    private void advance(Duration d) {
        clock.advance(d);
        engine.timer().runDue();
        workers.runAll();
    }

    /**
     * Moves the clock {@code steps} times by {@code step}, running what is due, on a thread of its own: task code
     * then runs with a stack as shallow as a worker's, not below the test framework's, so the bytes logged per
     * stack trace are those of a deployed runtime.
     */
    private void advanceOnAWorkerLikeThread(int steps, Duration step) throws InterruptedException {
        Thread thread = new Thread(() -> {
            for (int i = 0; i < steps; i++) {
                advance(step);
            }
        }, "worker-like");
        thread.start();
        thread.join();
    }

    /** A failure a few frames deep, as real task code throws it; its message differs from run to run. */
    private static TaskResult failDeep(AtomicLong counter) {
        return callRemote(counter.incrementAndGet());
    }

    private static TaskResult callRemote(long attempt) {
        throw new IllegalStateException("remote refused request #" + attempt);
    }

    /** @return the counts of the summary lines in {@code text} */
    private static List<Long> summaries(String text) {
        List<Long> counts = new ArrayList<>();
        Matcher m = SUMMARY.matcher(text);
        while (m.find()) {
            counts.add(Long.parseLong(m.group(2)));
        }
        return counts;
    }

    private static int count(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + needle.length())) {
            n++;
        }
        return n;
    }

    @Test
    void fiftyTasksFailingTenTimesASecondLogOneStackTraceEachThenSummaries() throws InterruptedException {
        AtomicLong counter = new AtomicLong();
        List<TaskDefinition> tasks = new ArrayList<>();
        for (int i = 0; i < TASKS; i++) {
            tasks.add(TaskDefinition.builder("t" + i).schedule("every:PT0.1S").build());
        }
        TestProvider provider = new TestProvider(tasks.toArray(TaskDefinition[]::new));
        provider.behaviour = e -> failDeep(counter);
        engine.providerAdded(ProviderHandle.forProvider("hostile", 1, "hostile 1.0.0", "provider", provider));

        advanceOnAWorkerLikeThread(1, Duration.ZERO); // an interval fires first at registration
        advanceOnAWorkerLikeThread(119, Duration.ofMillis(100)); // 12 s of fires, 10 a second
        String first12s = log();
        int bytes12s = first12s.getBytes(StandardCharsets.UTF_8).length;
        originalErr.printf("[measure] 50 tasks x 10 Hz x 12 s: %d failures, %d bytes logged, %d stack traces%n",
                counter.get(), bytes12s, count(first12s, "java.lang.IllegalStateException: remote refused"));

        assertEquals(TASKS * 120, counter.get(), "every fire ran");
        assertEquals(1, count(first12s, "java.lang.IllegalStateException: remote refused"),
                "one stack trace for the plugin: its 50 tasks fail the same way");
        assertEquals(1, count(first12s, "at org.pluginscheduler.impl.core.FailureLoggingTest.callRemote"));
        assertEquals(TASKS - 1, count(first12s, "[stack trace as logged for hostile:t"),
                "each other task's first failure is a full line that points to it");
        assertTrue(bytes12s < 100_000, "bounded: " + bytes12s + " bytes");

        // a minute after each task's first failure, one summary line per task: how many since, and the last one
        advanceOnAWorkerLikeThread(481, Duration.ofMillis(100)); // up to T0 + 60 s
        String upToOneMinute = log();
        assertEquals(TASKS, summaries(upToOneMinute).size(), "one summary per task per minute");
        assertTrue(summaries(upToOneMinute).stream().allMatch(n -> n == 599 || n == 600),
                "each the failures since its first, the one at 60 s too if its summary came with it: "
                        + summaries(upToOneMinute));
        assertEquals(1, count(upToOneMinute, "java.lang.IllegalStateException: remote refused"),
                "still one stack trace");
        assertTrue(upToOneMinute.contains("; last: IllegalStateException: remote refused request #"),
                upToOneMinute.lines().filter(l -> l.contains("more time")).findFirst().orElse("no summary"));
        originalErr.printf("[measure] ... and up to 60 s: %d failures, %d bytes logged%n", counter.get(),
                upToOneMinute.getBytes(StandardCharsets.UTF_8).length);

        engine.stop(); // tells what is still untold
        assertEquals(TASKS * 600L, summaries(log()).stream().mapToLong(Long::longValue).sum(),
                "every failure after each task's first is counted in a summary");

        // the run history holds every failure; so do the counters
        for (int i = 0; i < TASKS; i++) {
            List<RunRecord> runs = engine.runs(TaskId.of("hostile", "t" + i), 1_000);
            assertEquals(601, runs.size(), "t" + i);
            assertTrue(runs.stream().allMatch(r -> r.status() == RunStatus.FAILED
                    && r.message().startsWith("IllegalStateException: remote refused request #")));
        }
        assertEquals(TASKS * 601L, engine.stats().runsByStatus().get(RunStatus.FAILED));
    }

    @Test
    void aRemovedTasksUntoldFailuresAreWrittenByTheNextRunOfAnyTask() {
        TestProvider hostile = new TestProvider(TaskDefinition.builder("bad").schedule("every:PT1S").build());
        hostile.behaviour = e -> callRemote(7);
        ProviderHandle handle = ProviderHandle.forProvider("hostile", 1, "hostile 1.0.0", "provider", hostile);
        engine.providerAdded(handle);
        engine.providerAdded(ProviderHandle.forProvider("good", 2, "good 1.0.0", "provider",
                new TestProvider(TaskDefinition.builder("fine").schedule("every:PT1S").build())));
        advance(Duration.ZERO);
        for (int i = 1; i < 5; i++) {
            advance(Duration.ofSeconds(1));
        }
        assertEquals(List.of(), summaries(log()), "nothing due yet");
        engine.providerRemoved(handle);
        for (int i = 0; i < 10; i++) { // only the good task runs; one of its runs does the check
            advance(Duration.ofSeconds(1));
        }
        assertEquals(List.of(4L), summaries(log()));
        assertTrue(log().lines().anyMatch(l -> l.contains("Task hostile:bad failed 4 more time(s)")
                && l.endsWith("; the task is gone")), log());
    }

    @Test
    void aTaskThatSucceedsAgainIsSaidToHaveRecovered() {
        AtomicLong runs = new AtomicLong();
        TestProvider provider = new TestProvider(TaskDefinition.builder("flaky").schedule("every:PT1S").build());
        provider.behaviour = e -> runs.incrementAndGet() <= 3 ? callRemote(runs.get()) : TaskResult.success();
        engine.providerAdded(ProviderHandle.forProvider("p", 1, "p 1.0.0", "provider", provider));
        advance(Duration.ZERO);
        for (int i = 1; i < 61; i++) {
            advance(Duration.ofSeconds(1));
        }
        assertEquals(List.of(2L), summaries(log()));
        assertEquals(1, count(log(), "Task p:flaky recovered after 3 failed run(s) since " + T0));
        assertEquals(1, count(log(), "java.lang.IllegalStateException: remote refused request #1"));
    }

    @Test
    void aPluginListingTenThousandTasksLogsTwentyLinesAndASummaryNotTenThousand() {
        List<TaskDefinition> many = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            many.add(TaskDefinition.builder("many" + i).schedule("cron:0 3 * * *").build());
        }
        for (int i = 0; i < 30; i++) {
            many.add(TaskDefinition.builder("bad" + i).schedule("cron:61 3 * * *").build()); // invalid: minute 61
        }
        SchedulerEngineTest.TestProvider provider = new SchedulerEngineTest.TestProvider(
                many.toArray(TaskDefinition[]::new));
        ProviderHandle handle = ProviderHandle.forProvider("flood", 1, "flood 1", "provider", provider);
        engine.providerAdded(handle);
        assertEquals(10_030, engine.tasks().size(), "every task registered or listed as invalid");
        String log = log();
        assertEquals(TaskRegistry.LINES_PER_LIST, count(log, "registered from"), log);
        assertTrue(log.contains("... and 9980 more task(s) registered, updated or removed from provider"), log);
        assertEquals(TaskRegistry.LINES_PER_LIST, count(log, "Rejected task flood:bad"), log);
        assertTrue(log.contains("... and 10 more task(s) of provider rejected or in conflict"), log);
        engine.providerModified(handle); // the same list again (a plugin asking for reloads): nothing new to say
        assertEquals(TaskRegistry.LINES_PER_LIST, count(log(), "Rejected task flood:bad"), "not repeated");
        assertEquals(TaskRegistry.LINES_PER_LIST, count(log(), "registered from"), "unchanged tasks say nothing");

        provider.tasks = many.subList(0, 10); // 9,990 go away: one line each for the first twenty only
        engine.providerModified(handle);
        assertEquals(TaskRegistry.LINES_PER_LIST, count(log(), "removed: no longer in the list"));
        assertTrue(log().contains("... and 9970 more task(s) registered, updated or removed"), log());
    }
}
