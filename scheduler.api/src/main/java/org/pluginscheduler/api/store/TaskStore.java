package org.pluginscheduler.api.store;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

import org.osgi.annotation.versioning.ConsumerType;
import org.pluginscheduler.api.DeadLetter;
import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.SchedulerStats;
import org.pluginscheduler.api.TaskId;

/**
 * Persistence of task state, run history and dead letters. The scheduler core registers an in-memory store with
 * {@code service.ranking} {@link Integer#MIN_VALUE}; the highest-ranked {@code TaskStore} service wins.
 *
 * <h2>Contract</h2>
 * <ul>
 * <li><b>Values.</b> Every argument and result is an immutable value; stores keep no reference the caller could
 * change and return no live views.</li>
 * <li><b>Durability.</b> When a write method returns normally, the write is as durable as the store promises
 * (for a persistent store: on disk). A store that cannot write throws {@link TaskStoreException}; it never
 * reports success for a write it did not make.</li>
 * <li><b>Nothing is seen before it is durable.</b> No read method returns a write that a crash can still take
 * away: a persistent store makes a write visible to readers only once it is on disk. (The scheduler shows a run
 * as finished because a read returned it; a crash must not take it back.)</li>
 * <li><b>Pending runs.</b> A {@link PendingRun} is accepted work. It <em>ends</em> in the transaction that writes a
 * record of its run id with a status other than RUNNING ({@link #recordRuns}, {@link #write}), that withdraws it
 * ({@link RunBatch#withdrawn}, {@link #removePending}), or that deletes its task. From then on
 * {@link #pendingRuns} never returns it and its (task, occurrence) is free for another run. A store may delete an
 * ended pending run's row at once or later, in bulk (so a drain of many runs costs no deletion per run), but it
 * must never let it count as pending again: removing a run's final record (pruning) removes its pending row
 * too.</li>
 * <li><b>Ordering.</b> Writes for the same key from one thread are applied in call order. {@link #recordRun}
 * of the same run id replaces the earlier record (a RUNNING record is replaced by its final one).</li>
 * <li><b>Threading.</b> Every method may be called concurrently from several threads.</li>
 * <li><b>Blocking.</b> Methods may block for I/O but should return in milliseconds; the scheduler never calls a
 * store from its timer thread.</li>
 * </ul>
 */
@ConsumerType
public interface TaskStore {

    /** @return every stored task, in no particular order */
    List<StoredTask> loadTasks();

    /** @return one stored task */
    Optional<StoredTask> loadTask(TaskId id);

    /** Inserts or replaces a task's state. */
    void saveTask(StoredTask task);

    /**
     * Inserts or replaces several tasks' states. A persistent store should make the batch one transaction (one
     * commit); the default saves them one by one. When it returns normally, every state is written.
     */
    default void saveTasks(List<StoredTask> tasks) {
        tasks.forEach(this::saveTask);
    }

    /** Deletes a task's state, its runs, its pending runs and its dead letters. Unknown ids are ignored. */
    void deleteTask(TaskId id);

    /**
     * Inserts or replaces a run record, keyed by run id. A final record (any status but RUNNING) also removes the
     * pending run with the same run id, atomically.
     */
    default void recordRun(RunRecord run) {
        write(RunBatch.of(List.of(run)));
    }

    /**
     * Inserts or replaces several run records, in list order (a later record of the same run id wins), as
     * {@link #write} does.
     */
    default void recordRuns(List<RunRecord> runs) {
        write(RunBatch.of(runs));
    }

    /**
     * Applies a batch in one transaction, all or nothing: its run records in list order (a final record ends the
     * pending run of its run id), then its pending runs (inserted or replaced by run id), then its dead letters
     * (inserted or replaced by run id), then the withdrawals of pending runs. When it returns normally, all of it is durable; when it throws, none of it
     * may be visible later, unless the store cannot know (a failed commit), which it then says in the exception.
     *
     * @throws TaskStoreException if the batch could not be written; a pending run whose (task, occurrence) is
     *                            already stored under another run id fails the batch too
     */
    void write(RunBatch batch);

    // --- pending runs ---------------------------------------------------------------------------------------------

    /**
     * Accepts pending runs: inserts or replaces them (by run id) in one transaction; returns once they are durable.
     * Same as {@link #write} of a batch with only pending runs.
     */
    default void savePending(List<PendingRun> runs) {
        write(new RunBatch(List.of(), runs, List.of()));
    }

    /** @return every pending run, ordered by due time, then run id */
    List<PendingRun> pendingRuns();

    /**
     * Ends pending runs without a record (an administrator withdrew them, their task is gone for good): the same
     * as {@link #write} of a batch that only withdraws them. Unknown run ids are ignored; durable on return.
     */
    void removePending(Collection<String> runIds);

    /** @return a task's runs, newest first (by scheduled time, then run id), at most {@code limit} */
    List<RunRecord> runs(TaskId id, int limit);

    /** @return one run */
    Optional<RunRecord> run(String runId);

    /** @return every run still recorded as RUNNING (crash recovery) */
    List<RunRecord> runningRuns();

    /** Adds a dead letter, keyed by its run id. */
    void addDeadLetter(DeadLetter deadLetter);

    /** @return all dead letters, newest first */
    List<DeadLetter> deadLetters();

    /** @return whether a dead letter with this run id existed and was removed */
    boolean removeDeadLetter(String runId);

    /**
     * Prunes history: removes runs that ended before {@code endedBefore}, and beyond the newest
     * {@code keepPerTask} runs of each task. RUNNING runs are never pruned.
     *
     * @return how many runs were removed
     */
    int pruneRuns(Instant endedBefore, int keepPerTask);

    /**
     * @return the run history this store keeps and how far its pruning is behind, for {@code task:stats}; empty
     *         (the default) if the store does not say
     * @since 2.1
     */
    default Optional<SchedulerStats.History> history() {
        return Optional.empty();
    }
}
