package org.pluginscheduler.monitor;

import java.time.Instant;

import org.apache.felix.hc.api.HealthCheck;
import org.apache.felix.hc.api.Result;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.pluginscheduler.api.SchedulerAdmin;

/** Health check: the timer fires on time (see {@link SchedulerHealth#timer}). */
@Component(service = HealthCheck.class, property = {
        HealthCheck.NAME + "=Scheduler timer",
        HealthCheck.TAGS + "=scheduler"})
public final class TimerCheck implements HealthCheck {

    private final SchedulerAdmin admin;
    private final MonitorSettingsComponent settings;

    @Activate
    public TimerCheck(@Reference SchedulerAdmin admin, @Reference MonitorSettingsComponent settings) {
        this.admin = admin;
        this.settings = settings;
    }

    @Override
    public Result execute() {
        return SchedulerHealth.timer(admin.stats(), admin.tasks(), Instant.now(), settings.current());
    }
}
