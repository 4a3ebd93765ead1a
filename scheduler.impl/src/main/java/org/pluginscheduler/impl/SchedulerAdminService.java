package org.pluginscheduler.impl;

import org.osgi.service.component.ComponentContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ServiceScope;
import java.util.ArrayList;
import java.util.List;

import org.pluginscheduler.api.SchedulerAdmin;
import org.pluginscheduler.api.SchedulerObserver;
import org.pluginscheduler.impl.core.ObserverHub;

/**
 * The {@link SchedulerAdmin} service for the shell and other administration tools, one instance per using bundle
 * ({@code scope = BUNDLE}, so the ad-hoc tasks a tool adds are that tool's): it acts on every task and on the whole
 * scheduler. The observers a tool registers ({@link #observe}) are removed when it releases the service, if it did
 * not close them itself.
 */
@Component(service = SchedulerAdmin.class, scope = ServiceScope.BUNDLE)
public final class SchedulerAdminService extends ScopedTaskScheduler implements SchedulerAdmin {

    private final SchedulerComponent core;
    /** The registrations made through this instance and not yet closed. Guarded by itself. */
    private final List<ObserverHub.Registration> observers = new ArrayList<>();

    @Activate
    public SchedulerAdminService(@Reference SchedulerComponent core, @Reference JobRegistry jobs,
                                 ComponentContext context) {
        super(core, jobs, context.getUsingBundle(), true);
        this.core = core;
    }

    @Override
    public Subscription observe(SchedulerObserver observer) {
        ObserverHub.Registration registration = core.engine().observe(observer);
        synchronized (observers) {
            observers.removeIf(ObserverHub.Registration::isClosed);
            observers.add(registration);
        }
        return registration;
    }

    @Deactivate
    void deactivate() {
        List<ObserverHub.Registration> left;
        synchronized (observers) {
            left = List.copyOf(observers);
            observers.clear();
        }
        left.forEach(ObserverHub.Registration::close);
        release();
    }
}
