package org.pluginscheduler.store.h2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.RunTrigger;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.store.RunBatch;

/**
 * Pruning keeps up with any insert rate. Deletions share the one writer with run records, and a pruning waits for
 * each deletion chunk's commit; the scheduler's recorder writes whatever queued during the previous commit as one
 * batch, so once the writer is its bottleneck (a fast load, or a CPU-starved machine) a commit carries more runs
 * than a fixed chunk of 1,000 deletes, and the backlog grew without bound (a store-level probe: ~40,000 runs/s
 * recorded, ~20,000/s pruned, 1.2 million runs over the cap after a minute, and growing by 20,000 a second).
 */
class PruneBackPressureTest {

    private static final int CAP = 10;
    private static final int BACKLOG = 6_000;
    private static final int BATCH = 1_500;
    private static final Instant T0 = Instant.parse("2026-03-01T00:00:00Z");

    @TempDir
    Path dir;

    /**
     * A backlog of {@value #BACKLOG} runs over the cap, pruned by one pass while a recorder writes a batch of
     * {@value #BATCH} runs of another task after every deletion chunk (in lock-step, so the machine's speed does not
     * matter). With fixed chunks the pass took six chunks of 1,000 and the recorder added 9,000 runs meanwhile,
     * more than the pass removed. Now a chunk deletes twice what was recorded since the previous one (at least
     * 1,000): 1,000, then 3,000, then the 2,000 left. What was recorded before the pass started (the backlog
     * itself) does not count: the pass finds it, and a first chunk of twice that would be one huge commit.
     *
     * <p>And how far behind pruning is ({@code task:stats}) tells the truth meanwhile: the runs found over the cap
     * and not deleted yet, plus those recorded since their task was read. It used to forget the backlog as soon as
     * the pass had read it, and said 0, 1,500, 3,000 while 5,000, 3,500, 3,000 were left to delete.
     */
    @Test
    void aDeletionChunkIsTwiceTheRunsRecordedSinceThePreviousOne() {
        TaskId busy = TestStores.task("a-busy"); // read by the pass first, while it has no runs
        TaskId backlog = TestStores.task("z-backlog");
        try (H2TaskStore store = TestStores.open(dir)) {
            store.write(RunBatch.of(runs(backlog, 0, BACKLOG + CAP)));
            assertArrayEquals(new long[] {BACKLOG + CAP, BACKLOG + CAP}, store.unpruned());
            List<Long> chunks = new ArrayList<>();
            List<Long> behind = new ArrayList<>();
            long[] pruned = {0};
            store.afterEachChunk(() -> {
                chunks.add(store.pruned() - pruned[0]);
                pruned[0] = store.pruned();
                behind.add(store.unpruned()[0]);
                store.write(RunBatch.of(runs(busy, chunks.size() * BATCH, BATCH)));
            });
            assertEquals(BACKLOG, store.pruneRuns(Instant.parse("2000-01-01T00:00:00Z"), CAP));
            assertEquals(List.of(1_000L, 3_000L, 2_000L), chunks, "the deletion chunks");
            assertEquals(List.of(5_000L, 2_000L + BATCH, 2L * BATCH), behind, "behind, after each chunk");
            assertArrayEquals(new long[] {3L * BATCH, 3L * BATCH}, store.unpruned(), "the busy task's runs");
        }
    }

    /**
     * After a restart the store does not know what it holds over the cap until pruning reads it: a pass counts a
     * task's backlog as behind from the moment it reads it until the runs are deleted.
     */
    @Test
    void aBacklogFoundAfterARestartCountsAsBehindUntilItIsDeleted() {
        TaskId backlog = TestStores.task("backlog");
        try (H2TaskStore store = TestStores.open(dir)) {
            store.write(RunBatch.of(runs(backlog, 0, 2 * H2TaskStore.PRUNE_CHUNK + CAP)));
        }
        try (H2TaskStore store = TestStores.open(dir)) {
            assertArrayEquals(new long[] {0, 0}, store.unpruned(), "not read yet");
            List<Long> behind = new ArrayList<>();
            store.afterEachChunk(() -> behind.add(store.unpruned()[1]));
            assertEquals(2 * H2TaskStore.PRUNE_CHUNK, store.pruneRuns(Instant.parse("2000-01-01T00:00:00Z"), CAP));
            assertEquals(List.of((long) H2TaskStore.PRUNE_CHUNK, 0L), behind, "the most behind, after each chunk");
        }
    }

    /**
     * A task far over its cap is read and deleted a bounded page at a time, so a pass's heap does not grow with
     * the backlog (reading a million run ids at once took ~100 MB; a cap lowered from its maximum of 10 million
     * would have asked for a gigabyte). A RUNNING run beyond the cap (the oldest here, so on the last page) is never
     * deleted, and the paging ends. (A full page of nothing deletable, 50,000 RUNNING runs of one task, would end
     * the task's paging there and leave what is behind it to the next pruning.)
     */
    @Test
    void aTaskFarOverItsCapIsReadAndDeletedAPageAtATime() {
        TaskId task = TestStores.task("far-over");
        try (H2TaskStore store = TestStores.open(dir)) {
            List<RunRecord> runs = runs(task, 0, 5_000 + CAP);
            RunRecord oldest = runs.get(0);
            runs.set(0, new RunRecord(oldest.runId(), task, oldest.trigger(), 1, RunStatus.RUNNING,
                    oldest.scheduledTime(), oldest.startTime(), Optional.empty(), "", Map.of(), Map.of()));
            store.write(RunBatch.of(runs));
            store.pruneReadLimit(2_000); // two deletion chunks of 1,000 a page
            List<Long> behind = new ArrayList<>();
            store.afterEachChunk(() -> behind.add(store.unpruned()[0]));
            assertEquals(4_999, store.pruneRuns(Instant.parse("2000-01-01T00:00:00Z"), CAP), "all but RUNNING");
            assertEquals(CAP + 1, store.runs(task, 10_000).size(), "the newest 10, and the RUNNING one");
            assertEquals(List.of(1_000L, 0L, 1_000L, 0L, 0L), behind,
                    "found and not deleted yet, after each chunk: never more than a page");
        }
    }

    /**
     * An operator's purge ({@code task:purge --history}, on the shell's thread) waits for the pruner's pass instead
     * of reading the same task beside it: two prunings shared the task's 'behind' count, and one could take the
     * other's deletions for a page of nothing deletable and stop reading the task early.
     */
    @Test
    void onePruningAtATime() throws Exception {
        TaskId task = TestStores.task("shared");
        try (H2TaskStore store = TestStores.open(dir)) {
            store.write(RunBatch.of(runs(task, 0, 3_000 + CAP)));
            store.pruneReadLimit(1_000);
            Thread[] purge = new Thread[1];
            int[] purged = new int[1];
            Thread.State[] seen = new Thread.State[1];
            store.afterEachChunk(() -> {
                if (purge[0] != null) {
                    return;
                }
                purge[0] = new Thread(() -> purged[0] = store.pruneRuns(Instant.parse("2000-01-01T00:00:00Z"), CAP));
                purge[0].start();
                // the purge either waits for this pass (BLOCKED on its lock) or runs beside it to its end
                while (purge[0].getState() != Thread.State.BLOCKED && purge[0].getState() != Thread.State.TERMINATED) {
                    Thread.onSpinWait();
                }
                seen[0] = purge[0].getState();
            });
            int first = store.pruneRuns(Instant.parse("2000-01-01T00:00:00Z"), CAP);
            purge[0].join();
            assertEquals(Thread.State.BLOCKED, seen[0], "the purge waited for the pass");
            assertEquals(3_000, first + purged[0]);
            assertEquals(0, purged[0], "the pass left nothing to purge");
            assertEquals(CAP, store.runs(task, 10_000).size());
            assertArrayEquals(new long[] {0, 0}, store.unpruned());
        }
    }

    /**
     * A task's cap is its own: a task that recorded thousands of runs, all newer than a quiet task's few, never
     * pushes the quiet task's history out, whether the busy tasks are pruned alone or in a full pass.
     */
    @Test
    void aBusyTaskNeverPrunesAQuietTasksRuns() {
        TaskId busy = TestStores.task("busy");
        List<TaskId> quiet = new ArrayList<>();
        try (H2TaskStore store = TestStores.open(dir)) {
            for (int q = 0; q < 20; q++) {
                quiet.add(TestStores.task("quiet-" + q));
                store.write(RunBatch.of(runs(quiet.get(q), -CAP * 100, CAP))); // older than every busy run
            }
            store.write(RunBatch.of(runs(busy, 0, 5_000)));
            assertEquals(5_000 - CAP, store.pruneBusyTasks(Instant.parse("2000-01-01T00:00:00Z"), CAP, CAP / 4));
            assertEquals(0, store.pruneRuns(Instant.parse("2000-01-01T00:00:00Z"), CAP));
            assertEquals(CAP, store.runs(busy, 10_000).size());
            for (TaskId q : quiet) {
                assertEquals(runs(q, -CAP * 100, CAP).stream().map(RunRecord::runId).sorted().toList(),
                        store.runs(q, 10_000).stream().map(RunRecord::runId).sorted().toList(), q.toString());
            }
        }
    }

    /** The least chunk lets other writes interleave; the largest bounds one commit however large the batches. */
    @Test
    void aDeletionChunkIsBetweenPruneChunkAndMaxPruneChunk() {
        assertEquals(H2TaskStore.PRUNE_CHUNK, H2TaskStore.chunkSize(0));
        assertEquals(H2TaskStore.PRUNE_CHUNK, H2TaskStore.chunkSize(H2TaskStore.PRUNE_CHUNK / 2));
        assertEquals(2 * 3_000, H2TaskStore.chunkSize(3_000));
        assertEquals(H2TaskStore.MAX_PRUNE_CHUNK, H2TaskStore.chunkSize(H2TaskStore.MAX_PRUNE_CHUNK));
        assertEquals(H2TaskStore.MAX_PRUNE_CHUNK, H2TaskStore.chunkSize(Long.MAX_VALUE / 4));
    }

    private static List<RunRecord> runs(TaskId task, int from, int count) {
        List<RunRecord> runs = new ArrayList<>(count);
        for (int n = from; n < from + count; n++) {
            Instant at = T0.plusMillis(n);
            runs.add(new RunRecord(task.id() + "-" + n, task, RunTrigger.SCHEDULE, 1, RunStatus.SUCCEEDED, at,
                    Optional.of(at), Optional.of(at), "done", Map.of(), Map.of()));
        }
        return runs;
    }
}
