package org.pluginscheduler.impl.core;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BooleanSupplier;

import org.pluginscheduler.api.TaskId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The log lines a task's runs cause (failed, timed out, stuck, gave up, dead letter), limited so that a task failing
 * again and again cannot flood the log; the run history keeps every failure, this only decides what is written to
 * the log.
 *
 * <p><b>What is written.</b> A task's failure of a pattern not seen before is written in full, with its stack trace.
 * The pattern ({@linkplain #signature signature}) is the kind of line plus the exception's class and its top
 * {@value #SIGNATURE_FRAMES} frames: the message is not part of it, so a failure whose message carries a counter or
 * a time is still the same failure. Further failures of a known pattern are counted; at most once per
 * {@link #SUMMARY_INTERVAL} (a minute) after the task's previous line a summary line per pattern says how many
 * there were, since when, and the last one's message. Up to {@value #MAX_PATTERNS_PER_TASK} patterns per task are
 * told apart; failures of further patterns are counted together ("other patterns") and summarised the same way, so
 * a task throwing a different exception every time is limited too. When a failing task succeeds, a line says it
 * recovered after how many failures (at the same pace: if the task's last line is less than an interval old, the
 * recovery line comes when the interval is up, unless it fails again first) and the task is forgotten: its next
 * failure is written in full again.
 *
 * <p><b>When summaries come.</b> A summary due is written at the task's next failure or success, or at the next
 * check, which any run's end of any task makes at most every {@link #SWEEP_EVERY}; the check also writes what is
 * left to tell about a task that was removed and forgets it. {@link #close()} (the scheduler stops) writes
 * everything still untold. Nothing counted is dropped without a line that counts it: a task is forgotten (it
 * recovered, was removed, or was quiet for {@link #FORGET_AFTER}) only once its untold failures are written.
 *
 * <p><b>Bounded memory.</b> At most {@value #MAX_TASKS} tasks are tracked, each with at most
 * {@value #MAX_PATTERNS_PER_TASK} patterns of bounded size (messages are cut at {@value #MAX_MESSAGE} characters).
 * A task is forgotten when it recovers, is removed, or has been quiet for {@link #FORGET_AFTER} with nothing left to
 * tell. When the table is full, failures of tasks not tracked are not written one by one: the first is written in
 * full with a note that the table is full, then they are counted together and summarised at most once per
 * interval, like one more task.
 *
 * <p>Thread-safe; lines are handed to the {@link Sink} outside this object's monitor. It calls no foreign code
 * except the {@code gone} checks its callers pass in, which must be cheap and take no lock.
 */
final class FailureLog {

    /** At most one summary line per task and pattern per interval this long. */
    static final Duration SUMMARY_INTERVAL = Duration.ofMinutes(1);
    /** How often tracked tasks are checked for summaries due and for removal, at most. */
    static final Duration SWEEP_EVERY = Duration.ofSeconds(10);
    /** A task without a failure for this long, with nothing left to tell, is forgotten. */
    static final Duration FORGET_AFTER = Duration.ofMinutes(10);
    /** How many tasks are tracked at once; failures of further tasks are counted together. */
    static final int MAX_TASKS = 1_000;
    /** How many failure patterns of one task are told apart; further ones are counted together. */
    static final int MAX_PATTERNS_PER_TASK = 5;
    /** How many stack frames make a failure's pattern, besides its exception class. */
    static final int SIGNATURE_FRAMES = 3;
    /** Messages kept for summaries are cut to this many characters. */
    static final int MAX_MESSAGE = 500;

    /** How severe a line is. */
    enum Level { INFO, WARN, ERROR }

    /** Where lines go: the core's logger in production, a list in tests. */
    interface Sink {
        /**
         * @param stackTrace the exception whose stack trace goes with the line, or null for none
         */
        void log(Level level, String line, Throwable stackTrace);
    }

    /** The kinds of lines a task's runs cause; each is limited on its own. */
    enum Kind {
        /** Task code threw. */
        FAILED("failed", true),
        /** A run passed its deadline. */
        TIMED_OUT("timed out", true),
        /** A timed-out run ignored its interruption. */
        STUCK("had a run stuck", false),
        /** A run declared stuck returned after all. */
        RETURNED_LATE("had a stuck run return late", false),
        /** A run exhausted its retries (the task is not dead-letter eligible). */
        GAVE_UP("gave up on a run", false),
        /** A run was moved to the dead letters. */
        DEAD_LETTER("moved a run to the dead letters", false),
        /** The retry policy or a failure handler threw while deciding about a failure. */
        DECISION_FAILED("could not decide about a failure", false);

        final String verb;
        /** Whether it is how a run ended (counted as a failure the task recovers from). */
        final boolean runFailure;

        Kind(String verb, boolean runFailure) {
            this.verb = verb;
            this.runFailure = runFailure;
        }
    }

    /** The most stack frames of one throwable (and of each cause) a full line shows. */
    static final int MAX_FRAMES = 40;

    /**
     * A throwable's stack trace cut to {@link #MAX_FRAMES} frames per throwable in its cause chain, for the log: a
     * StackOverflowError carries 1,024 frames (about 100 KB of log), and a plugin can throw one from each of its
     * tasks. Printed like the original, with a note of how many frames were left out.
     */
    static Throwable trimmed(Throwable error) {
        return trimmed(error, 0);
    }

    private static Throwable trimmed(Throwable error, int depth) {
        if (error == null || depth > 8) {
            return null;
        }
        StackTraceElement[] frames = error.getStackTrace();
        Throwable cause = error.getCause() == error ? null : error.getCause();
        Throwable trimmedCause = trimmed(cause, depth + 1);
        if (frames.length <= MAX_FRAMES && trimmedCause == cause) {
            return error;
        }
        return new Trimmed(error, frames, trimmedCause);
    }

    /** A copy of a throwable with fewer frames, printed with the original's class and message. */
    private static final class Trimmed extends Throwable {
        private static final long serialVersionUID = 1L;
        private final String header;

        Trimmed(Throwable original, StackTraceElement[] frames, Throwable cause) {
            super(original.getMessage(), cause, false, true);
            int shown = Math.min(frames.length, MAX_FRAMES);
            this.header = original + (frames.length > shown
                    ? " [the first " + shown + " of " + frames.length + " frames]" : "");
            setStackTrace(java.util.Arrays.copyOf(frames, shown));
        }

        @Override
        public String toString() {
            return header;
        }
    }

    /** Writes to the logger of {@code FailureLog}, stack traces {@linkplain #trimmed trimmed}. */
    static Sink slf4j() {
        Logger log = LoggerFactory.getLogger(FailureLog.class);
        return (level, line, fullTrace) -> {
            Throwable stackTrace = trimmed(fullTrace);
            switch (level) {
                case INFO -> {
                    if (stackTrace == null) {
                        log.info(line);
                    } else {
                        log.info(line, stackTrace);
                    }
                }
                case WARN -> {
                    if (stackTrace == null) {
                        log.warn(line);
                    } else {
                        log.warn(line, stackTrace);
                    }
                }
                case ERROR -> {
                    if (stackTrace == null) {
                        log.error(line);
                    } else {
                        log.error(line, stackTrace);
                    }
                }
            }
        };
    }

    private record Line(Level level, String text, Throwable stackTrace) {
    }

    /** Failures of one pattern of one task (or of a task's "other ways", or of the overflow) not yet told. */
    private static final class Pattern {
        /** The kind of its lines, or null for a mix of kinds ("other ways", overflow). */
        final Kind kind;
        /** The exception and where it was thrown, short; empty without an exception. */
        final String description;
        /** When it was written in full, or null for a mix. */
        final Instant loggedAt;
        long untold;
        Instant untoldSince;
        String last;
        /** The most severe level among the untold ones. */
        Level level = Level.INFO;

        Pattern(Kind kind, String description, Instant loggedAt) {
            this.kind = kind;
            this.description = description;
            this.loggedAt = loggedAt;
        }

        void count(Kind of, Level at, String message, Instant now) {
            if (untold == 0) {
                untoldSince = now;
            }
            untold++;
            last = (kind == null ? of.verb + ": " : "") + cut(message);
            level = at.compareTo(level) > 0 ? at : level;
        }

        /** Told: starts counting anew. */
        void reset() {
            untold = 0;
            untoldSince = null;
            last = null;
            level = Level.INFO;
        }
    }

    /** What is known about one failing task. */
    private static final class Tracked {
        final TaskId task;
        BooleanSupplier gone;
        /** By signature, in the order first seen. */
        final Map<String, Pattern> patterns = new LinkedHashMap<>();
        /** Failures of patterns beyond {@link #MAX_PATTERNS_PER_TASK}. */
        final Pattern others = new Pattern(null, "", null);
        /** When a line about this task was last written; summaries wait an interval after it. */
        Instant lastLine;
        Instant lastFailure;
        /** Failed runs since it was first tracked, for the recovery line. */
        long failedRuns;
        final Instant failingSince;
        /** Its last run succeeded: the recovery line is due once a line is allowed. */
        boolean recovered;

        Tracked(TaskId task, Instant now) {
            this.task = task;
            this.lastLine = now;
            this.lastFailure = now;
            this.failingSince = now;
        }
    }

    private final Clock clock;
    private final Sink sink;
    /** Tracked tasks; guarded by this. */
    private final Map<TaskId, Tracked> tracked = new LinkedHashMap<>();
    /** Failures of tasks that found the table full; guarded by this. */
    private final Pattern overflow = new Pattern(null, "", null);
    private Instant overflowLastLine; // null: no overflow line written yet (or told and idle since)
    private Instant nextSweep;
    private boolean closed;
    /** Whether there is anything to check or tell: lets a run's end skip the monitor when nothing failed. */
    private volatile boolean active;

    /**
     * @param clock the core's clock: intervals are measured on it
     * @param sink  where lines go
     */
    /**
     * Stack traces written in full in the last interval, by owner and pattern: at most {@link #MAX_TASKS}, older ones
     * swept. Guarded by this.
     */
    private final Map<String, TraceShown> tracesShown = new java.util.HashMap<>();

    FailureLog(Clock clock, Sink sink) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.sink = Objects.requireNonNull(sink, "sink");
        this.nextSweep = clock.instant().plus(SWEEP_EVERY);
    }

    /**
     * A line about a run of {@code task}: written in full (with {@code error}'s stack trace) if its pattern is new
     * for the task, else counted for the task's next summary.
     *
     * @param line   the full line, written when the pattern is new
     * @param detail the short message summaries quote as the last one (the task is named by the summary)
     * @param error  the exception, or null; its class and top frames are part of the pattern
     * @param gone   whether the task is gone for good (removed), checked now and then without a lock
     */
    void report(Kind kind, TaskId task, Level level, String line, String detail, Throwable error,
                BooleanSupplier gone) {
        Instant now = clock.instant();
        List<Line> out = new ArrayList<>(2);
        synchronized (this) {
            if (closed) {
                out.add(new Line(level, line, error));
            } else {
                active = true;
                Tracked t = tracked.get(task);
                if (t == null && tracked.size() >= MAX_TASKS) {
                    overflow(kind, task, level, line, detail, error, now, out);
                } else {
                    if (t == null) {
                        t = new Tracked(task, now);
                        tracked.put(task, t);
                    }
                    t.gone = gone;
                    count(t, kind, level, line, detail, error, now, out);
                }
                if (!now.isBefore(nextSweep)) {
                    sweep(now, out);
                }
            }
        }
        write(out);
    }

    private void count(Tracked t, Kind kind, Level level, String line, String detail, Throwable error, Instant now,
                       List<Line> out) {
        t.recovered = false;
        t.lastFailure = now;
        if (kind.runFailure) {
            t.failedRuns++;
        }
        String signature = kind.name() + (error == null ? "" : "|" + signature(error));
        Pattern p = t.patterns.get(signature);
        if (p != null) {
            p.count(kind, level, detail, now);
        } else if (t.patterns.size() < MAX_PATTERNS_PER_TASK) {
            t.patterns.put(signature, new Pattern(kind, describe(error), now));
            out.add(error == null ? new Line(level, line, null) : withTraceOnce(t.task, signature, level, line,
                    error, now));
        } else {
            t.others.count(kind, level, detail, now);
        }
        if (due(t.lastLine, now)) {
            tell(t, now, "", out);
        }
    }

    /**
     * The full line of a task's new pattern, with its stack trace unless another task of the same owner logged the
     * same trace (same kind, class and top frames) within the summary interval: a plugin whose 50 tasks fail the
     * same way writes the trace once, and 49 lines that point to it.
     */
    private Line withTraceOnce(TaskId task, String signature, Level level, String line, Throwable error,
                               Instant now) {
        String key = task.owner() + "|" + signature;
        TraceShown shown = tracesShown.get(key);
        if (shown != null && now.isBefore(shown.at().plus(SUMMARY_INTERVAL))) {
            return new Line(level, line + " [stack trace as logged for " + shown.task() + " at " + shown.at() + "]",
                    null);
        }
        if (tracesShown.size() >= MAX_TASKS) {
            tracesShown.values().removeIf(t -> !now.isBefore(t.at().plus(SUMMARY_INTERVAL)));
        }
        if (tracesShown.size() < MAX_TASKS) {
            tracesShown.put(key, new TraceShown(task, now));
        }
        return new Line(level, line, error);
    }

    /** A stack trace written in full: for which task, when. */
    private record TraceShown(TaskId task, Instant at) {
    }

    private void overflow(Kind kind, TaskId task, Level level, String line, String detail, Throwable error,
                          Instant now, List<Line> out) {
        if (overflowLastLine == null) {
            out.add(new Line(level, line + " [the failure log tracks " + MAX_TASKS + " tasks and is full: further "
                    + "failures of tasks it does not track are counted together and summarised at most once per "
                    + SUMMARY_INTERVAL + "]", error));
            overflowLastLine = now;
            return;
        }
        overflow.count(kind, level, "task " + task + " " + detail, now);
        if (due(overflowLastLine, now)) {
            tellOverflow(now, out);
        }
    }

    /**
     * A run of {@code task} succeeded: if it was failing, it is forgotten with a line saying it recovered (now, or
     * when its interval is up).
     */
    void succeeded(TaskId task) {
        if (!active) {
            return;
        }
        Instant now = clock.instant();
        List<Line> out = new ArrayList<>(2);
        synchronized (this) {
            Tracked t = tracked.get(task);
            if (t != null && !closed) {
                t.recovered = true;
                if (due(t.lastLine, now)) {
                    tell(t, now, "", out);
                    recover(t, out);
                    tracked.remove(task);
                }
            }
            if (!now.isBefore(nextSweep)) {
                sweep(now, out);
            }
        }
        write(out);
    }

    /** A run ended: writes what is due if the last check is {@link #SWEEP_EVERY} old. Cheap when nothing failed. */
    void check() {
        if (!active) {
            return;
        }
        Instant now = clock.instant();
        List<Line> out = new ArrayList<>();
        synchronized (this) {
            if (!closed && !now.isBefore(nextSweep)) {
                sweep(now, out);
            }
        }
        write(out);
    }

    /** The scheduler stops: everything untold is written now; from now on every line is written as it comes. */
    void close() {
        Instant now = clock.instant();
        List<Line> out = new ArrayList<>();
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            for (Tracked t : tracked.values()) {
                tell(t, now, "", out);
                if (t.recovered) {
                    recover(t, out);
                }
            }
            tracked.clear();
            tellOverflow(now, out);
            active = false;
        }
        write(out);
    }

    /** @return how many tasks are tracked (for tests and diagnostics) */
    synchronized int trackedTasks() {
        return tracked.size();
    }

    private void sweep(Instant now, List<Line> out) {
        nextSweep = now.plus(SWEEP_EVERY);
        tracesShown.values().removeIf(t -> !now.isBefore(t.at().plus(SUMMARY_INTERVAL)));
        for (Iterator<Tracked> it = tracked.values().iterator(); it.hasNext(); ) {
            Tracked t = it.next();
            if (isGone(t)) {
                tell(t, now, "; the task is gone", out);
                it.remove();
            } else if (due(t.lastLine, now)) {
                tell(t, now, "", out);
                if (t.recovered) {
                    recover(t, out);
                    it.remove();
                } else if (!now.isBefore(t.lastFailure.plus(FORGET_AFTER))) {
                    it.remove(); // quiet and all told: its next failure is written in full again
                }
            }
        }
        if (overflowLastLine != null && due(overflowLastLine, now)) {
            if (overflow.untold > 0) {
                tellOverflow(now, out);
            } else {
                overflowLastLine = null; // the table has had room, or nobody overflowed, for an interval
            }
        }
        active = !tracked.isEmpty() || overflowLastLine != null;
    }

    private static boolean isGone(Tracked t) {
        try {
            return t.gone != null && t.gone.getAsBoolean();
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static boolean due(Instant lastLine, Instant now) {
        return !now.isBefore(lastLine.plus(SUMMARY_INTERVAL));
    }

    /** Writes a summary line per pattern of {@code t} with failures not yet told. */
    private void tell(Tracked t, Instant now, String suffix, List<Line> out) {
        boolean told = false;
        for (Pattern p : t.patterns.values()) {
            if (p.untold > 0) {
                out.add(new Line(p.level, "Task " + t.task + " " + p.kind.verb + " " + p.untold
                        + " more time(s) the same way since " + p.untoldSince
                        + (p.description.isEmpty() ? "" : " (" + p.description + ")")
                        + ", logged in full at " + p.loggedAt + "; last: " + p.last + suffix, null));
                p.reset();
                told = true;
            }
        }
        if (t.others.untold > 0) {
            out.add(new Line(t.others.level, "Task " + t.task + ": " + t.others.untold + " more failure line(s) "
                    + "of other patterns than the " + MAX_PATTERNS_PER_TASK + " logged in full, since "
                    + t.others.untoldSince + "; last: " + t.others.last + suffix, null));
            t.others.reset();
            told = true;
        }
        if (told) {
            t.lastLine = now;
        }
    }

    /** The recovery line of a task about to be forgotten (none if no run of it failed, only later steps). */
    private void recover(Tracked t, List<Line> out) {
        if (t.failedRuns > 0) {
            out.add(new Line(Level.INFO, "Task " + t.task + " recovered after " + t.failedRuns + " failed run(s) "
                    + "since " + t.failingSince, null));
        }
    }

    private void tellOverflow(Instant now, List<Line> out) {
        if (overflow.untold > 0) {
            out.add(new Line(overflow.level, overflow.untold + " more failure line(s) of tasks the failure log "
                    + "could not track (" + MAX_TASKS + " tracked) since " + overflow.untoldSince + "; last: "
                    + overflow.last, null));
            overflow.reset();
            overflowLastLine = now;
        }
    }

    private void write(List<Line> out) {
        for (Line line : out) {
            sink.log(line.level(), line.text(), line.stackTrace());
        }
    }

    private static String cut(String message) {
        String m = String.valueOf(message);
        return m.length() <= MAX_MESSAGE ? m : m.substring(0, MAX_MESSAGE) + "…";
    }

    /** The pattern of a failure: its exception's class and top frames, not its message. */
    static String signature(Throwable error) {
        StringBuilder sb = new StringBuilder(error.getClass().getName());
        StackTraceElement[] frames = error.getStackTrace();
        for (int i = 0; i < Math.min(SIGNATURE_FRAMES, frames.length); i++) {
            sb.append('|').append(frames[i].getClassName()).append('.').append(frames[i].getMethodName())
                    .append(':').append(frames[i].getLineNumber());
        }
        return sb.toString();
    }

    private static String describe(Throwable error) {
        if (error == null) {
            return "";
        }
        StackTraceElement[] frames = error.getStackTrace();
        return error.getClass().getSimpleName() + (frames.length == 0 ? "" : " at " + frames[0]);
    }
}
