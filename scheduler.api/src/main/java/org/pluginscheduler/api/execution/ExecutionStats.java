package org.pluginscheduler.api.execution;

import java.util.List;

import org.pluginscheduler.api.SchedulerStats;

/**
 * A snapshot of a {@link RunExecutor}'s pools.
 *
 * @param pools     one per priority
 * @param stuckRuns runs declared stuck whose thread has not returned yet
 */
public record ExecutionStats(List<SchedulerStats.Pool> pools, int stuckRuns) {
    public ExecutionStats {
        pools = List.copyOf(pools);
    }
}
