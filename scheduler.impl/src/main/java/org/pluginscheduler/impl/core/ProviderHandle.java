package org.pluginscheduler.impl.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.pluginscheduler.api.ScheduledTaskProvider;
import org.pluginscheduler.api.TaskAction;

/**
 * One source of tasks: a {@link ScheduledTaskProvider} service, or the ad-hoc tasks one bundle added through
 * {@code TaskScheduler}. Guards the promise that a source is never called after it is gone: a run enters task
 * code only through {@link #enter(Execution)}, which fails once {@link #close()} has been called.
 */
public final class ProviderHandle {

    /** Where the code of one task comes from. */
    interface Actions {
        /** @return the code of a task, or null if this source no longer has it */
        TaskAction action(String taskId);
    }

    final String owner;
    public final long bundleId;
    final String ownerLabel;
    final String label;
    final Actions actions;
    final ScheduledTaskProvider provider;
    private final Set<Execution> inside = ConcurrentHashMap.newKeySet();
    private boolean gone; // guarded by this

    /**
     * @param owner      the owning bundle's symbolic name (the task id owner)
     * @param ownerLabel symbolic name and version, for display
     * @param label      what to call this source in logs, e.g. "service 42 of my.plugin 1.0.0"
     * @param provider   the provider, or null for ad-hoc tasks
     */
    ProviderHandle(String owner, long bundleId, String ownerLabel, String label, ScheduledTaskProvider provider,
                   Actions actions) {
        this.owner = owner;
        this.bundleId = bundleId;
        this.ownerLabel = ownerLabel;
        this.label = label;
        this.provider = provider;
        this.actions = actions;
    }

    public static ProviderHandle forProvider(String owner, long bundleId, String ownerLabel, String label,
                                      ScheduledTaskProvider provider) {
        return new ProviderHandle(owner, bundleId, ownerLabel, label, provider, id -> provider::execute);
    }

    /** @return false if the source is gone: the run must not call it */
    synchronized boolean enter(Execution execution) {
        if (gone) {
            return false;
        }
        inside.add(execution);
        return true;
    }

    void exit(Execution execution) {
        inside.remove(execution);
    }

    /** Marks the source gone. @return the runs inside its code at this moment */
    synchronized List<Execution> close() {
        gone = true;
        return new ArrayList<>(inside);
    }

    synchronized boolean isGone() {
        return gone;
    }

    @Override
    public String toString() {
        return label;
    }
}
