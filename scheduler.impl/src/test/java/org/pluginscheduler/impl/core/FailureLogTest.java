package org.pluginscheduler.impl.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.impl.core.FailureLog.Kind;
import org.pluginscheduler.impl.core.FailureLog.Level;

/** The failure log limiter alone, with a hand-moved clock and the lines it writes collected. */
class FailureLogTest {

    private static final Instant T0 = Instant.parse("2026-06-01T10:00:00Z");
    private static final Duration TENTH = Duration.ofMillis(100);
    private static final Pattern MORE = Pattern.compile(" (\\d+) more ");

    private record Logged(Level level, String line, Throwable stackTrace) {
    }

    private final MutableClock clock = new MutableClock(T0);
    private final List<Logged> logged = new CopyOnWriteArrayList<>();
    private final FailureLog log = new FailureLog(clock, (level, line, t) -> logged.add(new Logged(level, line, t)));
    private final TaskId a = TaskId.of("p", "a");
    private final TaskId b = TaskId.of("p", "b");

    /** The same failure wherever the test calls it from: its top frames are all below this method. */
    private static RuntimeException thrownHere(String message) {
        return viaClient(message);
    }

    private static RuntimeException viaClient(String message) {
        return viaConnection(message);
    }

    private static RuntimeException viaConnection(String message) {
        return new IllegalStateException(message);
    }

    /** The same exception class as {@link #thrownHere}, thrown elsewhere. */
    private static RuntimeException thrownThere(String message) {
        return viaParser(message);
    }

    private static RuntimeException viaParser(String message) {
        return viaReader(message);
    }

    private static RuntimeException viaReader(String message) {
        return new IllegalStateException(message);
    }

    private void fail(TaskId task, RuntimeException e) {
        fail(task, e, () -> false);
    }

    private void fail(TaskId task, RuntimeException e, java.util.function.BooleanSupplier gone) {
        log.report(Kind.FAILED, task, Level.WARN, "Task " + task + " failed: " + e.getMessage(), e.getMessage(), e,
                gone);
    }

    private long withStackTrace() {
        return logged.stream().filter(l -> l.stackTrace() != null).count();
    }

    private List<Logged> summariesOf(TaskId task) {
        return logged.stream().filter(l -> l.stackTrace() == null && l.line().startsWith("Task " + task + " ")
                && l.line().contains(" more ")).toList();
    }

    private static long told(List<Logged> summaries) {
        long sum = 0;
        for (Logged l : summaries) {
            Matcher m = MORE.matcher(l.line());
            assertTrue(m.find(), l.line());
            sum += Long.parseLong(m.group(1));
        }
        return sum;
    }

    @Test
    void aThousandIdenticalFailuresLogOneStackTraceThenOneSummaryAMinute() {
        for (int i = 0; i < 1_000; i++) { // 10 a second for 100 s, each with its own message
            fail(a, thrownHere("refused #" + i));
            if (i == 599) {
                assertEquals(1, logged.size(), "nothing but the first failure before the minute is up");
            }
            clock.advance(TENTH);
        }
        assertEquals(1, withStackTrace());
        assertEquals("Task p:a failed: refused #0", logged.get(0).line());
        List<Logged> summaries = summariesOf(a);
        assertEquals(1, summaries.size(), "at 60 s");
        assertTrue(summaries.get(0).line().startsWith("Task p:a failed 600 more time(s) the same way since "
                + T0.plus(TENTH)), summaries.get(0).line());
        assertTrue(summaries.get(0).line().contains("(IllegalStateException at "), summaries.get(0).line());
        assertTrue(summaries.get(0).line().endsWith("last: refused #600"), summaries.get(0).line());
        assertEquals(Level.WARN, summaries.get(0).level());

        clock.set(T0.plusSeconds(120)); // no further failure: the next run's end of any task writes what is due
        log.check();
        summaries = summariesOf(a);
        assertEquals(2, summaries.size());
        assertTrue(summaries.get(1).line().endsWith("last: refused #999"), summaries.get(1).line());
        assertEquals(999, told(summaries), "every failure but the first is counted in a summary");
        assertEquals(1, withStackTrace());
    }

    @Test
    void twoTasksAreLimitedIndependently() {
        fail(a, thrownHere("a0"));
        clock.advance(Duration.ofSeconds(30));
        fail(b, thrownHere("b0")); // same exception, same place, other task: a full line, the trace not again
        assertEquals(1, withStackTrace(), "the same owner's identical trace is written once a minute");
        assertTrue(logged.get(logged.size() - 1).line().contains("[stack trace as logged for " + a + " at "),
                logged.get(logged.size() - 1).line());
        fail(TaskId.of("other", "c"), thrownHere("c0")); // another owner: its own trace
        assertEquals(2, withStackTrace());
        for (int i = 1; i <= 10; i++) {
            clock.advance(Duration.ofSeconds(3));
            fail(a, thrownHere("a" + i));
            fail(b, thrownHere("b" + i));
        }
        // now T0 + 60 s: a's minute is up, b's is not
        assertEquals(List.of(10L), summariesOf(a).stream().map(l -> told(List.of(l))).toList());
        assertEquals(List.of(), summariesOf(b));
        clock.advance(Duration.ofSeconds(30));
        fail(b, thrownHere("b11"));
        assertEquals(List.of(11L), summariesOf(b).stream().map(l -> told(List.of(l))).toList());
        assertEquals(1, summariesOf(a).size());
    }

    @Test
    void aDifferentFailureIsLoggedInFullAndCountedApart() {
        fail(a, thrownHere("x"));
        fail(a, thrownHere("other message, same failure"));
        assertEquals(1, withStackTrace());
        fail(a, thrownThere("y")); // same class, thrown elsewhere
        assertEquals(2, withStackTrace());
        fail(a, new IllegalArgumentException("z")); // another class
        assertEquals(3, withStackTrace());
        for (int i = 0; i < 100; i++) { // alternating between known failures: none in full again
            fail(a, i % 2 == 0 ? thrownHere("x" + i) : thrownThere("y" + i));
        }
        assertEquals(3, withStackTrace());
        log.report(Kind.TIMED_OUT, a, Level.WARN, "run 1 of p:a timed out", "timed out after PT1S", null,
                () -> false);
        assertEquals(4, logged.size(), "another kind of line is another pattern");

        clock.advance(FailureLog.SUMMARY_INTERVAL);
        log.check();
        List<Logged> summaries = summariesOf(a);
        assertEquals(2, summaries.size(), "one per pattern with failures untold: " + summaries);
        assertEquals(List.of(51L, 50L), summaries.stream().map(l -> told(List.of(l))).toList());
    }

    @Test
    void aTaskThrowingAnotherFailureEveryTimeIsLimitedToo() {
        for (int i = 0; i < 1_000; i++) {
            RuntimeException e = new IllegalStateException("unique " + i);
            e.setStackTrace(new StackTraceElement[] {new StackTraceElement("Gen" + i, "run", "Gen.java", i)});
            fail(a, e);
            clock.advance(TENTH);
        }
        assertEquals(FailureLog.MAX_PATTERNS_PER_TASK, withStackTrace());
        List<Logged> others = logged.stream().filter(l -> l.line().contains("of other patterns")).toList();
        assertEquals(1, others.size(), "at 60 s");
        assertTrue(others.get(0).line().endsWith("last: failed: unique 600"), others.get(0).line());
        clock.advance(FailureLog.SUMMARY_INTERVAL);
        log.check();
        assertEquals(1_000 - FailureLog.MAX_PATTERNS_PER_TASK, told(logged.stream()
                .filter(l -> l.line().contains("of other patterns")).toList()));
    }

    @Test
    void theTableIsCappedAndFurtherTasksAreCountedTogether() {
        int tasks = FailureLog.MAX_TASKS + 500;
        for (int round = 0; round < 10; round++) {
            for (int i = 0; i < tasks; i++) {
                fail(TaskId.of("p", "t" + i), thrownHere("r" + round));
            }
            clock.advance(Duration.ofSeconds(1));
        }
        assertEquals(FailureLog.MAX_TASKS, log.trackedTasks());
        assertEquals(2, withStackTrace(), "one owner, one failure: the trace once (then lines pointing to it), and "
                + "once with the overflow's first line");
        assertEquals(FailureLog.MAX_TASKS + 1, logged.stream().filter(l -> l.line().startsWith("Task ")
                && !l.line().contains(" more time")).count(), "a full line for each tracked task and the overflow");
        Logged full = logged.stream().filter(l -> l.line().contains("is full")).findFirst().orElseThrow();
        assertTrue(full.stackTrace() != null || full.line().contains("[stack trace as logged for"), full.line());

        clock.advance(FailureLog.SUMMARY_INTERVAL);
        log.check();
        List<Logged> overflow = logged.stream().filter(l -> l.line().contains("could not track")).toList();
        assertEquals(1, overflow.size());
        assertTrue(overflow.get(0).line().startsWith(500 * 10 - 1 + " more failure line(s)"), overflow.get(0).line());
        assertEquals(FailureLog.MAX_TASKS * 9L, told(logged.stream().filter(l -> l.stackTrace() == null
                && l.line().startsWith("Task ") && !l.line().contains("[stack trace as logged for")).toList()),
                "the tracked tasks' repeats are all summarised");

        // tracked tasks that recover make room: the next task's failure is tracked, and in full
        for (int i = 0; i < FailureLog.MAX_TASKS; i++) {
            log.succeeded(TaskId.of("p", "t" + i));
        }
        clock.advance(FailureLog.SUMMARY_INTERVAL);
        log.check();
        assertEquals(0, log.trackedTasks());
        int before = logged.size();
        fail(TaskId.of("p", "t" + (tasks - 1)), thrownHere("again"));
        assertEquals(1, log.trackedTasks());
        assertNotNull(logged.get(before).stackTrace());
    }

    @Test
    void aTaskThatRecoversSaysSoOnceAndIsForgotten() {
        for (int i = 0; i < 100; i++) {
            fail(a, thrownHere("down " + i));
            clock.advance(TENTH);
        }
        clock.set(T0.plusSeconds(30));
        log.succeeded(a); // its last line is 30 s old: the recovery waits for the minute
        assertEquals(1, logged.size());
        clock.set(T0.plusSeconds(60));
        log.check();
        assertEquals(3, logged.size(), "the summary of what was untold, then the recovery: " + logged);
        assertEquals(99, told(summariesOf(a)));
        assertEquals(new Logged(Level.INFO, "Task p:a recovered after 100 failed run(s) since " + T0, null),
                logged.get(2));
        assertEquals(0, log.trackedTasks());

        fail(a, thrownHere("down again"));
        assertNotNull(logged.get(3).stackTrace(), "after a recovery, a failure is news again");
    }

    @Test
    void aTaskFailingEveryOtherRunCannotFloodThroughItsRecoveries() {
        for (int i = 0; i < 6_000; i++) { // 10 minutes, 10 runs a second, every other one failing
            if (i % 2 == 0) {
                fail(a, thrownHere("flaky " + i));
            } else {
                log.succeeded(a);
            }
            clock.advance(TENTH);
        }
        assertEquals(1, withStackTrace());
        assertTrue(logged.size() <= 11, "one stack trace, then at most a line a minute: " + logged.size());
        clock.advance(FailureLog.SUMMARY_INTERVAL);
        log.check();
        assertEquals(2_999, told(summariesOf(a)));
        assertEquals("Task p:a recovered after 3000 failed run(s) since " + T0, logged.get(logged.size() - 1).line());
    }

    @Test
    void aRemovedTasksUntoldFailuresAreWrittenAndItIsForgotten() {
        AtomicBoolean gone = new AtomicBoolean();
        for (int i = 0; i < 5; i++) {
            fail(a, thrownHere("e" + i), gone::get);
        }
        gone.set(true);
        clock.advance(FailureLog.SWEEP_EVERY);
        log.check();
        assertEquals(0, log.trackedTasks());
        List<Logged> summaries = summariesOf(a);
        assertEquals(1, summaries.size());
        assertTrue(summaries.get(0).line().startsWith("Task p:a failed 4 more time(s)"), summaries.get(0).line());
        assertTrue(summaries.get(0).line().endsWith("; the task is gone"), summaries.get(0).line());
    }

    @Test
    void aQuietTaskIsForgottenAndItsNextFailureIsNewsAgain() {
        fail(a, thrownHere("once"));
        clock.advance(FailureLog.FORGET_AFTER);
        log.check();
        assertEquals(0, log.trackedTasks());
        fail(a, thrownHere("once more"));
        assertEquals(2, withStackTrace());
    }

    @Test
    void closingWritesEverythingUntoldAndThenEveryLineAsItComes() {
        fail(a, thrownHere("1"));
        fail(a, thrownHere("2"));
        fail(b, thrownHere("3"));
        fail(b, thrownHere("4"));
        fail(b, thrownHere("5"));
        log.close();
        assertEquals(1, told(summariesOf(a)));
        assertEquals(2, told(summariesOf(b)));
        int before = logged.size();
        fail(a, thrownHere("6"));
        assertEquals(before + 1, logged.size());
        assertNotNull(logged.get(before).stackTrace());
    }

    @Test
    void theMostSevereLevelOfTheUntoldIsTheSummarysLevel() {
        log.report(Kind.STUCK, a, Level.ERROR, "run 1 of p:a is stuck", "stuck on thread w-1", null, () -> false);
        log.report(Kind.STUCK, a, Level.ERROR, "run 2 of p:a is stuck", "stuck on thread w-2", null, () -> false);
        clock.advance(FailureLog.SUMMARY_INTERVAL);
        log.check();
        Logged summary = logged.get(1);
        assertEquals(Level.ERROR, summary.level());
        assertEquals("Task p:a had a run stuck 1 more time(s) the same way since " + T0 + ", logged in full at " + T0
                + "; last: stuck on thread w-2", summary.line());
        assertNull(summary.stackTrace());
    }

    @Test
    void aStackOverflowErrorIsLoggedWithItsFirstFortyFramesAndSaysSo() {
        StackOverflowError deep = null;
        try {
            recurse(0);
        } catch (StackOverflowError e) {
            deep = e;
        }
        int total = deep.getStackTrace().length;
        Throwable shown = FailureLog.trimmed(new IllegalStateException("wrapped", deep));
        assertTrue(shown.toString().startsWith("java.lang.IllegalStateException: wrapped"), shown.toString());
        Throwable shallow = new IllegalStateException("shallow");
        shallow.setStackTrace(java.util.Arrays.copyOf(shallow.getStackTrace(), 3));
        assertTrue(FailureLog.trimmed(shallow) == shallow, "a short trace is kept as it is");
        Throwable cause = shown.getCause();
        assertEquals(FailureLog.MAX_FRAMES, cause.getStackTrace().length);
        assertEquals("java.lang.StackOverflowError [the first 40 of " + total + " frames]", cause.toString());
        assertEquals(deep.getStackTrace()[0], cause.getStackTrace()[0]);
        java.io.StringWriter printed = new java.io.StringWriter();
        shown.printStackTrace(new java.io.PrintWriter(printed));
        assertTrue(printed.toString().length() < 10_000, "a few KB, not ~100 KB: " + printed.toString().length());
    }

    private static long recurse(long depth) {
        return recurse(depth + 1) + 1;
    }
}
