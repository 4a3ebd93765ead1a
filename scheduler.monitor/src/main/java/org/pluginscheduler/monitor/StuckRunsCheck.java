package org.pluginscheduler.monitor;

import org.apache.felix.hc.api.HealthCheck;
import org.apache.felix.hc.api.Result;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.pluginscheduler.api.SchedulerAdmin;

/** Health check: no stuck runs (see {@link SchedulerHealth#stuckRuns}). */
@Component(service = HealthCheck.class, property = {
        HealthCheck.NAME + "=Scheduler stuck runs",
        HealthCheck.TAGS + "=scheduler"})
public final class StuckRunsCheck implements HealthCheck {

    private final SchedulerAdmin admin;
    private final MonitorSettingsComponent settings;

    @Activate
    public StuckRunsCheck(@Reference SchedulerAdmin admin, @Reference MonitorSettingsComponent settings) {
        this.admin = admin;
        this.settings = settings;
    }

    @Override
    public Result execute() {
        return SchedulerHealth.stuckRuns(admin.stats(), settings.current());
    }
}
