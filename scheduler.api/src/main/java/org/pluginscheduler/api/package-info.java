/**
 * The plugin scheduler's public API.
 *
 * <p>Plugin bundles register {@link org.pluginscheduler.api.ScheduledTaskProvider} services (the whiteboard
 * pattern); the scheduler tracks them, so a task exists exactly while its provider is registered. Tasks are
 * described by immutable, validated {@link org.pluginscheduler.api.TaskDefinition}s whose
 * {@link org.pluginscheduler.api.Schedule} is a cron expression, a fixed interval, a one-shot instant or an
 * RFC 5545 recurrence rule, each in its own time zone. Administrators and programs drive the scheduler through
 * the bundle-scoped {@link org.pluginscheduler.api.TaskScheduler} service.
 *
 * <p>Every value type in this package is immutable and thread-safe. No method accepts or returns {@code null}
 * unless its Javadoc says so; absent values are {@link java.util.Optional} or empty collections.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.5.0")
package org.pluginscheduler.api;
