package org.pluginscheduler.impl;

import org.osgi.service.component.ComponentContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ServiceScope;
import org.pluginscheduler.api.TaskScheduler;

/**
 * The {@link TaskScheduler} service a plugin gets, one instance per using bundle ({@code scope = BUNDLE}): it acts
 * on that bundle's own tasks only, and the ad-hoc tasks it adds belong to that bundle and go when its instance is
 * released (the bundle stops or ungets the service).
 */
@Component(service = TaskScheduler.class, scope = ServiceScope.BUNDLE)
public final class TaskSchedulerService extends ScopedTaskScheduler {

    @Activate
    public TaskSchedulerService(@Reference SchedulerComponent core, @Reference JobRegistry jobs,
                                ComponentContext context) {
        super(core, jobs, context.getUsingBundle(), false);
    }

    @Deactivate
    void deactivate() {
        release();
    }
}
