package org.pluginscheduler.monitor;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.pluginscheduler.internal.config.ConfigReader;

/**
 * The monitor's settings, read from configuration {@value MonitorConfiguration#PID}.
 *
 * @param lagWarn       fire lag p99 (and overdue fires) above this: WARN
 * @param lagCritical   fire lag p99 (and overdue fires) above this: CRITICAL
 * @param storeSlow     a store probe slower than this: WARN
 * @param stuckCritical stuck runs from this many: CRITICAL (one is a WARN)
 * @param maxTaskSeries distinct task label values at most; further tasks are counted as {@value TaskLabels#OTHER}
 */
record MonitorSettings(Duration lagWarn, Duration lagCritical, Duration storeSlow, int stuckCritical,
                       int maxTaskSeries) {

    static final int DEFAULT_MAX_TASK_SERIES = 10_000;

    static final List<String> KEYS = List.of("lag.warn", "lag.critical", "store.slow", "stuck.critical",
            "max.task.series");

    static final MonitorSettings DEFAULTS = new MonitorSettings(Duration.ofSeconds(5), Duration.ofSeconds(60),
            Duration.ofSeconds(1), 10, DEFAULT_MAX_TASK_SERIES);

    /**
     * The settings and what was wrong with the configuration.
     *
     * @param warnings one per bad or unknown property, naming it; a bad property's default is used
     */
    record Read(MonitorSettings settings, List<String> warnings) {
    }

    /** Reads the raw properties; never fails: each bad value is a warning and keeps its default. */
    static Read read(Map<String, ?> properties) {
        ConfigReader r = new ConfigReader(properties, KEYS);
        Duration lagWarn = r.parse("lag.warn", DEFAULTS.lagWarn, v -> ConfigReader.duration(v, false));
        Duration lagCritical = r.parse("lag.critical", DEFAULTS.lagCritical, v -> ConfigReader.duration(v, false));
        Duration storeSlow = r.parse("store.slow", DEFAULTS.storeSlow, v -> ConfigReader.duration(v, false));
        int stuckCritical = r.integer("stuck.critical", DEFAULTS.stuckCritical, 1, Integer.MAX_VALUE);
        int maxTaskSeries = r.integer("max.task.series", DEFAULTS.maxTaskSeries, 1, 1_000_000);
        List<String> warnings = new ArrayList<>(r.problems());
        if (lagCritical.compareTo(lagWarn) < 0) {
            warnings.add("lag.critical: " + lagCritical + " is below lag.warn " + lagWarn + "; using "
                    + DEFAULTS.lagWarn + " and " + DEFAULTS.lagCritical);
            lagWarn = DEFAULTS.lagWarn;
            lagCritical = DEFAULTS.lagCritical;
        }
        r.unknownKeyWarnings().forEach(warnings::add);
        return new Read(new MonitorSettings(lagWarn, lagCritical, storeSlow, stuckCritical, maxTaskSeries),
                List.copyOf(warnings));
    }
}
