package org.pluginscheduler.impl;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;

import org.pluginscheduler.api.Priority;
import org.pluginscheduler.api.SchedulerStats;

/** Workers for tests: each priority goes to a given executor; compensation is only counted. */
final class ExecutorWorkers implements Workers {
    private final Map<Priority, Executor> executors = new EnumMap<>(Priority.class);
    final Map<Priority, Integer> extra = new EnumMap<>(Priority.class);

    ExecutorWorkers(Executor all) {
        for (Priority p : Priority.values()) {
            executors.put(p, all);
            extra.put(p, 0);
        }
    }

    ExecutorWorkers with(Priority p, Executor executor) {
        executors.put(p, executor);
        return this;
    }

    @Override
    public void execute(Priority priority, Runnable run) {
        executors.get(priority).execute(run);
    }

    @Override
    public synchronized boolean compensate(Priority priority, int delta) {
        extra.merge(priority, delta, Integer::sum);
        return true;
    }

    @Override
    public List<SchedulerStats.Pool> pools() {
        return new ArrayList<>();
    }
}
