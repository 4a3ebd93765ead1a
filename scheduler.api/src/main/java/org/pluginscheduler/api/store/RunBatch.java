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
 * @param runs        run records, applied in list order (a later record of the same run id wins)
 * @param accepted    pending runs to insert or replace (by run id)
 * @param deadLetters dead letters to insert or replace (by run id)
 */
public record RunBatch(List<RunRecord> runs, List<PendingRun> accepted, List<DeadLetter> deadLetters) {

    public RunBatch {
        runs = List.copyOf(runs);
        accepted = List.copyOf(accepted);
        deadLetters = List.copyOf(deadLetters);
    }

    /** @return a batch of run records alone */
    public static RunBatch of(List<RunRecord> runs) {
        return new RunBatch(runs, List.of(), List.of());
    }

    /** @return whether there is nothing to write */
    public boolean isEmpty() {
        return runs.isEmpty() && accepted.isEmpty() && deadLetters.isEmpty();
    }
}
