package org.pluginscheduler.monitor;

import org.apache.felix.hc.api.HealthCheck;
import org.apache.felix.hc.api.Result;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.pluginscheduler.api.SchedulerAdmin;

/** Health check: every task provider answers (see {@link SchedulerHealth#providers}). */
@Component(service = HealthCheck.class, property = {
        HealthCheck.NAME + "=Scheduler providers",
        HealthCheck.TAGS + "=scheduler"})
public final class ProvidersCheck implements HealthCheck {

    private final SchedulerAdmin admin;

    @Activate
    public ProvidersCheck(@Reference SchedulerAdmin admin) {
        this.admin = admin;
    }

    @Override
    public Result execute() {
        return SchedulerHealth.providers(admin.stats());
    }
}
