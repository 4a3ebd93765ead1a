package org.pluginscheduler.impl;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Configuration of the scheduler core, PID {@value #PID}. */
@ObjectClassDefinition(id = SchedulerConfiguration.PID, name = "Plugin Scheduler",
        description = "The scheduler core: time zone, worker threads and how long departing plugins may take to stop.")
@interface SchedulerConfiguration {

    String PID = "org.pluginscheduler.scheduler";

    @AttributeDefinition(name = "Default time zone", required = false,
            description = "IANA zone id (e.g. Europe/Paris) for schedules that name none. Empty: the JVM's zone.")
    String default_zone() default "";

    @AttributeDefinition(name = "Worker threads", min = "1", max = "1024",
            description = "How many task runs may execute at once. Changes apply live.")
    int worker_threads() default 8;

    @AttributeDefinition(name = "Grace period (seconds)", min = "0", max = "3600",
            description = "How long a departing plugin's cancelled runs (and all runs when the scheduler stops) are "
                    + "awaited before the scheduler moves on.")
    int grace_period_seconds() default 10;
}
