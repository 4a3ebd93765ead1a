package org.pluginscheduler.api;

/** The status of one run of a task, as recorded in its {@link RunRecord}. */
public enum RunStatus {
    /** The run has started and has not finished yet. */
    RUNNING,
    /** The provider returned a successful {@link TaskResult}. */
    SUCCEEDED,
    /** The provider returned a failed {@link TaskResult} or threw. */
    FAILED,
    /** The run passed its deadline and was cancelled. */
    TIMED_OUT,
    /** The fire was not executed because of the task's {@link OverlapPolicy}, or because it was paused. */
    SKIPPED,
    /** The run was cancelled because its provider went away or the scheduler stopped. */
    CANCELLED,
    /** The run was left {@link #RUNNING} by a crash and found so at start-up (persistent stores only). */
    ABANDONED;

    /** @return {@code true} for every status but {@link #RUNNING} */
    public boolean isFinal() {
        return this != RUNNING;
    }
}
