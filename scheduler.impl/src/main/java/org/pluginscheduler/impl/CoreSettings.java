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
import org.pluginscheduler.internal.config.ConfigReader;
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
                d.groups(), RECOVERY_DELAY, Settings.PROVIDER_READ_TIMEOUT);
    }

    static String describe(Settings s) {
        return "default zone " + s.defaultZone() + ", grace period " + s.gracePeriod() + ", lock retry delay "
                + s.lockRetryDelay() + ", default misfire " + s.defaultMisfire().kind() + ", tenants " + s.tenants()
                + ", groups " + s.groups().keySet() + ", provider read timeout " + s.providerReadTimeout();
    }

    /** Warns, naming each, about pool and stuck-run keys that now belong to the execution service's PID. */
    static void warnMoved(Map<String, ?> properties) {
        for (String key : MOVED_TO_EXECUTION) {
            if (properties.containsKey(key)) {
                LOG.warn("Configuration {}: '{}' is ignored here; it moved to configuration {} (the execution "
                        + "service, etc/{}.cfg)", SchedulerConfiguration.PID, key, EXECUTION_PID, EXECUTION_PID);
            }
        }
    }

    /** The keys of this PID, in the order they are described; the moved keys are warned about separately. */
    static final List<String> KEYS = List.of("default.zone", "grace.period.seconds", "lock.retry.delay.ms",
            "default.misfire", "tenants", "groups", "provider.read.timeout.ms");

    /**
     * Reads the raw properties (not the typed {@link SchedulerConfiguration}: a value Declarative Services cannot
     * convert, such as {@code grace.period.seconds = 99999999999}, would throw from the annotation method and kill
     * the update without naming the field). Warns once per unknown key, naming the closest known one.
     *
     * @return the settings, or empty (after one ERROR naming every bad field and its value) to keep the last good
     *         ones
     */
    static Optional<Settings> validate(Map<String, ?> properties) {
        ConfigReader r = new ConfigReader(properties, KEYS);
        Map<String, String> unknown = r.unknownKeys();
        unknown.keySet().removeAll(MOVED_TO_EXECUTION);
        unknown.forEach((key, closest) -> LOG.warn("Configuration {}: unknown key '{}' is ignored; did you mean "
                + "'{}'?", SchedulerConfiguration.PID, key, closest));
        try {
            return Optional.of(read(r));
        } catch (IllegalArgumentException e) {
            LOG.error("Configuration {} rejected: {}; the last good configuration stays in force",
                    SchedulerConfiguration.PID, e.getMessage());
            return Optional.empty();
        }
    }

    /** @throws IllegalArgumentException naming every bad field and its value */
    static Settings read(ConfigReader r) {
        ZoneId zone = r.parse("default.zone", ZoneId.systemDefault(), text -> {
            try {
                return ZoneId.of(text);
            } catch (DateTimeException e) {
                throw new IllegalArgumentException("unknown time zone '" + text + "'");
            }
        });
        int grace = r.integer("grace.period.seconds", 10, 0, 3600);
        long lockRetry = r.longValue("lock.retry.delay.ms", 1000, 1, 3_600_000);
        MisfirePolicy misfire = r.parse("default.misfire", MisfirePolicy.runOnce(),
                text -> fieldless("default.misfire", () -> misfire(text)));
        List<String> tenants = new ArrayList<>();
        for (String t : r.list("tenants", "[,\\s]+")) {
            if (!TaskId.ID_PATTERN.matcher(t).matches()) {
                r.problem("tenants", "'" + t + "' must match " + TaskId.ID_PATTERN.pattern());
            } else if (tenants.contains(t)) {
                r.problem("tenants", "'" + t + "' is listed twice");
            } else {
                tenants.add(t);
            }
        }
        List<String> groupEntries = r.list("groups", ";");
        Map<String, GroupLimits.Limit> groups = Map.of();
        if (!groupEntries.isEmpty()) {
            groups = r.parse("groups", Map.of(),
                    any -> fieldless("groups", () -> GroupLimits.parse(groupEntries.toArray(String[]::new))));
        }
        long providerReadTimeout = r.longValue("provider.read.timeout.ms",
                Settings.PROVIDER_READ_TIMEOUT.toMillis(), 100, 3_600_000);
        r.check();
        return new Settings(zone, Duration.ofSeconds(grace), Duration.ofMillis(lockRetry), misfire, tenants, groups,
                RECOVERY_DELAY, Duration.ofMillis(providerReadTimeout));
    }

    /** Runs a parser whose messages start with {@code "<field>: "}, dropping that (the reader adds it). */
    private static <T> T fieldless(String field, java.util.function.Supplier<T> parser) {
        try {
            return parser.get();
        } catch (IllegalArgumentException e) {
            String m = String.valueOf(e.getMessage());
            throw new IllegalArgumentException(m.startsWith(field + ": ") ? m.substring(field.length() + 2) : m);
        }
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
