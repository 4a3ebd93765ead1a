package org.pluginscheduler.impl.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.pluginscheduler.api.DeadLetter;
import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.RunTrigger;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.store.PendingRun;
import org.pluginscheduler.api.store.RunBatch;
import org.pluginscheduler.api.store.TaskStoreException;

/** The pending-runs part of the store contract, on the in-memory store. */
class InMemoryPendingRunsTest {

    private static final Instant T0 = Instant.parse("2026-06-01T10:00:00Z");
    private static final TaskId A = TaskId.parse("p:a");
    private static final TaskId B = TaskId.parse("p:b");
    private final InMemoryTaskStore store = new InMemoryTaskStore(100);

    private static PendingRun pending(String runId, TaskId task, String occurrence, Instant due) {
        return PendingRun.of(runId, task, RunTrigger.SUBMISSION, occurrence, due, due, 1, due, Map.of(), Set.of());
    }

    private static RunRecord record(String runId, TaskId task, RunStatus status) {
        return new RunRecord(runId, task, RunTrigger.SUBMISSION, 1, status, T0, Optional.of(T0),
                status == RunStatus.RUNNING ? Optional.empty() : Optional.of(T0), "", Map.of(), Map.of());
    }

    private List<String> pendingIds() {
        return store.pendingRuns().stream().map(PendingRun::runId).toList();
    }

    @Test
    void aFinalRecordEndsItsPendingRunARunningOneDoesNot() {
        store.savePending(List.of(pending("r1", A, "run:r1", T0), pending("r2", A, "run:r2", T0)));
        store.recordRun(record("r1", A, RunStatus.RUNNING));
        assertEquals(List.of("r1", "r2"), pendingIds());
        store.recordRun(record("r1", A, RunStatus.SUCCEEDED));
        assertEquals(List.of("r2"), pendingIds());
    }

    @Test
    void pendingRunsAreOrderedByDueTimeThenRunId() {
        store.savePending(List.of(pending("c", A, "run:c", T0.plusSeconds(5)), pending("b", A, "run:b", T0),
                pending("a", B, "run:a", T0)));
        assertEquals(List.of("a", "b", "c"), pendingIds());
    }

    @Test
    void aSecondRunForTheSameOccurrenceFailsTheWholeBatch() {
        store.savePending(List.of(pending("r1", A, "fire:" + T0, T0)));
        TaskStoreException e = assertThrows(TaskStoreException.class, () -> store.write(new RunBatch(
                List.of(record("x", A, RunStatus.SUCCEEDED)),
                List.of(pending("r3", B, "fire:" + T0, T0), pending("r2", A, "fire:" + T0, T0)),
                List.of(new DeadLetter("x", A, Map.of(), "e", 1, T0, T0)))));
        assertTrue(e.getMessage().contains("fire:" + T0) && e.getMessage().contains("r1"), e.getMessage());
        assertEquals(List.of("r1"), pendingIds(), "nothing of the batch was applied");
        assertTrue(store.run("x").isEmpty());
        assertTrue(store.deadLetters().isEmpty());
        // the same occurrence of another task, or the same run again, is fine
        store.savePending(List.of(pending("r3", B, "fire:" + T0, T0), pending("r1", A, "fire:" + T0, T0)));
        assertEquals(List.of("r1", "r3"), pendingIds());
    }

    @Test
    void aRunsOwnOccurrenceIsUniqueToo() {
        store.savePending(List.of(pending("r1", A, "run:r1", T0)));
        assertThrows(TaskStoreException.class, () -> store.savePending(List.of(pending("other", A, "run:r1", T0))));
        store.savePending(List.of(pending("odd", B, "run:r9", T0)));
        assertThrows(TaskStoreException.class, () -> store.savePending(List.of(pending("r9", B, "run:r9", T0))));
        assertEquals(List.of("odd", "r1"), pendingIds());
    }

    @Test
    void anOccurrenceFreedByAFinalRecordInTheSameBatchCanBeTakenThere() {
        store.savePending(List.of(pending("r1", A, "fire:" + T0, T0)));
        store.write(new RunBatch(List.of(record("r1", A, RunStatus.FAILED)),
                List.of(pending("r2", A, "fire:" + T0, T0)), List.of()));
        assertEquals(List.of("r2"), pendingIds());
    }

    @Test
    void deletingATaskDeletesItsPendingRunsAndRemovePendingIgnoresUnknownIds() {
        store.savePending(List.of(pending("r1", A, "run:r1", T0), pending("r2", B, "fire:" + T0, T0)));
        store.deleteTask(A);
        assertEquals(List.of("r2"), pendingIds());
        store.removePending(List.of("r2", "nope"));
        assertEquals(List.of(), pendingIds());
        store.savePending(List.of(pending("r4", B, "fire:" + T0, T0))); // the occurrence is free again
        assertEquals(List.of("r4"), pendingIds());
    }
}
