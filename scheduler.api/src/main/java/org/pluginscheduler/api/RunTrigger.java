package org.pluginscheduler.api;

/** Why a run started. */
public enum RunTrigger {
    /** The task's schedule fired. */
    SCHEDULE,
    /** An administrator or program asked for a run now ({@link TaskScheduler#trigger}). */
    MANUAL,
    /** A synchronous call ({@link TaskScheduler#call}), which skips concurrency and rate limits. */
    CALL,
    /** A one-shot submission with arguments ({@link TaskScheduler#submit}). */
    SUBMISSION,
    /** A retry of a failed run. */
    RETRY,
    /** A fire missed while the scheduler was paused or down, run according to the task's {@link MisfirePolicy}. */
    MISFIRE,
    /** A dead letter replayed by an administrator ({@link TaskScheduler#replayDeadLetter}). */
    REPLAY
}
