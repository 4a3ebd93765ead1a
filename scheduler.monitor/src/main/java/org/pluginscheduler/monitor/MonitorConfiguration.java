package org.pluginscheduler.monitor;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Configuration of the scheduler's metrics and health checks, PID {@value #PID}. Read from the raw properties by
 * {@link MonitorSettings#read}: a bad value is logged as a warning naming the property, and its default is used.
 */
@ObjectClassDefinition(id = MonitorConfiguration.PID, name = "Plugin Scheduler monitor",
        description = "Thresholds of the scheduler's health checks (served at /health) and the bound on the metrics' "
                + "task labels (served at /metrics). Durations are ISO-8601, e.g. PT5S.")
@interface MonitorConfiguration {

    String PID = "org.pluginscheduler.monitor";

    @AttributeDefinition(name = "Fire lag warning",
            description = "Fire lag p99 (start minus scheduled time, over the recent scheduled runs) above this is "
                    + "a WARN; an active task whose next fire is overdue by more than this is a WARN of the timer "
                    + "check")
    String lag_warn() default "PT5S";

    @AttributeDefinition(name = "Fire lag critical",
            description = "Fire lag p99 above this is CRITICAL; a fire overdue by more than this is CRITICAL (the "
                    + "timer is not firing). Must not be below lag.warn")
    String lag_critical() default "PT60S";

    @AttributeDefinition(name = "Slow store",
            description = "A store probe that takes longer than this is a WARN of the store check")
    String store_slow() default "PT1S";

    @AttributeDefinition(name = "Stuck runs critical", min = "1",
            description = "Stuck runs (timed out, ignoring interruption, holding a thread) are a WARN when there is "
                    + "at least one, CRITICAL from this many")
    int stuck_critical() default 10;

    @AttributeDefinition(name = "Maximum task series", min = "1", max = "1000000",
            description = "At most this many distinct task label values in the per-task metrics; the runs of any "
                    + "further task are counted under task=\"_other\"")
    int max_task_series() default MonitorSettings.DEFAULT_MAX_TASK_SERIES;
}
