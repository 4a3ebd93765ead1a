package org.pluginscheduler.impl;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * A configuration-defined job: a schedule plus the name of a handler service, independent of any plugin's
 * lifecycle. A factory configuration: one file per job, {@code <FACTORY_PID>-<name>.cfg}. Properties starting
 * with {@code config.} become the job's config map (without the prefix).
 */
@ObjectClassDefinition(id = JobConfiguration.FACTORY_PID, name = "Plugin Scheduler job",
        description = "A job defined by configuration: it runs the named handler service (a TaskAction registered "
                + "with task.handler=<name>) on a schedule. Its id is config:<id>.")
@interface JobConfiguration {

    String FACTORY_PID = "org.pluginscheduler.job";

    @AttributeDefinition(name = "Id", description = "The job's task id (qualified as config:<id>)")
    String id();

    @AttributeDefinition(name = "Schedule", description = "Schedule text, e.g. cron:0 2 * * * or every:PT15M")
    String schedule();

    @AttributeDefinition(name = "Handler", description = "Name of the TaskAction service (task.handler property) "
            + "that does the work")
    String handler();

    @AttributeDefinition(name = "Name", required = false, description = "Display name")
    String name() default "";

    @AttributeDefinition(name = "Description", required = false, description = "For administrators")
    String description() default "";

    @AttributeDefinition(name = "Enabled", description = "false: registered disabled")
    boolean enabled() default true;

    @AttributeDefinition(name = "Priority", description = "REALTIME, NORMAL or BACKGROUND")
    String priority() default "NORMAL";

    @AttributeDefinition(name = "Timeout", required = false, description = "ISO-8601 duration, e.g. PT10M")
    String timeout() default "";

    @AttributeDefinition(name = "Maximum retries", description = "0–1000")
    int max_retries() default 0;

    @AttributeDefinition(name = "Retry delay", description = "ISO-8601 duration between retries")
    String retry_delay() default "PT30S";

    @AttributeDefinition(name = "Dead letters", description = "Keep runs that exhaust their retries")
    boolean dead_letter() default false;

    @AttributeDefinition(name = "Lock keys", required = false, description = "Named locks, e.g. db, reports")
    String[] lock_keys() default {};
}
