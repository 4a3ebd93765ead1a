package org.pluginscheduler.store.h2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.pluginscheduler.store.h2.TestStores.run;
import static org.pluginscheduler.store.h2.TestStores.task;

import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pluginscheduler.api.DeadLetter;
import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.RunTrigger;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.store.PendingRun;
import org.pluginscheduler.api.store.RunBatch;
import org.pluginscheduler.api.store.StoredTask;
import org.pluginscheduler.api.store.TaskStoreException;

/** The {@link org.pluginscheduler.api.store.TaskStore} contract, method by method, on a file database. */
class H2TaskStoreTest {

    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

    @TempDir
    Path dir;
    private H2TaskStore store;

    @BeforeEach
    void open() {
        store = TestStores.open(dir);
    }

    @AfterEach
    void close() {
        store.close();
    }

    private void reopen() {
        store.close();
        store = TestStores.open(dir);
    }

    // --- tasks ------------------------------------------------------------------------------------------------

    @Test
    void aFreshTaskRoundTrips() {
        StoredTask fresh = StoredTask.fresh(task("a"), "test.bundle 1.0.0", "digest-1", "cron:0 3 * * *");
        store.saveTask(fresh);
        assertEquals(Optional.of(fresh), store.loadTask(task("a")));
        assertEquals(List.of(fresh), store.loadTasks());
    }

    @Test
    void everyFieldOfATaskRoundTrips() {
        StoredTask full = StoredTask.fresh(task("a").forTenant("acme"), "b 2.0", "d", "every:PT5M")
                .withScheduleOverride(Optional.of("cron:*/5 * * * *")).withEnabled(Optional.of(false))
                .withPaused(true).withDormant(true).withNextFire(Optional.of(Instant.parse(
                        "2026-03-01T10:00:00.123456789Z"))).withLastRun(T0, RunStatus.TIMED_OUT);
        store.saveTask(full);
        assertEquals(Optional.of(full), store.loadTask(task("a").forTenant("acme")));
        assertEquals(Optional.empty(), store.loadTask(task("a")), "the tenant is part of the key");
        StoredTask enabled = full.withEnabled(Optional.of(true));
        store.saveTask(enabled);
        assertEquals(Optional.of(enabled), store.loadTask(task("a").forTenant("acme")));
    }

    @Test
    void saveTaskIsAnUpsert() {
        StoredTask first = StoredTask.fresh(task("a"), "b", "d1", "s1");
        store.saveTask(first);
        StoredTask second = first.withDefinition("b 2", "d2", "s2").withPaused(true);
        store.saveTask(second);
        store.saveTask(StoredTask.fresh(task("b"), "b", "d", "s"));
        assertEquals(Optional.of(second), store.loadTask(task("a")));
        assertEquals(2, store.loadTasks().size());
    }

    @Test
    void anUnknownTaskIsEmpty() {
        assertEquals(Optional.empty(), store.loadTask(task("nope")));
        assertEquals(List.of(), store.loadTasks());
    }

    // --- runs -------------------------------------------------------------------------------------------------

    @Test
    void aRunRoundTripsWithEveryField() {
        RunRecord r = new RunRecord("r1", task("a").forTenant("t-1"), RunTrigger.SUBMISSION, 3, RunStatus.FAILED,
                Instant.parse("2026-03-01T10:00:00.000000001Z"), Optional.of(T0.plusMillis(7)),
                Optional.of(T0.plusSeconds(9)), "boom:\nline two = \\ ü",
                Map.of("rows", "42", "multi\nline", "a=b"), Map.of("", "", "path", "C:\\tmp"));
        store.recordRun(r);
        assertEquals(Optional.of(r), store.run("r1"));
        assertEquals(List.of(r), store.runs(task("a").forTenant("t-1"), 10));
        assertEquals(List.of(), store.runs(task("a"), 10));
    }

    @Test
    void recordingTheSameRunIdReplacesTheRecord() {
        RunRecord running = run("r1", task("a"), RunStatus.RUNNING, T0);
        store.recordRun(running);
        assertEquals(List.of(running), store.runningRuns());
        RunRecord done = running.finish(RunStatus.SUCCEEDED, T0.plusSeconds(1), "ok", Map.of("n", "1"));
        store.recordRun(done);
        assertEquals(Optional.of(done), store.run("r1"));
        assertEquals(List.of(done), store.runs(task("a"), 10));
        assertEquals(List.of(), store.runningRuns());
    }

    @Test
    void runsAreNewestFirstByScheduledTimeThenRunIdWithALimit() {
        store.recordRun(run("b", task("a"), RunStatus.SUCCEEDED, T0));
        store.recordRun(run("c", task("a"), RunStatus.SUCCEEDED, T0.minusSeconds(60)));
        store.recordRun(run("a", task("a"), RunStatus.SUCCEEDED, T0));
        store.recordRun(run("z", task("a"), RunStatus.RUNNING, T0.plusSeconds(60)));
        store.recordRun(run("other", task("other"), RunStatus.SUCCEEDED, T0.plusSeconds(999)));
        assertEquals(List.of("z", "b", "a", "c"), ids(store.runs(task("a"), 10)));
        assertEquals(List.of("z", "b"), ids(store.runs(task("a"), 2)));
        assertEquals(List.of(), store.runs(task("a"), 0));
        assertEquals(List.of(), store.runs(task("a"), -1));
        assertEquals(List.of(), store.runs(task("unknown"), 5));
    }

    @Test
    void anUnknownRunIsEmpty() {
        assertEquals(Optional.empty(), store.run("nope"));
    }

    @Test
    void runningRunsAreThoseStillRunningAcrossTasks() {
        store.recordRun(run("r1", task("a"), RunStatus.RUNNING, T0));
        store.recordRun(run("r2", task("b"), RunStatus.RUNNING, T0));
        store.recordRun(run("r3", task("b"), RunStatus.SUCCEEDED, T0));
        store.recordRun(run("r4", task("c"), RunStatus.ABANDONED, T0));
        assertEquals(Set.of("r1", "r2"), Set.copyOf(ids(store.runningRuns())));
    }

    // --- pending runs and batches ------------------------------------------------------------------------------

    @Test
    void aPendingRunRoundTripsWithEveryFieldAndAwkwardArgumentsAndLockKeys() {
        PendingRun full = new PendingRun("p1", task("a").forTenant("t-1"), RunTrigger.RETRY, "retry:r0:2",
                Instant.parse("2026-03-01T10:00:00.000000001Z"), T0.plusSeconds(30), 2, T0.minusSeconds(60),
                Map.of("", "", "path", "C:\\tmp\\x", "multi\nline", "a=b\r\n", "ü", "\uD83D\uDE00"),
                Set.of("", "db:orders", "two\nlines", "back\\slash", "a=b", "cr\r", "\\n"),
                Optional.of("node-7"), Optional.of(T0.plusSeconds(90)));
        PendingRun bare = PendingRun.of("p2", task("b"), RunTrigger.SUBMISSION, "run:p2", T0, T0, 1, T0, Map.of(),
                Set.of());
        store.savePending(List.of(full, bare));
        assertEquals(List.of(bare, full), store.pendingRuns(), "ordered by due");
        reopen();
        assertEquals(List.of(bare, full), store.pendingRuns());
    }

    @Test
    void pendingRunsAreOrderedByDueThenRunId() {
        store.savePending(List.of(pending("c", task("a"), T0.plusSeconds(5)), pending("b", task("a"), T0),
                pending("a", task("b"), T0.plusSeconds(5)), pending("z", task("c"), T0.minusSeconds(5))));
        assertEquals(List.of("z", "b", "a", "c"), pendingIds());
    }

    @Test
    void savingAPendingRunAgainReplacesItByRunId() {
        PendingRun first = pending("p1", task("a"), T0);
        store.savePending(List.of(first));
        PendingRun later = new PendingRun("p1", task("a"), RunTrigger.SUBMISSION, first.occurrence(), T0,
                T0.plusSeconds(60), 1, T0, Map.of("x", "1"), Set.of("k"), Optional.of("me"), Optional.of(T0));
        store.savePending(List.of(later));
        assertEquals(List.of(later), store.pendingRuns(), "the same run id and occurrence: replaced, not refused");
    }

    @Test
    void aFinalRecordRemovesItsPendingRunARunningRecordKeepsIt() {
        store.savePending(List.of(pending("r1", task("a"), T0), pending("r2", task("a"), T0)));
        RunRecord running = run("r1", task("a"), RunStatus.RUNNING, T0);
        store.recordRun(running);
        assertEquals(List.of("r1", "r2"), pendingIds(), "still pending while it runs");
        store.recordRuns(List.of(running.finish(RunStatus.FAILED, T0.plusSeconds(1), "boom", Map.of()),
                run("r2", task("a"), RunStatus.SKIPPED, T0)));
        assertEquals(List.of(), pendingIds(), "a FAILED and a SKIPPED record end their pending runs");
        assertEquals(RunStatus.FAILED, store.run("r1").orElseThrow().status());
    }

    @Test
    void aBatchAppliesRecordsThenPendingRunsThenDeadLetters() {
        store.savePending(List.of(pending("r1", task("a"), T0)));
        RunRecord failed = run("r1", task("a"), RunStatus.FAILED, T0);
        PendingRun retry = PendingRun.of("r1-retry", task("a"), RunTrigger.RETRY, "retry:r1:2", T0, T0.plusSeconds(10),
                2, T0, Map.of("x", "1"), Set.of());
        DeadLetter dead = deadLetter("r0", task("a"), T0);
        long commits = store.writer().commits();
        store.write(new RunBatch(List.of(failed), List.of(retry), List.of(dead)));
        assertEquals(1, store.writer().commits() - commits, "one transaction, one commit");
        assertEquals(Optional.of(failed), store.run("r1"));
        assertEquals(List.of(retry), store.pendingRuns(), "r1's pending run gone, its retry pending");
        assertEquals(List.of(dead), store.deadLetters());

        // withdrawals come last, in the same transaction
        store.write(new RunBatch(List.of(), List.of(), List.of(), List.of("r1-retry")));
        assertEquals(List.of(), pendingIds());
    }

    @Test
    void anEndedPendingRunFreesItsOccurrenceAndItsRowGoesInBulkOrWithItsPrunedRun() throws SQLException {
        PendingRun fire = PendingRun.of("f1", task("a"), RunTrigger.SCHEDULE, "fire:" + T0, T0, T0, 1, T0, Map.of(),
                Set.of());
        store.savePending(List.of(fire, pending("s1", task("a"), T0)));
        store.recordRuns(List.of(run("f1", task("a"), RunStatus.SUCCEEDED, T0),
                run("s1", task("a"), RunStatus.FAILED, T0)));
        assertEquals(List.of(), pendingIds(), "ended by their final records");
        assertEquals(2L, rows("SELECT COUNT(*) FROM pending_runs"), "their rows are still there");

        PendingRun again = PendingRun.of("f2", task("a"), RunTrigger.MISFIRE, fire.occurrence(), T0, T0, 1, T0,
                Map.of(), Set.of());
        store.savePending(List.of(again)); // the ended run's row does not keep the occurrence taken
        assertEquals(List.of("f2"), pendingIds());
        assertEquals(0L, rows("SELECT COUNT(*) FROM pending_runs WHERE run_id = 'f1'"), "f1's row made way");
        assertEquals(1L, rows("SELECT COUNT(*) FROM pending_runs WHERE run_id = 's1'"), "s1's is left");

        // pruning s1's record deletes its pending row with it: it can never count as pending again
        assertTrue(store.pruneRuns(T0.plusSeconds(1), 0) >= 1);
        assertEquals(0L, rows("SELECT COUNT(*) FROM pending_runs WHERE run_id = 's1'"));
        assertEquals(List.of("f2"), pendingIds());
    }

    @Test
    void endedPendingRowsAreSweptInBulk() throws SQLException {
        for (int i = 0; i < 1_200; i++) {
            store.savePending(List.of(pending("p" + i, task("a"), T0)));
        }
        List<org.pluginscheduler.api.RunRecord> ended = new java.util.ArrayList<>();
        for (int i = 0; i < 1_100; i++) {
            ended.add(run("p" + i, task("a"), RunStatus.SUCCEEDED, T0));
        }
        store.recordRuns(ended);
        assertEquals(100, store.pendingRuns().size());
        assertEquals(1_100, store.deleteEndedPending());
        assertEquals(100L, rows("SELECT COUNT(*) FROM pending_runs"));
        assertEquals(100, store.pendingRuns().size());
    }

    @Test
    void anOccurrenceTakenByAnotherRunIdFailsTheWholeBatchNamingTaskAndOccurrence() {
        PendingRun first = PendingRun.of("p1", task("a"), RunTrigger.SCHEDULE, "fire:2026-03-01T10:00:00Z", T0, T0, 1,
                T0, Map.of(), Set.of());
        store.savePending(List.of(first));
        PendingRun duplicate = PendingRun.of("p2", task("a"), RunTrigger.SCHEDULE, first.occurrence(), T0, T0, 1, T0,
                Map.of(), Set.of());
        RunRecord record = run("r9", task("b"), RunStatus.SUCCEEDED, T0);
        store.savePending(List.of(pending("r9", task("b"), T0)));
        DeadLetter dead = deadLetter("d1", task("b"), T0);

        TaskStoreException e = assertThrows(TaskStoreException.class, () -> store.write(new RunBatch(List.of(record),
                List.of(pending("p3", task("c"), T0), duplicate), List.of(dead))));
        assertTrue(e.getMessage().contains("pending run p2 of task " + task("a") + ": occurrence "
                + "'fire:2026-03-01T10:00:00Z' of that task is already pending as run p1"), e.getMessage());
        assertTrue(e.getMessage().contains("scheduler.mv.db"), e.getMessage());
        assertFalse(e.getMessage().contains(TestStores.PASSWORD));

        assertEquals(Optional.empty(), store.run("r9"), "nothing of the batch: not its record");
        assertEquals(List.of("p1", "r9"), pendingIds(), "nor the removal of r9's pending run, nor p3");
        assertEquals(List.of(), store.deadLetters(), "nor its dead letter");

        store.savePending(List.of(PendingRun.of("p4", task("b"), RunTrigger.SCHEDULE, first.occurrence(), T0, T0, 1,
                T0, Map.of(), Set.of())));
        assertEquals(List.of("p1", "p4", "r9"), pendingIds(), "the same occurrence of another task is another one");
    }

    @Test
    void twoRunIdsForOneOccurrenceInOneBatchFailIt() {
        PendingRun a = PendingRun.of("p1", task("a"), RunTrigger.MISFIRE, "fire:x", T0, T0, 1, T0, Map.of(), Set.of());
        PendingRun b = PendingRun.of("p2", task("a"), RunTrigger.MISFIRE, "fire:x", T0, T0, 1, T0, Map.of(), Set.of());
        TaskStoreException e = assertThrows(TaskStoreException.class, () -> store.savePending(List.of(a, b)));
        assertTrue(e.getMessage().contains("occurrence 'fire:x' of that task is already pending as run p1"),
                e.getMessage());
        assertEquals(List.of(), store.pendingRuns());
    }

    @Test
    void removePendingRemovesTheGivenRunsAndIgnoresUnknownOnes() {
        store.savePending(List.of(pending("p1", task("a"), T0), pending("p2", task("a"), T0),
                pending("p3", task("b"), T0)));
        store.removePending(List.of("p1", "p3", "unknown"));
        store.removePending(List.of());
        assertEquals(List.of("p2"), pendingIds());
    }

    @Test
    void anEmptyBatchWritesNothing() {
        long commits = store.writer().commits();
        store.write(new RunBatch(List.of(), List.of(), List.of()));
        store.recordRuns(List.of());
        store.savePending(List.of());
        assertEquals(commits, store.writer().commits());
    }

    // --- dead letters -----------------------------------------------------------------------------------------

    @Test
    void deadLettersAreNewestFirstReplacedByRunIdAndRemovable() {
        DeadLetter old = deadLetter("d1", task("a"), T0);
        DeadLetter newest = deadLetter("d2", task("b"), T0.plusSeconds(10));
        DeadLetter middle = deadLetter("d3", task("a"), T0.plusSeconds(5));
        store.addDeadLetter(old);
        store.addDeadLetter(newest);
        store.addDeadLetter(middle);
        assertEquals(List.of(newest, middle, old), store.deadLetters());

        DeadLetter replaced = new DeadLetter("d1", task("a"), Map.of("x", "1\n2"), "again", 4, T0,
                T0.plusSeconds(20));
        store.addDeadLetter(replaced);
        assertEquals(List.of(replaced, newest, middle), store.deadLetters());

        assertTrue(store.removeDeadLetter("d2"));
        assertFalse(store.removeDeadLetter("d2"));
        assertFalse(store.removeDeadLetter("never"));
        assertEquals(List.of(replaced, middle), store.deadLetters());
    }

    // --- delete -----------------------------------------------------------------------------------------------

    @Test
    void deleteTaskDeletesItsStateRunsPendingRunsAndDeadLettersOnly() {
        store.saveTask(StoredTask.fresh(task("a"), "b", "d", "s"));
        store.saveTask(StoredTask.fresh(task("b"), "b", "d", "s"));
        store.recordRun(run("a1", task("a"), RunStatus.SUCCEEDED, T0));
        store.recordRun(run("a2", task("a"), RunStatus.RUNNING, T0));
        store.recordRun(run("b1", task("b"), RunStatus.SUCCEEDED, T0));
        store.addDeadLetter(deadLetter("a3", task("a"), T0));
        store.addDeadLetter(deadLetter("b3", task("b"), T0));
        store.savePending(List.of(pending("a4", task("a"), T0), pending("b4", task("b"), T0)));

        store.deleteTask(task("a"));
        store.deleteTask(task("unknown"));

        assertEquals(Optional.empty(), store.loadTask(task("a")));
        assertEquals(List.of(), store.runs(task("a"), 10));
        assertEquals(Optional.empty(), store.run("a2"));
        assertEquals(List.of("b3"), store.deadLetters().stream().map(DeadLetter::runId).toList());
        assertTrue(store.loadTask(task("b")).isPresent());
        assertEquals(List.of("b1"), ids(store.runs(task("b"), 10)));
        assertEquals(List.of("b4"), pendingIds());
    }

    // --- pruning ----------------------------------------------------------------------------------------------

    @Test
    void pruningByAgeRemovesRunsThatEndedBeforeTheCutOffButNeverRunningOnes() {
        Instant cutOff = T0;
        store.recordRun(run("old-done", task("a"), RunStatus.SUCCEEDED, cutOff.minusSeconds(3600)));
        store.recordRun(run("old-running", task("a"), RunStatus.RUNNING, cutOff.minusSeconds(3600)));
        store.recordRun(run("old-skipped", task("a"), RunStatus.SKIPPED, cutOff.minusSeconds(3600)));
        store.recordRun(new RunRecord("old-abandoned", task("a"), RunTrigger.SCHEDULE, 1, RunStatus.ABANDONED,
                cutOff.minusSeconds(3600), Optional.of(cutOff.minusSeconds(3600)), Optional.empty(), "", Map.of(),
                Map.of()));
        store.recordRun(run("ends-after", task("a"), RunStatus.FAILED, cutOff.minusSeconds(1))); // ends cutOff+1s
        store.recordRun(run("new", task("b"), RunStatus.SUCCEEDED, cutOff.plusSeconds(60)));

        assertEquals(2, store.pruneRuns(cutOff, 100));

        assertEquals(Set.of("old-running", "old-abandoned", "ends-after"), Set.copyOf(ids(store.runs(task("a"),
                100))), "an ABANDONED run without an end time is pruned by count only, as in memory");
        assertEquals(List.of("new"), ids(store.runs(task("b"), 100)));
    }

    @Test
    void pruningByCountKeepsTheNewestRunsOfEachTaskAndEveryRunningRun() {
        for (int i = 0; i < 10; i++) {
            store.recordRun(run("a" + i, task("a"), i == 1 ? RunStatus.RUNNING : RunStatus.SUCCEEDED,
                    T0.plusSeconds(i)));
            store.recordRun(run("b" + i, task("b"), RunStatus.SUCCEEDED, T0.plusSeconds(i)));
        }
        assertEquals(7 + 6, store.pruneRuns(T0.minusSeconds(3600), 3));
        assertEquals(List.of("a9", "a8", "a7", "a1"), ids(store.runs(task("a"), 100)));
        assertEquals(List.of("b9", "b8", "b7"), ids(store.runs(task("b"), 100)));
        assertEquals(0, store.pruneRuns(T0.minusSeconds(3600), 3));
    }

    /**
     * A busy task is pruned within seconds, not at the next full pass (an hour by default): pruneBusyTasks looks
     * only at the tasks that recorded enough runs since they were last pruned; each run counts once, by its final
     * or skipped record.
     */
    @Test
    void busyTasksArePrunedAloneOnceTheyRecordedEnoughRunsSinceTheirLastPruning() {
        for (int i = 0; i < 30; i++) {
            String id = String.format("a%02d", i);
            store.recordRun(run(id, task("a"), RunStatus.RUNNING, T0.plusSeconds(i)));
            store.recordRun(run(id, task("a"), RunStatus.SUCCEEDED, T0.plusSeconds(i)));
        }
        for (int i = 0; i < 15; i++) {
            store.recordRun(run(String.format("b%02d", i), task("b"), RunStatus.SKIPPED, T0.plusSeconds(i)));
        }
        assertArrayEquals(new long[] {45, 30}, store.unpruned(), "one count per run, RUNNING records left out");

        assertEquals(20, store.pruneBusyTasks(T0.minusSeconds(3600), 10, 20), "a: 30 recorded, 10 kept");
        assertEquals(10, store.runs(task("a"), 100).size());
        assertEquals(15, store.runs(task("b"), 100).size(), "b recorded only 15 (< 20): left to the full pass");
        assertArrayEquals(new long[] {15, 15}, store.unpruned(), "a counts from its pruning again");

        assertEquals(5, store.pruneRuns(T0.minusSeconds(3600), 10), "the full pass prunes every task");
        assertArrayEquals(new long[] {0, 0}, store.unpruned());
        store.deleteTask(task("b"));
        store.recordRun(run("a99", task("a"), RunStatus.SUCCEEDED, T0.plusSeconds(99)));
        assertArrayEquals(new long[] {1, 1}, store.unpruned());
    }

    /** Pruning by position never takes a RUNNING run, nor the pending row that a crash recovery would need. */
    @Test
    void aRunningRunBeyondTheCapKeepsItsRowAndItsPendingRun() {
        store.savePending(List.of(pending("old-running", task("a"), T0)));
        store.recordRun(run("old-running", task("a"), RunStatus.RUNNING, T0));
        for (int i = 1; i <= 5; i++) {
            store.recordRun(run("r" + i, task("a"), RunStatus.SUCCEEDED, T0.plusSeconds(i)));
        }
        assertEquals(3, store.pruneRuns(T0.minusSeconds(3600), 2), "r1–r3; old-running is beyond the cap too");
        assertEquals(List.of("r5", "r4", "old-running"), ids(store.runs(task("a"), 10)));
        assertEquals(List.of("old-running"), store.pendingRuns().stream().map(PendingRun::runId).toList());
    }

    /** A pass visits every task however many there are, and deletes across tasks in shared chunks. */
    @Test
    void aFullPassPrunesEveryTaskAndSharesDeletionChunksAcrossTasks() {
        int tasks = 300;
        List<RunRecord> all = new ArrayList<>();
        for (int t = 0; t < tasks; t++) {
            for (int i = 0; i < 8; i++) {
                all.add(run("t" + t + "-" + i, task("t" + t), RunStatus.SUCCEEDED, T0.plusSeconds(i)));
            }
        }
        store.recordRuns(all);
        long commits = store.writer().commits();
        assertEquals(tasks * 5, store.pruneRuns(T0.minusSeconds(1), 3));
        assertEquals(1 + (tasks * 5 + H2TaskStore.PRUNE_CHUNK - 1) / H2TaskStore.PRUNE_CHUNK,
                store.writer().commits() - commits, "the sweep of ended pending runs, then one commit per chunk");
        for (int t = 0; t < tasks; t++) {
            assertEquals(List.of("t" + t + "-7", "t" + t + "-6", "t" + t + "-5"), ids(store.runs(task("t" + t), 10)));
        }
    }

    @Test
    void pruningManyRunsDeletesInChunksThatShareTheWriter() {
        int runs = H2TaskStore.PRUNE_CHUNK * 2 + 17;
        for (int i = 0; i < runs; i++) {
            store.recordRun(run(String.format("r%05d", i), task("a"), RunStatus.SUCCEEDED, T0.plusSeconds(i)));
        }
        long commits = store.writer().commits();
        assertEquals(runs - 5, store.pruneRuns(T0.minusSeconds(1), 5));
        assertEquals(1 + 3, store.writer().commits() - commits, "the sweep of ended pending runs, then one commit "
                + "per chunk of " + H2TaskStore.PRUNE_CHUNK);
        List<String> newest = new ArrayList<>();
        for (int i = runs - 1; i >= runs - 5; i--) {
            newest.add(String.format("r%05d", i));
        }
        assertEquals(newest, ids(store.runs(task("a"), 100)));
    }

    // --- durability -------------------------------------------------------------------------------------------

    @Test
    void everythingIsThereAfterCloseAndReopen() {
        StoredTask t = StoredTask.fresh(task("a"), "b", "d", "s").withNextFire(Optional.of(T0)).withPaused(true);
        RunRecord running = run("r1", task("a"), RunStatus.RUNNING, T0);
        RunRecord done = run("r2", task("a"), RunStatus.SUCCEEDED, T0.minusSeconds(5));
        DeadLetter dead = deadLetter("d1", task("a"), T0);
        PendingRun pending = pending("r1", task("a"), T0);
        store.saveTask(t);
        store.savePending(List.of(pending));
        store.recordRun(running);
        store.recordRun(done);
        store.addDeadLetter(dead);

        reopen();

        assertEquals(List.of(t), store.loadTasks());
        assertEquals(List.of(running, done), store.runs(task("a"), 10));
        assertEquals(List.of(running), store.runningRuns());
        assertEquals(List.of(dead), store.deadLetters());
        assertEquals(List.of(pending), store.pendingRuns());
        assertEquals(Schema.current().latestVersion(), store.schemaVersionFound());
    }

    @Test
    void syncToDiskForcesEachBatchAndKeepsEverything() {
        store.close();
        String url = TestStores.url(dir);
        StoreSettings sync = new StoreSettings(url, "sa", TestStores.PASSWORD, 30, 200, 60, 1000, 0, true);
        store = H2TaskStore.open(TestStores.dataSource(url, TestStores.PASSWORD), sync);
        RunRecord r = run("r1", task("a"), RunStatus.SUCCEEDED, T0);
        store.recordRun(r);
        reopen();
        assertEquals(Optional.of(r), store.run("r1"));
    }

    /**
     * A commit reported failed may still have become visible. A read must not return it unless it is durable: the
     * store stores what is visible (through the writer) and reads again.
     */
    @Test
    void aReadAfterAFailedCommitStoresWhatIsVisibleBeforeReturningIt() {
        store.close();
        String url = TestStores.url(dir);
        java.util.concurrent.atomic.AtomicBoolean failNext = new java.util.concurrent.atomic.AtomicBoolean();
        store = H2TaskStore.open(TestStores.dataSource(url, TestStores.PASSWORD), TestStores.settings(url),
                Schema.current(), commit -> c -> {
                    commit.commit(c); // H2 has committed it: visible to readers
                    if (failNext.getAndSet(false)) {
                        throw new java.sql.SQLException("IO Exception: \"sync failed, for the test\"", "08000", 90028);
                    }
                });
        RunRecord r = run("r1", task("a"), RunStatus.SUCCEEDED, T0);
        failNext.set(true);
        TaskStoreException e = assertThrows(TaskStoreException.class, () -> store.recordRun(r));
        assertTrue(e.getMessage().contains("sync failed, for the test"), e.getMessage());

        long commits = store.writer().commits();
        assertEquals(Optional.of(r), store.run("r1"), "H2 shows it: it may be returned once it is stored");
        assertEquals(commits + 1, store.writer().commits(), "stored by one more commit through the writer");
        assertEquals(store.commitBarrier().begun(), store.commitBarrier().durable());
        assertEquals(Optional.of(r), store.run("r1"));
        assertEquals(commits + 1, store.writer().commits(), "once is enough");
    }

    @Test
    void aClosedStoreRefusesCallsWithTheDatabaseNamed() {
        store.close();
        StoreClosedException write = assertThrows(StoreClosedException.class,
                () -> store.recordRun(run("r", task("a"), RunStatus.RUNNING, T0)));
        assertTrue(write.getMessage().contains("scheduler.mv.db"), write.getMessage());
        assertThrows(StoreClosedException.class, () -> store.loadTasks());
    }

    @Test
    void messagesLongerThanH2KeepsAreCutWithAMark() {
        String huge = "x".repeat(H2TaskStore.MAX_MESSAGE + 10);
        store.recordRun(new RunRecord("r", task("a"), RunTrigger.MANUAL, 1, RunStatus.FAILED, T0, Optional.empty(),
                Optional.empty(), huge, Map.of(), Map.of()));
        String stored = store.run("r").orElseThrow().message();
        assertEquals(H2TaskStore.MAX_MESSAGE, stored.length());
        assertTrue(stored.endsWith("[truncated by the H2 task store]"));
    }

    @Test
    void largeMapsAreKept() {
        String big = "v".repeat(2_000_000);
        RunRecord r = new RunRecord("r", task("a"), RunTrigger.MANUAL, 1, RunStatus.SUCCEEDED, T0, Optional.empty(),
                Optional.empty(), "", Map.of("big", big), Map.of("arg", big));
        store.recordRun(r);
        assertEquals(Optional.of(r), store.run("r"));
    }

    /** @return a count read on a connection of its own (the database is open in this JVM: a second session) */
    private long rows(String countQuery) throws SQLException {
        try (java.sql.Connection c = TestStores.dataSource(TestStores.url(dir), TestStores.PASSWORD).getConnection();
             java.sql.Statement st = c.createStatement();
             java.sql.ResultSet r = st.executeQuery(countQuery)) {
            r.next();
            return r.getLong(1);
        }
    }

    private List<String> pendingIds() {
        return store.pendingRuns().stream().map(PendingRun::runId).toList();
    }

    /** @return a pending submission due at {@code due}, occurrence {@code run:<run id>} */
    static PendingRun pending(String runId, TaskId task, Instant due) {
        return PendingRun.of(runId, task, RunTrigger.SUBMISSION, "run:" + runId, due, due, 1, due, Map.of("a", "1"),
                Set.of("lock-" + runId));
    }

    static DeadLetter deadLetter(String runId, TaskId task, Instant last) {
        return new DeadLetter(runId, task, Map.of("arg", "v"), "failed " + runId, 3, last.minusSeconds(100), last);
    }

    static List<String> ids(List<RunRecord> runs) {
        return runs.stream().map(RunRecord::runId).collect(Collectors.toCollection(ArrayList::new));
    }
}
