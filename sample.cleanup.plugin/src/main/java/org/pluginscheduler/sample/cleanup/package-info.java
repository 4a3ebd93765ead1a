/**
 * The sample cleanup plugin: two scheduled tasks over one folder, in the two forms a plugin can use:
 * {@code temp-files} (delete files older than a configured age) from a provider,
 * {@link org.pluginscheduler.sample.cleanup.CleanupTaskProvider}, and {@code usage-report} (how much the folder
 * holds and how much of it is due for deletion) as a task component with {@code @TaskSchedule},
 * {@link org.pluginscheduler.sample.cleanup.UsageReportTask}.
 *
 * <p>This package is private to the bundle (no {@code @Export}): the plugin talks to the scheduler only through
 * the {@code org.pluginscheduler.api} whiteboard, so nothing here is API. The task logic lives in plain classes
 * ({@link org.pluginscheduler.sample.cleanup.FolderCleaner}, {@link org.pluginscheduler.sample.cleanup.UsageReporter})
 * so it can be unit-tested without a framework.
 */
package org.pluginscheduler.sample.cleanup;
