package org.pluginscheduler.api;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * The code of an ad-hoc task added through {@link TaskScheduler#addTask}. Same contract as
 * {@link ScheduledTaskProvider#execute}.
 */
@ConsumerType
@FunctionalInterface
public interface TaskAction {
    /**
     * @param execution the run's context
     * @return the outcome; a thrown exception is a failure
     * @throws Exception on failure
     */
    TaskResult execute(TaskExecution execution) throws Exception;
}
