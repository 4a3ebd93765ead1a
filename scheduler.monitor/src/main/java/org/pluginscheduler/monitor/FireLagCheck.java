package org.pluginscheduler.monitor;

import org.apache.felix.hc.api.HealthCheck;
import org.apache.felix.hc.api.Result;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.pluginscheduler.api.SchedulerAdmin;

/** Health check: fire lag p99 under the thresholds (see {@link SchedulerHealth#fireLag}). */
@Component(service = HealthCheck.class, property = {
        HealthCheck.NAME + "=Scheduler fire lag",
        HealthCheck.TAGS + "=scheduler"})
public final class FireLagCheck implements HealthCheck {

    private final SchedulerAdmin admin;
    private final MonitorSettingsComponent settings;

    @Activate
    public FireLagCheck(@Reference SchedulerAdmin admin, @Reference MonitorSettingsComponent settings) {
        this.admin = admin;
        this.settings = settings;
    }

    @Override
    public Result execute() {
        return SchedulerHealth.fireLag(admin.stats(), settings.current());
    }
}
