package org.pluginscheduler.api.store;

import java.util.List;

import org.pluginscheduler.api.DeadLetter;
import org.pluginscheduler.api.RunRecord;

/**
 * Writes that belong together and are applied by {@link TaskStore#write} in one transaction: the end of a run
 * (its final record), what follows from it (a retry, the next queued or missed fire: pending runs) and its dead
 * letter. A crash keeps all of them or none, so a run is never both finished and still pending, and a failed run's
 * retry is never lost after its failure was recorded.
 *
 * @param runs        run records, applied in list order (a later record of the same run id wins); a record whose
 *                    status is not RUNNING ends the pending run of its run id
 * @param accepted    pending runs to insert or replace (by run id); none may have a final record already (in this
 *                    batch or before)
 * @param deadLetters dead letters to insert or replace (by run id)
 * @param withdrawn   run ids of pending runs that end without a record (a decision made, work withdrawn)
 */
public record RunBatch(List<RunRecord> runs, List<PendingRun> accepted, List<DeadLetter> deadLetters,
                       List<String> withdrawn) {

    public RunBatch {
        runs = List.copyOf(runs);
        accepted = List.copyOf(accepted);
        deadLetters = List.copyOf(deadLetters);
        withdrawn = List.copyOf(withdrawn);
    }

    /** A batch that withdraws no pending run. */
    public RunBatch(List<RunRecord> runs, List<PendingRun> accepted, List<DeadLetter> deadLetters) {
        this(runs, accepted, deadLetters, List.of());
    }

    /** @return a batch of run records alone */
    public static RunBatch of(List<RunRecord> runs) {
        return new RunBatch(runs, List.of(), List.of());
    }

    /** @return whether there is nothing to write */
    public boolean isEmpty() {
        return runs.isEmpty() && accepted.isEmpty() && deadLetters.isEmpty() && withdrawn.isEmpty();
    }
}
