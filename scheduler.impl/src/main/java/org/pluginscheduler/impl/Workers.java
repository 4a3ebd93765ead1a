package org.pluginscheduler.impl;

import java.util.List;

import org.pluginscheduler.api.Priority;
import org.pluginscheduler.api.SchedulerStats;

/** Where runs execute: one pool per {@link Priority}. */
interface Workers {

    /** Runs {@code run} on the pool of {@code priority}. @throws java.util.concurrent.RejectedExecutionException when stopped */
    void execute(Priority priority, Runnable run);

    /**
     * Adds (or with a negative delta removes) threads to a pool, to replace a worker held by a stuck run.
     *
     * @return false if the pool may not grow further
     */
    boolean compensate(Priority priority, int delta);

    /** @return the pools' current sizes and load */
    List<SchedulerStats.Pool> pools();
}
