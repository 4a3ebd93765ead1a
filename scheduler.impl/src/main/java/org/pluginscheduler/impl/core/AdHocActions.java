package org.pluginscheduler.impl.core;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.pluginscheduler.api.TaskAction;

/** Ad-hoc task code of one bundle (or of the configuration-defined jobs): the source of its ad-hoc tasks. */
final class AdHocActions implements ProviderHandle.Actions {
    private final Map<String, TaskAction> actions = new ConcurrentHashMap<>();
    final ProviderHandle handle;

    AdHocActions(String owner, long bundleId, String ownerLabel) {
        this.handle = new ProviderHandle(owner, bundleId, ownerLabel, "ad-hoc tasks of " + ownerLabel, null, this);
    }

    void put(String id, TaskAction action) {
        actions.put(id, action);
    }

    void remove(String id) {
        actions.remove(id);
    }

    @Override
    public TaskAction action(String taskId) {
        return actions.get(taskId);
    }
}
