package org.pluginscheduler.monitor;

import java.util.Map;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds the settings of configuration {@value MonitorConfiguration#PID} for the bundle's other components, which
 * read {@link #current()} each time they use a threshold: a change applies at once, without restarting the
 * metrics (whose counters would start over) or the checks. Each bad value is logged once as a warning naming the
 * property; its default applies.
 */
@Component(service = MonitorSettingsComponent.class, configurationPid = MonitorConfiguration.PID)
@Designate(ocd = MonitorConfiguration.class)
public final class MonitorSettingsComponent {

    private static final Logger LOG = LoggerFactory.getLogger(MonitorSettingsComponent.class);

    private volatile MonitorSettings current = MonitorSettings.DEFAULTS;

    @Activate
    public MonitorSettingsComponent(Map<String, Object> properties) {
        modified(properties);
    }

    @Modified
    void modified(Map<String, Object> properties) {
        MonitorSettings.Read read = MonitorSettings.read(properties);
        read.warnings().forEach(w -> LOG.warn("Configuration {}: {}; the default applies", MonitorConfiguration.PID,
                w));
        current = read.settings();
    }

    /** @return the settings in force */
    MonitorSettings current() {
        return current;
    }
}
