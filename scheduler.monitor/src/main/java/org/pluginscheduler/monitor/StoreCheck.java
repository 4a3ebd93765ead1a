package org.pluginscheduler.monitor;

import org.apache.felix.hc.api.HealthCheck;
import org.apache.felix.hc.api.Result;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.pluginscheduler.api.SchedulerAdmin;

/**
 * Health check: the task store takes writes (the scheduler's own last write succeeded) and answers a read, in
 * time (see {@link SchedulerHealth#store}).
 */
@Component(service = HealthCheck.class, property = {
        HealthCheck.NAME + "=Scheduler store",
        HealthCheck.TAGS + "=scheduler"})
public final class StoreCheck implements HealthCheck {

    private final SchedulerAdmin admin;
    private final MonitorSettingsComponent settings;
    private final MetricsComponent metrics;

    @Activate
    public StoreCheck(@Reference SchedulerAdmin admin, @Reference MonitorSettingsComponent settings,
                      @Reference MetricsComponent metrics) {
        this.admin = admin;
        this.settings = settings;
        this.metrics = metrics;
    }

    @Override
    public Result execute() {
        return SchedulerHealth.store(admin, metrics.storeWrites().failing(), settings.current(), System::nanoTime);
    }
}
