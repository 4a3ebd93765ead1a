package org.pluginscheduler.monitor;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.pluginscheduler.api.SchedulerAdmin;

/**
 * The OSGi face of {@link Metrics}: the registry lives as long as the scheduler's admin service does, and the
 * event-fed meters observe it.
 */
@Component(service = MetricsComponent.class)
public final class MetricsComponent {

    private final Metrics metrics;
    private final SchedulerAdmin.Subscription subscription;

    @Activate
    public MetricsComponent(@Reference SchedulerAdmin admin, @Reference MonitorSettingsComponent settings) {
        this.metrics = new Metrics(admin, () -> settings.current().maxTaskSeries());
        this.subscription = admin.observe(metrics.runs());
        metrics.observeDrops(subscription);
    }

    @Deactivate
    void deactivate() {
        subscription.close();
        metrics.close();
    }

    /** @return whether the store takes writes, as the scheduler's own writes show */
    StoreWrites storeWrites() {
        return metrics.runs().writes();
    }

    /** @return the metrics */
    Metrics metrics() {
        return metrics;
    }
}
