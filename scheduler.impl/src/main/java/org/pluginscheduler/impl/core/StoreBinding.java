package org.pluginscheduler.impl.core;

import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.pluginscheduler.api.DeadLetter;
import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.store.PendingRun;
import org.pluginscheduler.api.store.TaskStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The current task store and the run recorder that writes to it. Owns which store is current, which stores this
 * core has seen (so crash recovery runs once per store), and the switch from one store to the next: the switch and
 * the copy of what was recorded in the old store exclude the run recorder, so each batch it writes lands either
 * in the old store before the copy reads it, or in the new store after the copy, never behind the copy's back.
 *
 * <p>Reads of the current store ({@link #store()}) are lock-free. Nothing here takes the core lock: the core
 * calls {@link #switchTo} outside it.
 */
final class StoreBinding {

    private static final Logger LOG = LoggerFactory.getLogger(StoreBinding.class);

    private volatile TaskStore store;
    private final RunRecorder recorder;
    private final ObserverHub observers;
    /** Stores this core has been bound to (identity). Guarded by this. */
    private final Set<TaskStore> seen = Collections.newSetFromMap(new IdentityHashMap<>());

    /**
     * @param recorderThread false (tests): records are written at once on the caller's thread
     * @param observers      told of the run recorder's writes and the finished runs they hold
     */
    StoreBinding(TaskStore initial, boolean recorderThread, ObserverHub observers) {
        this.store = initial;
        this.observers = observers;
        this.recorder = new RunRecorder(this::store, recorderThread, observers);
        this.seen.add(initial);
    }

    TaskStore store() {
        return store;
    }

    RunRecorder recorder() {
        return recorder;
    }

    /** The observers of store writes and finished runs, for the writers that bypass the recorder. */
    ObserverHub observers() {
        return observers;
    }

    /** What a switch did. @param firstSight whether the new store was never current in this process before */
    record Switch(TaskStore old, TaskStore current, boolean firstSight, Set<String> oldPending) {
    }

    /**
     * Makes {@code newStore} current and copies the runs of {@code tasks} and the dead letters that the old store
     * holds and the new one lacks (or holds in an older version). Not under the core lock; two switches (store
     * services bound on different threads) never interleave.
     *
     * @return what changed, or null if {@code newStore} is current already
     */
    synchronized Switch switchTo(TaskStore newStore, Collection<TaskId> tasks) { // one switch at a time
        if (store == newStore) {
            return null;
        }
        boolean firstSight = seen.add(newStore);
        TaskStore old = store;
        int[] copied = new int[3];
        Set<String> oldPending = new HashSet<>();
        recorder.exclusive(() -> {
            store = newStore;
            for (TaskId id : tasks) {
                copied[0] += copyRuns(old, newStore, id);
            }
            copied[1] = copyDeadLetters(old, newStore);
            copied[2] = copyPending(old, newStore, oldPending);
        });
        if (copied[0] + copied[1] + copied[2] > 0) {
            LOG.info("Copied {} run(s), {} dead letter(s) and {} pending run(s) recorded in the previous store into "
                    + "the new one", copied[0], copied[1], copied[2]);
        }
        return new Switch(old, newStore, firstSight, Set.copyOf(oldPending));
    }

    /**
     * Copies the pending runs the old store holds and the new one lacks: accepted work stays accepted whichever
     * store is current. One that has ended meanwhile in the new store (its final record is there) is not copied.
     * Collects the run ids the old store holds as pending into {@code fromIds}.
     */
    private static int copyPending(TaskStore from, TaskStore to, Set<String> fromIds) {
        try {
            Set<String> there = new HashSet<>();
            to.pendingRuns().forEach(p -> {
                there.add(p.runId());
                there.add(p.taskId() + "\n" + p.occurrence()); // the same occurrence under another id: kept there
            });
            List<PendingRun> missing = new java.util.ArrayList<>();
            for (PendingRun p : from.pendingRuns()) {
                fromIds.add(p.runId()); // this process's own work: the new store gets it, nothing restores it twice
                if (!there.contains(p.runId()) && !there.contains(p.taskId() + "\n" + p.occurrence())
                        && to.run(p.runId()).map(r -> r.status() == RunStatus.RUNNING).orElse(true)) {
                    missing.add(p);
                }
            }
            if (!missing.isEmpty()) {
                to.savePending(missing);
            }
            return missing.size();
        } catch (RuntimeException e) {
            LOG.error("Could not copy the pending runs into the new task store: {}", e.getMessage(), e);
            return 0;
        }
    }

    private static int copyDeadLetters(TaskStore from, TaskStore to) {
        int copied = 0;
        try {
            Set<String> there = new HashSet<>();
            to.deadLetters().forEach(d -> there.add(d.runId()));
            for (DeadLetter letter : from.deadLetters()) {
                if (there.add(letter.runId())) {
                    to.addDeadLetter(letter);
                    copied++;
                }
            }
        } catch (RuntimeException e) {
            LOG.error("Could not copy the dead letters into the new task store: {}", e.getMessage(), e);
        }
        return copied;
    }

    /**
     * Copies a task's runs from the store that was current into the new one, in one batch: the runs the new store
     * lacks, and those it holds in another version. The old store's version is the newer one: while it was
     * current, every record went there; a store that left and returns still holds a run that was RUNNING when it
     * left, which finished meanwhile (it must not be taken for a run cut off by a crash).
     */
    private static int copyRuns(TaskStore from, TaskStore to, TaskId id) {
        try {
            Map<String, RunRecord> there = new HashMap<>();
            to.runs(id, 1000).forEach(r -> there.put(r.runId(), r));
            List<RunRecord> changed = from.runs(id, 1000).stream().filter(r -> !r.equals(there.get(r.runId())))
                    .toList();
            to.recordRuns(changed);
            return changed.size();
        } catch (RuntimeException e) {
            LOG.error("Could not copy the runs of {} into the new task store: {}", id, e.getMessage(), e);
            return 0;
        }
    }

    /** Writes one run record now, on this thread; a failure is logged. */
    static void record(TaskStore s, RunRecord run) {
        try {
            s.recordRun(run);
        } catch (RuntimeException e) {
            LOG.error("Could not record run {} of {} ({}) in the task store: {}", run.runId(), run.taskId(),
                    run.status(), e.getMessage(), e);
        }
    }

    /** Writes what the recorder holds and stops it. */
    void close() {
        recorder.close();
    }
}
