package org.pluginscheduler.impl;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.pluginscheduler.api.MisfirePolicy;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.impl.core.GroupLimits;
import org.pluginscheduler.impl.core.Settings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads configuration {@value SchedulerConfiguration#PID} into the core's {@link Settings}, in one place: every
 * rejected value is logged naming its field, and the last good settings stay in force.
 */
final class CoreSettings {

    private static final Logger LOG = LoggerFactory.getLogger(CoreSettings.class);

    /**
     * How long after start-up abandoned runs wait for their retry decision, so failure handlers (retry rules,
     * plugin hooks) that start alongside the scheduler are bound by then.
     */
    static final Duration RECOVERY_DELAY = Duration.ofSeconds(3);

    /** Keys that belonged to this PID before execution became a bundle of its own. */
    static final Set<String> MOVED_TO_EXECUTION = Set.of("worker.threads", "realtime.threads", "background.threads",
            "stuck.after.seconds");

    /** The PID of the execution service's configuration (scheduler.execution). */
    static final String EXECUTION_PID = "org.pluginscheduler.execution";

    private CoreSettings() {
    }

    static Settings defaults() {
        Settings d = Settings.defaults(ZoneId.systemDefault(), Duration.ofSeconds(10));
        return new Settings(d.defaultZone(), d.gracePeriod(), d.lockRetryDelay(), d.defaultMisfire(), d.tenants(),
                d.groups(), RECOVERY_DELAY);
    }

    static String describe(Settings s) {
        return "default zone " + s.defaultZone() + ", grace period " + s.gracePeriod() + ", lock retry delay "
                + s.lockRetryDelay() + ", default misfire " + s.defaultMisfire().kind() + ", tenants " + s.tenants()
                + ", groups " + s.groups().keySet();
    }

    /** Warns, naming each, about pool and stuck-run keys that now belong to the execution service's PID. */
    static void warnMoved(Map<String, Object> properties) {
        for (String key : MOVED_TO_EXECUTION) {
            if (properties.containsKey(key)) {
                LOG.warn("Configuration {}: '{}' is ignored here; it moved to configuration {} (the execution "
                        + "service, etc/{}.cfg)", SchedulerConfiguration.PID, key, EXECUTION_PID, EXECUTION_PID);
            }
        }
    }

    /** @return the settings, or empty (after logging which field is wrong) to keep the last good ones */
    static Optional<Settings> validate(SchedulerConfiguration c) {
        try {
            ZoneId zone = ZoneId.systemDefault();
            if (!c.default_zone().isBlank()) {
                try {
                    zone = ZoneId.of(c.default_zone().trim());
                } catch (DateTimeException e) {
                    throw new IllegalArgumentException("default.zone: unknown time zone '" + c.default_zone() + "'");
                }
            }
            if (c.grace_period_seconds() < 0 || c.grace_period_seconds() > 3600) {
                throw new IllegalArgumentException("grace.period.seconds: " + c.grace_period_seconds()
                        + " is not in 0–3600");
            }
            if (c.lock_retry_delay_ms() < 1 || c.lock_retry_delay_ms() > 3_600_000) {
                throw new IllegalArgumentException("lock.retry.delay.ms: " + c.lock_retry_delay_ms()
                        + " is not in 1–3600000");
            }
            MisfirePolicy misfire = misfire(c.default_misfire());
            List<String> tenants = new ArrayList<>();
            for (String tenant : split(c.tenants(), "[,\\s]+")) {
                String t = tenant.trim();
                if (t.isEmpty()) {
                    continue;
                }
                if (!TaskId.ID_PATTERN.matcher(t).matches()) {
                    throw new IllegalArgumentException("tenants: '" + t + "' must match " + TaskId.ID_PATTERN.pattern());
                }
                if (tenants.contains(t)) {
                    throw new IllegalArgumentException("tenants: '" + t + "' is listed twice");
                }
                tenants.add(t);
            }
            Map<String, GroupLimits.Limit> groups = GroupLimits.parse(split(c.groups(), ";").toArray(String[]::new));
            return Optional.of(new Settings(zone, Duration.ofSeconds(c.grace_period_seconds()),
                    Duration.ofMillis(c.lock_retry_delay_ms()), misfire, tenants, groups, RECOVERY_DELAY));
        } catch (IllegalArgumentException e) {
            // DS throws IllegalArgumentException too when a value cannot be converted (e.g. "ten" for an int)
            LOG.error("Configuration {} rejected: {}; the last good configuration stays in force",
                    SchedulerConfiguration.PID, e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * A list property arrives as an array (a .config file or Config Admin) or as one string (a .cfg file); a
     * string is split, so {@code tenants = acme, globex} and {@code groups = a:concurrency=1; b:rate=5/PT1M} work.
     */
    private static List<String> split(String[] values, String separator) {
        List<String> result = new ArrayList<>();
        for (String value : values == null ? new String[0] : values) {
            for (String part : value.split(separator)) {
                if (!part.isBlank()) {
                    result.add(part.trim());
                }
            }
        }
        return result;
    }

    static MisfirePolicy misfire(String text) {
        String t = text.trim().toUpperCase(Locale.ROOT);
        if (t.equals("RUN_ONCE")) {
            return MisfirePolicy.runOnce();
        }
        if (t.equals("SKIP")) {
            return MisfirePolicy.skip();
        }
        if (t.startsWith("CATCH_UP:")) {
            try {
                return MisfirePolicy.catchUp(Integer.parseInt(t.substring("CATCH_UP:".length()).trim()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("default.misfire: '" + text + "' needs a maximum in 1–10000, "
                        + "e.g. CATCH_UP:10");
            }
        }
        throw new IllegalArgumentException("default.misfire: '" + text + "' is not RUN_ONCE, SKIP or CATCH_UP:<max>");
    }
}
