package org.pluginscheduler.impl.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.RunTrigger;
import org.pluginscheduler.api.TaskId;

/**
 * The columnar run history: every field of a record comes back exactly, the scheduler's own run ids are kept
 * without objects, order survives wrapping, growth and removal, and random operations agree with a plain list.
 */
class RunHistoryTest {

    private static final TaskId ID = TaskId.parse("p:t");
    private static final Instant T0 = Instant.parse("2026-06-01T10:00:00.123456789Z");

    private static RunRecord run(String runId, RunStatus status) {
        return new RunRecord(runId, ID, RunTrigger.SCHEDULE, 1, status, T0, Optional.of(T0.plusNanos(7)),
                status == RunStatus.RUNNING ? Optional.empty() : Optional.of(T0.plusSeconds(1)), "", Map.of(),
                Map.of());
    }

    @Test
    void everyFieldComesBackExactly() {
        RunHistory h = new RunHistory(ID);
        List<RunRecord> records = List.of(
                new RunRecord("mpv1f0g0-1", ID, RunTrigger.RETRY, 3, RunStatus.FAILED, T0, Optional.of(T0),
                        Optional.of(T0.plusNanos(1)), "IllegalStateException: x", Map.of("k", "v"),
                        Map.of("a", "b")),
                new RunRecord("custom id", ID, RunTrigger.CALL, 1, RunStatus.SUCCEEDED, T0, Optional.empty(),
                        Optional.empty(), "", Map.of(), Map.of()),
                new RunRecord("z-0", ID, RunTrigger.SUBMISSION, 1, RunStatus.SKIPPED,
                        Instant.parse("2999-01-01T00:00:00Z"), Optional.empty(), Optional.empty(), "skipped",
                        Map.of(), Map.of()),
                new RunRecord("0-0", ID, RunTrigger.MISFIRE, Integer.MAX_VALUE, RunStatus.ABANDONED,
                        Instant.parse("1970-01-01T00:00:00Z"), Optional.of(Instant.parse("1969-12-31T23:59:59.5Z")),
                        Optional.of(Instant.EPOCH), "", Map.of(), Map.of()),
                run("1y2p0ij32e8e7-1y2p0ij32e8e7", RunStatus.TIMED_OUT));
        records.forEach(h::add);
        assertEquals(records, h.all());
        for (RunRecord r : records) {
            assertEquals(r, h.get(h.indexOf(r.runId())));
        }
        assertTrue(h.isCompact(4), "the scheduler's own id and nothing else: no object");
        assertTrue(h.isCompact(3));
        assertFalse(h.isCompact(0), "a message, data and arguments are objects");
        assertFalse(h.isCompact(1), "an id of another form is kept as text");
    }

    @Test
    void onlyTheSchedulersCanonicalIdFormIsPacked() {
        assertArrayEquals(new long[] {Long.parseLong("mpv1f0g0", 36), 1}, RunHistory.pack("mpv1f0g0-1"));
        for (String other : List.of("abc", "-1", "1-", "00a-1", "a-01", "A-1", "a-b-c", "a_1", "zzzzzzzzzzzzzz-1",
                "1y2p0ij32e8e8-1", "a--1", "")) {
            assertNull(RunHistory.pack(other), other);
        }
        assertEquals("mpv1f0g0-1", RunHistory.unpack(Long.parseLong("mpv1f0g0", 36), 1));
    }

    @Test
    void anUpdateKeepsItsPlaceAndTrimmingDropsTheOldestFinishedRunsButNeverARunningOne() {
        RunHistory h = new RunHistory(ID);
        h.add(run("a-1", RunStatus.RUNNING));
        for (int i = 2; i <= 9; i++) {
            h.add(run("a-" + i, RunStatus.SUCCEEDED));
        }
        assertEquals(6, h.trim(3));
        assertEquals(List.of("a-1", "a-8", "a-9"), h.all().stream().map(RunRecord::runId).toList());
        h.set(h.indexOf("a-1"), run("a-1", RunStatus.FAILED));
        assertEquals(RunStatus.FAILED, h.get(0).status());
        assertEquals(0, h.trim(3));
        assertEquals(1, h.trim(2));
        assertEquals(List.of("a-8", "a-9"), h.all().stream().map(RunRecord::runId).toList());
        assertEquals(-1, h.indexOf("a-1"));
        assertEquals(-1, h.indexOf("b-1"), "newer than anything written");
    }

    /** Random adds, updates, removals, trims and retains against an ArrayList doing the same. */
    @Test
    void randomOperationsAgreeWithAPlainList() {
        Random random = new Random(42);
        for (int round = 0; round < 200; round++) {
            RunHistory h = new RunHistory(ID);
            List<RunRecord> model = new ArrayList<>();
            int next = 1;
            for (int op = 0; op < 300; op++) {
                int kind = random.nextInt(10);
                if (kind < 5 || model.isEmpty()) {
                    String runId = random.nextInt(8) == 0 ? "ext " + next : "k-" + Long.toString(next, 36);
                    next++;
                    RunStatus status = RunStatus.values()[random.nextInt(RunStatus.values().length)];
                    RunRecord r = random.nextBoolean() ? run(runId, status)
                            : new RunRecord(runId, ID, RunTrigger.MANUAL, random.nextInt(5) + 1, status,
                            T0.plusSeconds(random.nextInt(1000)), Optional.empty(), Optional.empty(),
                            random.nextBoolean() ? "" : "m" + op, Map.of(), Map.of());
                    h.add(r);
                    model.add(r);
                } else if (kind < 7) {
                    int i = random.nextInt(model.size());
                    RunRecord r = run(model.get(i).runId(), RunStatus.CANCELLED);
                    h.set(h.indexOf(r.runId()), r);
                    model.set(i, r);
                } else if (kind < 8) {
                    int i = random.nextInt(model.size());
                    h.remove(i);
                    model.remove(i);
                } else if (kind < 9) {
                    int max = random.nextInt(20);
                    h.trim(max);
                    for (int i = 0; i < model.size() && model.size() > max; ) {
                        if (model.get(i).status() == RunStatus.RUNNING) {
                            i++;
                        } else {
                            model.remove(i);
                        }
                    }
                } else {
                    int m = random.nextInt(3) + 2;
                    h.retain(r -> r.runId().hashCode() % m != 0);
                    model.removeIf(r -> r.runId().hashCode() % m == 0);
                }
                assertEquals(model, h.all(), "round " + round + " op " + op);
                assertEquals(model.size(), h.size());
            }
            for (int i = 0; i < model.size(); i++) {
                assertEquals(i, h.indexOf(model.get(i).runId()));
            }
        }
    }

    @Test
    void theStoreKeepsItsNewestRunsPerTaskAndFindsRunsById() {
        InMemoryTaskStore store = new InMemoryTaskStore(3);
        for (int i = 1; i <= 5; i++) {
            store.recordRun(run("s-" + i, RunStatus.RUNNING));
            store.recordRun(run("s-" + i, RunStatus.SUCCEEDED));
        }
        store.recordRun(run("s-6", RunStatus.RUNNING));
        assertEquals(List.of("s-6", "s-5", "s-4"), store.runs(ID, 10).stream().map(RunRecord::runId).sorted(
                java.util.Comparator.reverseOrder()).toList());
        assertEquals(List.of("s-6"), store.runningRuns().stream().map(RunRecord::runId).toList());
        assertTrue(store.run("s-5").isPresent());
        assertTrue(store.run("s-1").isEmpty());
        store.deleteTask(ID);
        assertTrue(store.run("s-6").isEmpty());
        assertTrue(store.runs(ID, 10).isEmpty());
    }
}
