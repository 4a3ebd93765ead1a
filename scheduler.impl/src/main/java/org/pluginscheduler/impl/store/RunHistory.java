package org.pluginscheduler.impl.store;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.RunTrigger;
import org.pluginscheduler.api.TaskId;

/**
 * The kept runs of one task, oldest first, stored in columns of primitives rather than as {@link RunRecord}
 * objects. A kept run costs no object of its own (the scheduler's own run ids are packed into two longs; a message,
 * data or arguments are kept as objects only when not empty), so a history of millions of runs gives the garbage
 * collector nothing to copy or trace: with records as objects, every run a young collection found alive was copied,
 * and with 10,000 tasks firing every second G1's pauses grew to tens of milliseconds (P3's fire-lag tail).
 *
 * <p>A ring over {@link #capacity} slots that grows by doubling. Not thread-safe: the store's monitor guards it.
 */
public final class RunHistory {

    /** A start or end time that is absent. */
    private static final long NONE = Long.MIN_VALUE;
    private static final int LONGS = 5; // id time, id counter, scheduled s, start s, end s
    private static final int INTS = 5; // scheduled ns, start ns, end ns, attempt, status << 8 | trigger
    private static final RunStatus[] STATUSES = RunStatus.values();
    private static final RunTrigger[] TRIGGERS = RunTrigger.values();

    /** What only some runs have: a message, data, arguments, or a run id not made by the scheduler. */
    private record Rest(String runId, String message, Map<String, String> data, Map<String, String> arguments) {
    }

    private final TaskId taskId;
    private long[] longs;
    private int[] ints;
    /** null until some run needs it. */
    private Rest[] rest;
    private int head;
    private int size;
    /** The greatest packed run id ever written (time, then counter): a newer id cannot be here. */
    private long maxTime = -1;
    private long maxCounter = -1;

    RunHistory(TaskId taskId) {
        this.taskId = taskId;
        allocate(4);
    }

    private void allocate(int capacity) {
        longs = new long[capacity * LONGS];
        ints = new int[capacity * INTS];
        rest = null;
    }

    private int capacity() {
        return ints.length / INTS;
    }

    int size() {
        return size;
    }

    /** @return the physical slot of the {@code i}-th oldest run */
    private int slot(int i) {
        int s = head + i;
        int c = capacity();
        return s >= c ? s - c : s;
    }

    /** @return the position (0 = oldest) of the run, or -1; searches from the newest, where updates land */
    int indexOf(String runId) {
        long[] packed = pack(runId);
        if (packed != null && (packed[0] > maxTime || packed[0] == maxTime && packed[1] > maxCounter)) {
            return -1; // newer than any run written: the usual case for a new run, no scan
        }
        for (int i = size - 1; i >= 0; i--) {
            int s = slot(i);
            if (packed != null) {
                if (longs[s * LONGS] == packed[0] && longs[s * LONGS + 1] == packed[1] && textId(s) == null) {
                    return i;
                }
            } else if (runId.equals(textId(s))) {
                return i;
            }
        }
        return -1;
    }

    /** Adds a run as the newest. */
    void add(RunRecord run) {
        add(run, Integer.MAX_VALUE);
    }

    /** Adds a run as the newest; the columns grow no larger than {@code expected} (+1) unless they must. */
    void add(RunRecord run, int expected) {
        if (size == capacity()) {
            grow(Math.max(size + 1, Math.min(size * 2, expected + 1)));
        }
        write(slot(size), run);
        size++;
    }

    /** Replaces the run at position {@code i}; it keeps its place. */
    void set(int i, RunRecord run) {
        write(slot(i), run);
    }

    RunRecord get(int i) {
        return read(slot(i));
    }

    RunStatus status(int i) {
        return STATUSES[ints[slot(i) * INTS + 4] >>> 8];
    }

    /** Removes the run at position {@code i}, keeping the order of the others. */
    void remove(int i) {
        // shift the older ones one place towards the newer end, then drop the oldest slot
        for (int j = i; j > 0; j--) {
            copy(slot(j - 1), slot(j));
        }
        clear(slot(0));
        head = slot(1);
        size--;
        if (size == 0) {
            head = 0;
        }
    }

    /** Drops the oldest runs that are not RUNNING until at most {@code max} are left (RUNNING ones stay). */
    int trim(int max) {
        int removed = 0;
        for (int i = 0; i < size && size > max; ) {
            if (status(i) == RunStatus.RUNNING) {
                i++;
            } else {
                remove(i);
                removed++;
            }
        }
        return removed;
    }

    /** Keeps only the runs {@code keep} accepts, in order. @return how many were removed */
    int retain(Predicate<RunRecord> keep) {
        List<RunRecord> kept = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            RunRecord r = get(i);
            if (keep.test(r)) {
                kept.add(r);
            }
        }
        int removed = size - kept.size();
        if (removed > 0) {
            allocate(Math.max(4, kept.size()));
            head = 0;
            size = 0;
            kept.forEach(this::add);
        }
        return removed;
    }

    /** @return every kept run, oldest first */
    List<RunRecord> all() {
        List<RunRecord> runs = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            runs.add(get(i));
        }
        return runs;
    }

    private void grow(int capacity) {
        long[] l = new long[capacity * LONGS];
        int[] n = new int[capacity * INTS];
        Rest[] r = rest == null ? null : new Rest[capacity];
        for (int i = 0; i < size; i++) {
            int s = slot(i);
            System.arraycopy(longs, s * LONGS, l, i * LONGS, LONGS);
            System.arraycopy(ints, s * INTS, n, i * INTS, INTS);
            if (r != null) {
                r[i] = rest[s];
            }
        }
        longs = l;
        ints = n;
        rest = r;
        head = 0;
    }

    private void copy(int from, int to) {
        System.arraycopy(longs, from * LONGS, longs, to * LONGS, LONGS);
        System.arraycopy(ints, from * INTS, ints, to * INTS, INTS);
        if (rest != null) {
            rest[to] = rest[from];
        }
    }

    private void clear(int s) {
        if (rest != null) {
            rest[s] = null; // let go of its objects
        }
    }

    private String textId(int s) {
        return rest == null || rest[s] == null ? null : rest[s].runId();
    }

    private void write(int s, RunRecord run) {
        long[] packed = pack(run.runId());
        int l = s * LONGS;
        int n = s * INTS;
        if (packed != null && (packed[0] > maxTime || packed[0] == maxTime && packed[1] > maxCounter)) {
            maxTime = packed[0];
            maxCounter = packed[1];
        }
        longs[l] = packed == null ? 0 : packed[0];
        longs[l + 1] = packed == null ? 0 : packed[1];
        longs[l + 2] = run.scheduledTime().getEpochSecond();
        ints[n] = run.scheduledTime().getNano();
        Instant start = run.startTime().orElse(null);
        longs[l + 3] = start == null ? NONE : start.getEpochSecond();
        ints[n + 1] = start == null ? 0 : start.getNano();
        Instant end = run.endTime().orElse(null);
        longs[l + 4] = end == null ? NONE : end.getEpochSecond();
        ints[n + 2] = end == null ? 0 : end.getNano();
        ints[n + 3] = run.attempt();
        ints[n + 4] = run.status().ordinal() << 8 | run.trigger().ordinal();
        boolean plain = packed != null && run.message().isEmpty() && run.data().isEmpty() && run.arguments().isEmpty();
        if (plain) {
            clear(s);
        } else {
            if (rest == null) {
                rest = new Rest[capacity()];
            }
            rest[s] = new Rest(packed == null ? run.runId() : null, run.message(), run.data(), run.arguments());
        }
    }

    private RunRecord read(int s) {
        int l = s * LONGS;
        int n = s * INTS;
        Rest r = rest == null ? null : rest[s];
        String runId = r != null && r.runId() != null ? r.runId() : unpack(longs[l], longs[l + 1]);
        Optional<Instant> start = longs[l + 3] == NONE ? Optional.empty()
                : Optional.of(Instant.ofEpochSecond(longs[l + 3], ints[n + 1]));
        Optional<Instant> end = longs[l + 4] == NONE ? Optional.empty()
                : Optional.of(Instant.ofEpochSecond(longs[l + 4], ints[n + 2]));
        int codes = ints[n + 4];
        return new RunRecord(runId, taskId, TRIGGERS[codes & 0xff], ints[n + 3], STATUSES[codes >>> 8],
                Instant.ofEpochSecond(longs[l + 2], ints[n]), start, end, r == null ? "" : r.message(),
                r == null ? Map.of() : r.data(), r == null ? Map.of() : r.arguments());
    }

    /**
     * @return the two numbers of a run id in the scheduler's own form (base-36 time, '-', base-36 counter, as
     *         {@code SchedulerEngine} makes them), or null for any other text
     */
    static long[] pack(String runId) {
        int dash = runId.indexOf('-');
        if (dash <= 0 || dash == runId.length() - 1 || dash > 13 || runId.length() - dash - 1 > 13) {
            return null;
        }
        for (int i = 0; i < runId.length(); i++) {
            char c = runId.charAt(i);
            if (i != dash && !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z')) {
                return null;
            }
        }
        // only the form that prints back the same is packed (no leading zeros), so unpacking is exact
        if (dash > 1 && runId.charAt(0) == '0' || runId.length() - dash > 2 && runId.charAt(dash + 1) == '0') {
            return null;
        }
        try {
            return new long[] {Long.parseLong(runId, 0, dash, 36), Long.parseLong(runId, dash + 1, runId.length(), 36)};
        } catch (NumberFormatException e) {
            return null; // too large for a long
        }
    }

    static String unpack(long time, long counter) {
        return Long.toString(time, 36) + "-" + Long.toString(counter, 36);
    }

    @Override
    public String toString() {
        return "RunHistory[" + taskId + ", " + size + " of " + capacity() + "]";
    }

    /** For tests: whether run {@code i} is kept without an object of its own. */
    boolean isCompact(int i) {
        return rest == null || rest[slot(i)] == null;
    }

}
