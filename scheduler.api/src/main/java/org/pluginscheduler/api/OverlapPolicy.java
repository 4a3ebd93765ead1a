package org.pluginscheduler.api;

/**
 * What happens when a task's next fire comes while a previous run of the same task is still executing.
 * The default for periodic schedules is {@link #SKIP}.
 */
public enum OverlapPolicy {
    /** The fire is not executed; a run record with status {@link RunStatus#SKIPPED} says so. */
    SKIP,
    /** The fire starts a concurrent run. */
    ALLOW,
    /**
     * At most one fire waits for the running execution to end, then runs; further fires while one waits are
     * skipped and recorded.
     */
    QUEUE_ONE
}
