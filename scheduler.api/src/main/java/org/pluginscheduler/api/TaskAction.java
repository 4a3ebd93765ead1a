package org.pluginscheduler.api;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * The code of a task that has no provider: an ad-hoc task added through {@link TaskScheduler#addTask}, or, when
 * registered as a service with the {@value #HANDLER_PROPERTY} property, the handler of configuration-defined jobs
 * (factory PID {@code org.pluginscheduler.job}, whose {@code handler} property names it). Same contract as
 * {@link ScheduledTaskProvider#execute}.
 */
@ConsumerType
@FunctionalInterface
public interface TaskAction {

    /**
     * Service property naming a {@code TaskAction} service as a job handler, e.g.
     * {@code @Component(property = "task.handler=purge-cache")}. Handler names are unique; with several services of
     * one name, the highest {@code service.ranking} is used.
     */
    String HANDLER_PROPERTY = "task.handler";

    /**
     * @param execution the run's context
     * @return the outcome; a thrown exception is a failure
     * @throws Exception on failure
     */
    TaskResult execute(TaskExecution execution) throws Exception;
}
