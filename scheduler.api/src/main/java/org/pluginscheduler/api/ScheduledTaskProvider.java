package org.pluginscheduler.api;

import java.util.List;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A plugin's scheduled work, registered as an OSGi service (whiteboard). Usually a Declarative Services component:
 *
 * <pre>
 * &#64;Component
 * public class ReportTasks implements ScheduledTaskProvider {
 *     public List&lt;TaskDefinition&gt; tasks() {
 *         return List.of(TaskDefinition.builder("daily-report").schedule("cron:0 6 * * *").build());
 *     }
 *     public TaskResult execute(TaskExecution run) throws Exception {
 *         return TaskResult.success("report written");
 *     }
 * }
 * </pre>
 *
 * <h2>Lifecycle</h2>
 * The scheduler tracks every registered provider. When one appears, it calls {@link #tasks()} and registers each
 * task as {@code <bundle-symbolic-name>:<task-id>}. When the provider's service properties change (for a DS
 * component: when its configuration changes), or when the providing bundle calls
 * {@link TaskScheduler#reloadTasks()}, the list is read again and the difference applied: new tasks added, gone
 * tasks removed, changed tasks re-registered. When the provider goes away, its tasks stop firing at once,
 * running executions are cancelled and awaited up to a grace period, and the provider is never called again.
 *
 * <h2>Errors</h2>
 * An invalid definition, or one whose qualified id another provider already owns, is rejected alone and logged;
 * the provider's other tasks still register. If {@link #tasks()} throws, the error is logged and the provider
 * contributes no tasks until its list is read again.
 *
 * <h2>Threading</h2>
 * {@link #tasks()} is called from a scheduler thread, never from the thread registering the service.
 * {@link #execute} is called from worker threads, possibly concurrently for different tasks, and for the same
 * task if its {@link OverlapPolicy} is {@link OverlapPolicy#ALLOW}.
 */
@ConsumerType
public interface ScheduledTaskProvider {

    /**
     * @return the provider's task definitions; ids must be unique within the bundle. Must not block for long.
     */
    List<TaskDefinition> tasks();

    /**
     * Runs one execution of one of this provider's tasks.
     *
     * @param execution the run's context: which task, attempt, arguments, cancellation
     * @return the outcome; a thrown exception is recorded as a failure with its message
     * @throws Exception on failure; {@link TaskRetryRequestedException} asks for a retry explicitly
     */
    TaskResult execute(TaskExecution execution) throws Exception;
}
