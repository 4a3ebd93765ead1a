package org.pluginscheduler.impl.core;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.store.PendingRun;

/**
 * Accepted runs of tasks that are not registered now: what the store held when it was bound (pending runs from a
 * previous process) and what this process accepted for a task that went away before the run started. Each waits
 * here, still stored, until its task registers again and the {@link Launcher} restores it. Runs still waiting
 * when the process ends are restored by the next one from the store; nothing here is written, only remembered,
 * so registration reads no store.
 *
 * <p>A pending run whose occurrence starts with {@link #DECISION} stands for the decision about a run abandoned
 * by a crash ({@link AbandonedRuns}): it is not run, it is decided.
 *
 * <p>Guarded by the core lock.
 */
final class PendingWork {

    /** The occurrence prefix of a pending abandoned-run decision. */
    static final String DECISION = "abandoned:";

    private final CoreContext ctx;
    private final Map<TaskId, List<PendingRun>> waiting = new HashMap<>();

    PendingWork(CoreContext ctx) {
        this.ctx = ctx;
    }

    /** Learns what a store holds for tasks that are not registered (read outside the lock). */
    void seed(List<PendingRun> stored, Predicate<TaskId> registered) {
        assert ctx.locked();
        for (PendingRun p : stored) {
            if (!registered.test(p.taskId())) {
                keep(p);
            }
        }
    }

    /** A different store is current: what it holds replaces what is known here. */
    void replaceBy(List<PendingRun> stored, Predicate<TaskId> registered) {
        assert ctx.locked();
        waiting.clear();
        seed(stored, registered);
    }

    /** Keeps an accepted run until its task registers. */
    void keep(PendingRun p) {
        assert ctx.locked();
        List<PendingRun> runs = waiting.computeIfAbsent(p.taskId(), k -> new ArrayList<>(2));
        runs.removeIf(r -> r.runId().equals(p.runId()));
        runs.add(p);
    }

    /** @return the accepted runs of a task that registers now, no longer kept here */
    List<PendingRun> take(TaskId id) {
        assert ctx.locked();
        List<PendingRun> runs = waiting.remove(id);
        return runs == null ? List.of() : runs;
    }

    /** Forgets a run (it ended, or it was abandoned and is decided elsewhere). */
    void forget(TaskId id, String runId) {
        assert ctx.locked();
        List<PendingRun> runs = waiting.get(id);
        if (runs != null && runs.removeIf(r -> r.runId().equals(runId)) && runs.isEmpty()) {
            waiting.remove(id);
        }
    }

    /** Forgets every run of a task deleted for good (the store deleted them with it). */
    void forgetTask(TaskId id) {
        assert ctx.locked();
        waiting.remove(id);
    }

    /** @return how many accepted runs wait for their task */
    int size() {
        assert ctx.locked();
        return waiting.values().stream().mapToInt(List::size).sum();
    }

    static boolean isDecision(PendingRun p) {
        return p.occurrence().startsWith(DECISION);
    }
}
