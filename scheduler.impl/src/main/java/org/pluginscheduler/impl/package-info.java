/**
 * The OSGi face of the core: the DS components that track providers, failure handlers, the store and the
 * execution service ({@code SchedulerComponent}), serve {@code TaskScheduler} per bundle, scoped to its own tasks
 * ({@code TaskSchedulerService}), and {@code SchedulerAdmin} to administration tools ({@code SchedulerAdminService}),
 * turn configurations into overrides and jobs, and read the core's configuration
 * ({@code CoreSettings}). The core itself is {@code impl.core}; schedules are {@code impl.schedule}; the in-memory
 * store is {@code impl.store}. Private to the bundle.
 */
package org.pluginscheduler.impl;
