package org.pluginscheduler.api;

/**
 * Which worker pool runs a task's executions. Each priority has its own pool, sized by the scheduler's
 * configuration, so a flood of {@link #BACKGROUND} runs never delays {@link #REALTIME} fires.
 */
public enum Priority {
    /** Latency-sensitive work; its own pool, never queued behind other priorities. */
    REALTIME,
    /** The default. */
    NORMAL,
    /** Bulk or housekeeping work that may wait. */
    BACKGROUND
}
