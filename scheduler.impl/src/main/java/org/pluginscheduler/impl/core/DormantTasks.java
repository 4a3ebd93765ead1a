package org.pluginscheduler.impl.core;

import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.store.StoredTask;

/**
 * What the {@link TaskRegistry} knows of tasks that are not registered now: the latest stored state of each
 * (from the store at start and at a store switch, and as this process writes them), kept in memory so that
 * resolving an id and listing tasks never scan the store; which tasks an administrator changed in this process
 * (their settings win over a store that arrives later). Everything here is guarded by the core lock.
 */
final class DormantTasks {

    private final CoreContext ctx;
    private final Map<TaskId, StoredTask> states = new HashMap<>();
    private final Set<TaskId> changedHere = new HashSet<>();

    DormantTasks(CoreContext ctx) {
        this.ctx = ctx;
    }

    StoredTask get(TaskId id) {
        assert ctx.locked();
        return states.get(id);
    }

    boolean contains(TaskId id) {
        assert ctx.locked();
        return states.containsKey(id);
    }

    Set<TaskId> ids() {
        assert ctx.locked();
        return states.keySet();
    }

    Collection<StoredTask> all() {
        assert ctx.locked();
        return states.values();
    }

    /** Records the latest state of a task that is not registered (it went, or it was changed). */
    void put(StoredTask state) {
        assert ctx.locked();
        states.put(state.id(), state);
    }

    /** @return the state of a task that registers now, moved out of here (no change of what is known of it) */
    StoredTask take(TaskId id) {
        assert ctx.locked();
        return states.remove(id);
    }

    /** @return whether the task was known here; it is forgotten (deleted) */
    boolean forget(TaskId id) {
        assert ctx.locked();
        return states.remove(id) != null;
    }

    /** Learns what a store holds of tasks that are not registered (read outside the lock), keeping what is here. */
    void seed(List<StoredTask> stored, Predicate<TaskId> registered) {
        assert ctx.locked();
        for (StoredTask s : stored) {
            if (!registered.test(s.id())) {
                states.putIfAbsent(s.id(), s);
            }
        }
    }

    /**
     * A different store is current: what it holds replaces what is known here, except for tasks changed in this
     * process, whose state here is newer.
     *
     * @return the states of unregistered tasks changed here, which the new store must be given
     */
    List<StoredTask> replaceBy(Map<TaskId, StoredTask> held, Predicate<TaskId> registered) {
        assert ctx.locked();
        Map<TaskId, StoredTask> before = new HashMap<>(states);
        states.clear();
        held.forEach((id, s) -> {
            if (!registered.test(id)) {
                states.put(id, s);
            }
        });
        List<StoredTask> changedHereStates = changedHere.stream().filter(id -> !registered.test(id))
                .map(before::get).filter(s -> s != null).toList();
        changedHereStates.forEach(s -> states.put(s.id(), s));
        return changedHereStates;
    }

    /** An administrator changed a task's settings in this process. */
    void markChanged(TaskId id) {
        assert ctx.locked();
        changedHere.add(id);
    }

    boolean changedHere(TaskId id) {
        assert ctx.locked();
        return changedHere.contains(id);
    }
}
