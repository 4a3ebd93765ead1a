package org.pluginscheduler.api.execution;

import java.util.List;

import org.pluginscheduler.api.SchedulerStats;

/**
 * A snapshot of a {@link RunExecutor}'s pools.
 *
 * @param pools     one per priority
 * @param stuckRuns runs declared stuck whose thread has not returned yet
 * @param owners    per pool, each owner that holds threads of it or has runs waiting for it, ordered by pool then
 *                  owner; empty for an executor without shares per owner (since 1.1)
 */
public record ExecutionStats(List<SchedulerStats.Pool> pools, int stuckRuns, List<SchedulerStats.OwnerUsage> owners) {
    public ExecutionStats {
        pools = List.copyOf(pools);
        owners = List.copyOf(owners);
    }

    /** The 1.0 form: the executor says nothing about owners. */
    public ExecutionStats(List<SchedulerStats.Pool> pools, int stuckRuns) {
        this(pools, stuckRuns, List.of());
    }
}
