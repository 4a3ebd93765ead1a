package org.pluginscheduler.execution;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Configuration of the execution service, PID {@value #PID}; property names replace {@code _} with {@code .}.
 *
 * <p>Only the Metatype description: the component reads the raw properties through {@link ExecutionSettings} so
 * that a value Declarative Services could not convert (e.g. {@code worker.threads = abc}) is reported with its field
 * too. Defaults and bounds are {@link ExecutionSettings}'s constants, so the form and the check cannot disagree.
 */
@ObjectClassDefinition(id = ExecutionConfiguration.PID, name = "Plugin Scheduler execution",
        description = "The threads that run scheduled tasks: one pool per priority, how much of a pool one plugin "
                + "may hold, when a run that ignores its timeout is declared stuck, and how long running work may "
                + "finish when the execution service stops. Changes apply live; an invalid value is rejected and the "
                + "last good configuration stays in force.")
@interface ExecutionConfiguration {

    String PID = "org.pluginscheduler.execution";

    @AttributeDefinition(name = "Realtime threads",
            min = "" + ExecutionSettings.MIN_THREADS, max = "" + ExecutionSettings.MAX_THREADS,
            description = "Threads for REALTIME tasks (thread names task-realtime-N, highest thread priority). "
                    + "A pool may grow by up to this many extra threads to replace threads held by stuck runs.")
    int realtime_threads() default ExecutionSettings.DEFAULT_REALTIME_THREADS;

    @AttributeDefinition(name = "Normal threads",
            min = "" + ExecutionSettings.MIN_THREADS, max = "" + ExecutionSettings.MAX_THREADS,
            description = "Threads for NORMAL tasks, the default priority (thread names task-normal-N). A pool "
                    + "may grow by up to this many extra threads to replace threads held by stuck runs.")
    int worker_threads() default ExecutionSettings.DEFAULT_WORKER_THREADS;

    @AttributeDefinition(name = "Background threads",
            min = "" + ExecutionSettings.MIN_THREADS, max = "" + ExecutionSettings.MAX_THREADS,
            description = "Threads for BACKGROUND tasks (thread names task-background-N). A pool may grow by up "
                    + "to this many extra threads to replace threads held by stuck runs.")
    int background_threads() default ExecutionSettings.DEFAULT_BACKGROUND_THREADS;

    @AttributeDefinition(name = "Stuck after (seconds)",
            min = "" + ExecutionSettings.MIN_STUCK_AFTER_SECONDS, max = "" + ExecutionSettings.MAX_SECONDS,
            description = "How long after its timeout interrupt a run still inside task code is declared stuck; "
                    + "its pool then gets a replacement thread until the stuck thread returns. A change applies to "
                    + "runs that time out afterwards.")
    int stuck_after_seconds() default ExecutionSettings.DEFAULT_STUCK_AFTER_SECONDS;

    @AttributeDefinition(name = "Grace period (seconds)",
            min = "" + ExecutionSettings.MIN_GRACE_PERIOD_SECONDS, max = "" + ExecutionSettings.MAX_SECONDS,
            description = "When the execution service stops or is updated, how long running runs may finish "
                    + "before they are cancelled. Runs that have not started are handed back to the scheduler at "
                    + "once, to run on the next execution service.")
    int grace_period_seconds() default ExecutionSettings.DEFAULT_GRACE_PERIOD_SECONDS;

    @AttributeDefinition(name = "Owner share (percent)",
            min = "" + ExecutionSettings.MIN_OWNER_SHARE_PERCENT, max = "" + ExecutionSettings.MAX_OWNER_SHARE_PERCENT,
            description = "The most of each pool's threads one plugin (task owner) may hold at once, in percent of "
                    + "the pool's size, rounded down and at least one thread; its further runs wait in its own "
                    + "queue while other plugins' runs go on. 50 leaves at least half of each pool to the others; "
                    + "100 turns the bulkheads off. Runs declared stuck count against their plugin's share until "
                    + "their thread returns. A change applies to the next run started.")
    int owner_share_percent() default ExecutionSettings.DEFAULT_OWNER_SHARE_PERCENT;
}
