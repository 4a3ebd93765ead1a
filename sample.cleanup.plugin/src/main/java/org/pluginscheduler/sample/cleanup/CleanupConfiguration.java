package org.pluginscheduler.sample.cleanup;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The typed configuration of {@link CleanupTaskProvider}, PID {@value CleanupTaskProvider#PID}.
 *
 * <p>Declarative Services turns the configuration's properties into this interface; Metatype describes it to
 * tools (web console, Gogo). Method names map to property names with {@code _} read as {@code .}, so
 * {@code max_age_days()} is the property {@code max.age.days} and {@code report_schedule()} is
 * {@code report.schedule}. Values are validated in one place, {@link CleanupSettings#from}.
 */
@ObjectClassDefinition(
        name = "Plugin Scheduler sample cleanup plugin",
        description = "Deletes files older than a given age from a folder (task temp-files) and reports the "
                + "folder's usage (task usage-report).")
@interface CleanupConfiguration {

    @AttributeDefinition(
            name = "Folder",
            description = "The folder to clean, recursively. A relative path is resolved against the runtime's "
                    + "working directory (system property user.dir). Symbolic links inside it are neither followed "
                    + "nor deleted; the folder itself and its sub-folders are never deleted. Must not be the file "
                    + "system root, the working directory or a folder containing it.")
    String folder() default "tmp";

    @AttributeDefinition(
            name = "Maximum age (days)",
            description = "Files last modified more than this many days before the run started are deleted. At "
                    + "least 1.",
            min = "1")
    int max_age_days() default 7;

    @AttributeDefinition(
            name = "Cleanup schedule",
            description = "When temp-files runs, in the scheduler's schedule text form, e.g. 'cron:0 3 * * *' "
                    + "(daily at 03:00), 'every:PT6H' or 'rrule:FREQ=WEEKLY;BYDAY=SU start=2026-01-04T03:00'.")
    String schedule() default "cron:0 3 * * *";

    @AttributeDefinition(
            name = "Usage report schedule",
            description = "When usage-report runs, in the scheduler's schedule text form, e.g. 'every:PT5M'.")
    String report_schedule() default "every:PT5M";

    @AttributeDefinition(
            name = "Enabled",
            description = "If false, both tasks are registered disabled (visible, not firing) until an "
                    + "administrator enables them.",
            type = AttributeType.BOOLEAN,
            required = false)
    boolean enabled() default true;
}
