package org.pluginscheduler.sample.cleanup;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Describes configuration {@value UsageReportTask#PID} to tools (Metatype). Its properties are the
 * {@code @TaskSchedule} component properties of {@link UsageReportTask}, which the scheduler reads; the component
 * itself reads none of them. Every other {@code scheduler.*} property of {@code @TaskSchedule} (timeout, retries,
 * ...) may be set too.
 */
@ObjectClassDefinition(
        // designated here, not with @Designate on the component: that needs a component with one PID, and
        // UsageReportTask has two (the cleanup's folder and age, and this one)
        pid = UsageReportTask.PID,
        name = "Plugin Scheduler sample usage report",
        description = "The schedule of the sample plugin's usage-report task. Its folder and age are those of the "
                + "cleanup (org.pluginscheduler.sample.cleanup).")
@interface UsageReportConfiguration {

    @AttributeDefinition(
            name = "Schedule",
            description = "When usage-report runs, in the scheduler's schedule text form, e.g. 'every:PT5M', or "
                    + "'on-demand' to run it only when triggered.")
    String scheduler_task_schedule() default UsageReportTask.SCHEDULE;

    @AttributeDefinition(
            name = "Enabled",
            description = "If false, the task is registered disabled (visible, not firing) until an administrator "
                    + "enables it.",
            type = AttributeType.BOOLEAN,
            required = false)
    boolean scheduler_enabled() default true;
}
