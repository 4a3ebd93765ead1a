package org.pluginscheduler.impl;

import org.osgi.service.component.ComponentContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ServiceScope;
import org.pluginscheduler.api.SchedulerAdmin;

/**
 * The {@link SchedulerAdmin} service for the shell and other administration tools, one instance per using bundle
 * ({@code scope = BUNDLE}, so the ad-hoc tasks a tool adds are that tool's): it acts on every task and on the whole
 * scheduler.
 */
@Component(service = SchedulerAdmin.class, scope = ServiceScope.BUNDLE)
public final class SchedulerAdminService extends ScopedTaskScheduler implements SchedulerAdmin {

    @Activate
    public SchedulerAdminService(@Reference SchedulerComponent core, @Reference JobRegistry jobs,
                                 ComponentContext context) {
        super(core, jobs, context.getUsingBundle(), true);
    }

    @Deactivate
    void deactivate() {
        release();
    }
}
