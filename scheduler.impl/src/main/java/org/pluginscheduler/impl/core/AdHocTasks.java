package org.pluginscheduler.impl.core;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.pluginscheduler.api.InvalidTaskDefinitionException;
import org.pluginscheduler.api.TaskAction;
import org.pluginscheduler.api.TaskDefinition;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.store.StoredTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tasks a bundle adds through its {@code TaskScheduler} (and the configuration-defined jobs): one source of tasks
 * per bundle, registered through the {@link TaskRegistry} like a provider's, removed by an administrator (state
 * and history deleted) or retired when their owner goes (kept as dormant). Owns the sources by bundle id, guarded
 * by the core lock; the registry owns the tasks themselves.
 */
final class AdHocTasks {

    private static final Logger LOG = LoggerFactory.getLogger(AdHocTasks.class);

    private final CoreContext ctx;
    private final TaskRegistry registry;
    private final TaskStateWriter states;
    /** Each bundle's source of ad-hoc tasks. Guarded by the core lock. */
    private final Map<Long, ProviderHandle> sources = new HashMap<>();

    AdHocTasks(CoreContext ctx, TaskRegistry registry, TaskStateWriter states) {
        this.ctx = ctx;
        this.registry = registry;
        this.states = states;
    }

    /** Adds or replaces a task owned by a bundle (or by configuration). Not under the lock. */
    TaskId addTask(long bundleId, String owner, String ownerLabel, TaskDefinition definition, TaskAction action,
                   boolean replace, List<Execution> toDispatch) {
        List<String> problems = registry.definitions().problems(definition);
        if (!problems.isEmpty()) {
            throw new InvalidTaskDefinitionException(String.valueOf(definition.id()), problems);
        }
        TaskId id = TaskId.of(owner, definition.id());
        synchronized (ctx.lock) {
            ProviderHandle handle = sources.computeIfAbsent(bundleId,
                    b -> new AdHocActions(owner, bundleId, ownerLabel).handle);
            AdHocActions actions = (AdHocActions) handle.actions;
            List<TaskDefinition> current = registry.appliedOf(handle);
            boolean exists = current.stream().anyMatch(d -> d.id().equals(definition.id()));
            if (exists && !replace) {
                throw new IllegalStateException("task " + id + " already exists; pass replace to replace it");
            }
            for (TaskId instance : registry.definitions().instances(handle, definition)) {
                TaskSlot other = registry.slot(instance);
                if (other != null && other.handle != handle) {
                    throw new IllegalStateException("task " + instance + " is already provided by " + other.handle);
                }
            }
            current.removeIf(d -> d.id().equals(definition.id()));
            current.add(definition);
            actions.put(definition.id(), action);
            registry.register(handle, current, toDispatch);
        }
        return id;
    }

    /**
     * Removes an ad-hoc task, or forgets a dormant task; provider tasks cannot be removed. Its state and history
     * are marked for deletion: the caller waits for the write outside the lock. Under the lock.
     *
     * @return false if no such task is known
     */
    boolean removeTask(TaskId id, List<Execution> toDispatch) {
        assert ctx.locked();
        TaskSlot slot = registry.slot(id);
        if (slot != null) {
            if (!(slot.handle.actions instanceof AdHocActions actions)) {
                throw new IllegalStateException("task " + id + " is provided by " + slot.handle
                        + "; disable it or stop its bundle instead");
            }
            slot.deleted = true; // a run still ending must not write it back
            List<TaskDefinition> current = registry.appliedOf(slot.handle);
            if (!slot.definition.perTenant()) { // a per-tenant task loses one tenant's instance only
                current.removeIf(d -> d.id().equals(id.id()));
                actions.remove(id.id());
                registry.appliedOf(slot.handle, current);
            }
            registry.remove(slot, "removed by an administrator", toDispatch);
            LOG.info("Task {} removed", id);
            return true;
        }
        if (registry.isRejected(id)) {
            throw new IllegalStateException("task " + id + " is not registered (conflicting or invalid); "
                    + "fix or stop the bundle that claims it");
        }
        if (registry.forgetDormant(id)) {
            states.delete(id);
            LOG.info("Dormant task {} forgotten: its state and history are deleted", id);
            return true;
        }
        return false;
    }

    /** Stops one ad-hoc task (or job) without deleting its state: it becomes dormant. */
    void retireAdHoc(TaskId id) {
        synchronized (ctx.lock) {
            TaskSlot slot = registry.slot(id);
            if (slot == null || !(slot.handle.actions instanceof AdHocActions actions)) {
                return;
            }
            List<TaskDefinition> current = registry.appliedOf(slot.handle);
            current.removeIf(d -> d.id().equals(id.id()));
            registry.appliedOf(slot.handle, current);
            actions.remove(id.id());
            registry.retire(slot, "its configuration is gone");
        }
    }

    /** @return the source of a bundle's ad-hoc tasks, forgotten here; the caller removes it like a provider */
    ProviderHandle releaseAdHoc(long bundleId) {
        synchronized (ctx.lock) {
            return sources.remove(bundleId);
        }
    }
}
