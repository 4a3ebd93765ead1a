package org.pluginscheduler.sample.cleanup;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The typed configuration of {@link CleanupTaskProvider}, PID {@value CleanupTaskProvider#PID}.
 *
 * <p>Declarative Services turns the configuration's properties into this interface; Metatype describes it to
 * tools (web console, Gogo). Method names map to property names with {@code _} read as {@code .}, so
 * {@code max_age_days()} is the property {@code max.age.days}. Values are validated in one place, {@link CleanupSettings#from}.
 */
@ObjectClassDefinition(
        name = "Plugin Scheduler sample cleanup plugin",
        description = "Deletes files older than a given age from a folder (task temp-files); the usage-report "
                + "task reports on the same folder (its schedule: org.pluginscheduler.sample.cleanup.report).")
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
            name = "Enabled",
            description = "If false, temp-files is registered disabled (visible, not firing) until an "
                    + "administrator enables it. (usage-report: scheduler.enabled in "
                    + "org.pluginscheduler.sample.cleanup.report.)",
            type = AttributeType.BOOLEAN,
            required = false)
    boolean enabled() default true;
}
