package org.pluginscheduler.impl;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Configuration of the scheduler core, PID {@value #PID}. Property names replace {@code _} with {@code .}. */
@ObjectClassDefinition(id = SchedulerConfiguration.PID, name = "Plugin Scheduler",
        description = "The scheduler core: time zone, grace period, locks, misfires, provider read timeout, tenants and "
                + "group limits "
                + "(worker pools and stuck runs: org.pluginscheduler.execution). Changes apply live; an invalid value is rejected and the last good configuration "
                + "stays in force.")
@interface SchedulerConfiguration {

    String PID = "org.pluginscheduler.scheduler";

    @AttributeDefinition(name = "Default time zone", required = false,
            description = "IANA zone id (e.g. Europe/Paris) for schedules that name none. Empty: the JVM's zone.")
    String default_zone() default "";




    @AttributeDefinition(name = "Grace period (seconds)", min = "0", max = "3600",
            description = "How long a departing plugin's cancelled runs are awaited, and how long running work may "
                    + "finish when the scheduler stops before it is cancelled.")
    int grace_period_seconds() default 10;

    @AttributeDefinition(name = "Lock retry delay (milliseconds)", min = "1", max = "3600000",
            description = "How long a run waits before trying again for a named lock another run holds, or for a "
                    + "full concurrency group. Waiting does not spend retries.")
    long lock_retry_delay_ms() default 1000;

    @AttributeDefinition(name = "Default misfire policy",
            description = "For tasks that name none: RUN_ONCE, SKIP or CATCH_UP:<max> (e.g. CATCH_UP:10)")
    String default_misfire() default "RUN_ONCE";

    @AttributeDefinition(name = "Provider read timeout (milliseconds)", min = "100", max = "3600000",
            description = "How long a plugin's ScheduledTaskProvider.tasks() may take. Each read runs on a thread of "
                    + "its own, so other plugins never wait for it; past this time the provider is reported as a "
                    + "problem (task:list) and contributes no new tasks until its read returns.")
    long provider_read_timeout_ms() default 10000;

    @AttributeDefinition(name = "Tenants", required = false,
            description = "Tenant ids; every per-tenant task gets one instance per tenant")
    String[] tenants() default {};

    @AttributeDefinition(name = "Group limits", required = false,
            description = "Concurrency and rate limits per task group, e.g. reports:concurrency=2,rate=10/PT1M")
    String[] groups() default {};
}
