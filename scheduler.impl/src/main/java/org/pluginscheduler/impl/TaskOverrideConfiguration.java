package org.pluginscheduler.impl;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** One per-task override; a factory configuration (one file per task: {@code <FACTORY_PID>-<name>.cfg}). */
@ObjectClassDefinition(id = TaskOverrideConfiguration.FACTORY_PID, name = "Plugin Scheduler task override",
        description = "Overrides one task's settings without code: enabled, schedule, retries, timeout. Shell "
                + "changes (task:disable, task:reschedule) still win until they are reset.")
@interface TaskOverrideConfiguration {

    String FACTORY_PID = "org.pluginscheduler.task.override";

    @AttributeDefinition(name = "Task", description = "Qualified task id, e.g. sample.cleanup.plugin:temp-files "
            + "(without @tenant it applies to every tenant instance)")
    String task();

    @AttributeDefinition(name = "Enabled", required = false, description = "true or false; empty: the definition's")
    String enabled() default "";

    @AttributeDefinition(name = "Schedule", required = false,
            description = "Schedule text, e.g. cron:0 4 * * * or every:PT10M; empty: the definition's")
    String schedule() default "";

    @AttributeDefinition(name = "Maximum retries", required = false,
            description = "0–1000; empty: the definition's")
    String max_retries() default "";

    @AttributeDefinition(name = "Retry delay", required = false,
            description = "ISO-8601 duration between retries, used with max.retries when the task has no retry "
                    + "policy of its own (default PT30S)")
    String retry_delay() default "";

    @AttributeDefinition(name = "Timeout", required = false, description = "ISO-8601 duration, e.g. PT5M; empty: "
            + "the definition's")
    String timeout() default "";
}
