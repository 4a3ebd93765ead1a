package org.pluginscheduler.impl.core;

import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;

import org.pluginscheduler.api.MisfirePolicy;
import org.pluginscheduler.impl.SchedulerComponent;

/**
 * The core's settings, validated by {@link SchedulerComponent} from configuration
 * {@code org.pluginscheduler.scheduler}.
 *
 * @param defaultZone    the zone of schedules that name none
 * @param gracePeriod    how long departing providers' cancelled runs (and at stop, running work) are awaited
 * @param lockRetryDelay how long a run waits before trying again for a held lock or a full group
 * @param defaultMisfire the misfire policy of definitions that name none
 * @param tenants        the tenants per-tenant tasks are instantiated for
 * @param groups         concurrency and rate limits per group
 * @param recoveryDelay  how long after start-up abandoned runs wait for their retry decision
 * @param providerReadTimeout how long a provider's {@code tasks()} may take before the provider is reported as a
 *                       problem (its read goes on, on its own thread; nobody else waits for it)
 */
public record Settings(ZoneId defaultZone, Duration gracePeriod, Duration lockRetryDelay, MisfirePolicy defaultMisfire,
                List<String> tenants, Map<String, GroupLimits.Limit> groups, Duration recoveryDelay,
                Duration providerReadTimeout) {

    /** The default of {@link #providerReadTimeout()}. */
    public static final Duration PROVIDER_READ_TIMEOUT = Duration.ofSeconds(10);

    public Settings {
        tenants = List.copyOf(tenants);
        groups = Map.copyOf(groups);
        if (providerReadTimeout.isNegative() || providerReadTimeout.isZero()) {
            throw new IllegalArgumentException("providerReadTimeout must be positive: " + providerReadTimeout);
        }
    }

    public Settings(ZoneId defaultZone, Duration gracePeriod, Duration lockRetryDelay, MisfirePolicy defaultMisfire,
             List<String> tenants, Map<String, GroupLimits.Limit> groups, Duration recoveryDelay) {
        this(defaultZone, gracePeriod, lockRetryDelay, defaultMisfire, tenants, groups, recoveryDelay,
                PROVIDER_READ_TIMEOUT);
    }

    public Settings(ZoneId defaultZone, Duration gracePeriod, Duration lockRetryDelay, MisfirePolicy defaultMisfire,
             List<String> tenants, Map<String, GroupLimits.Limit> groups) {
        this(defaultZone, gracePeriod, lockRetryDelay, defaultMisfire, tenants, groups, Duration.ZERO);
    }

    public static Settings defaults(ZoneId zone, Duration gracePeriod) {
        return new Settings(zone, gracePeriod, Duration.ofSeconds(1), MisfirePolicy.runOnce(), List.of(),
                Map.of(), Duration.ZERO);
    }

    /** @return these settings with another provider read timeout */
    public Settings withProviderReadTimeout(Duration timeout) {
        return new Settings(defaultZone, gracePeriod, lockRetryDelay, defaultMisfire, tenants, groups, recoveryDelay,
                timeout);
    }
}
