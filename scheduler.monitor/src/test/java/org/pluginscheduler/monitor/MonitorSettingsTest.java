package org.pluginscheduler.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

class MonitorSettingsTest {

    @Test
    void noConfigurationIsTheDefaults() {
        MonitorSettings.Read read = MonitorSettings.read(Map.of());
        assertEquals(MonitorSettings.DEFAULTS, read.settings());
        assertEquals(10_000, read.settings().maxTaskSeries());
        assertTrue(read.warnings().isEmpty());
    }

    @Test
    void valuesOfEveryTypeAreRead() {
        MonitorSettings s = MonitorSettings.read(Map.of("lag.warn", "pt2s", "lag.critical", "PT30S",
                "store.slow", "PT0.5S", "stuck.critical", "3", "max.task.series", 500L)).settings();
        assertEquals(new MonitorSettings(Duration.ofSeconds(2), Duration.ofSeconds(30), Duration.ofMillis(500), 3,
                500), s);
    }

    @Test
    void aBadValueIsAWarningNamingThePropertyAndKeepsItsDefault() {
        MonitorSettings.Read read = MonitorSettings.read(Map.of("lag.warn", "5 seconds", "max.task.series", "0",
                "stuck.critical", "many", "lag.critical", "PT2M"));
        assertEquals(MonitorSettings.DEFAULTS.lagWarn(), read.settings().lagWarn());
        assertEquals(Duration.ofMinutes(2), read.settings().lagCritical(), "a good value next to bad ones applies");
        assertEquals(MonitorSettings.DEFAULTS.maxTaskSeries(), read.settings().maxTaskSeries());
        assertEquals(MonitorSettings.DEFAULTS.stuckCritical(), read.settings().stuckCritical());
        String warnings = String.join("\n", read.warnings());
        assertTrue(warnings.contains("lag.warn: '5 seconds' is not an ISO-8601 duration"), warnings);
        assertTrue(warnings.contains("max.task.series: '0' is not in 1–1000000"), warnings);
        assertTrue(warnings.contains("stuck.critical: 'many' is not a whole number"), warnings);
        assertEquals(3, read.warnings().size(), warnings);
    }

    @Test
    void aCriticalLagBelowTheWarningIsRefusedForBoth() {
        MonitorSettings.Read read = MonitorSettings.read(Map.of("lag.warn", "PT10S", "lag.critical", "PT5S"));
        assertEquals(MonitorSettings.DEFAULTS.lagWarn(), read.settings().lagWarn());
        assertEquals(MonitorSettings.DEFAULTS.lagCritical(), read.settings().lagCritical());
        assertTrue(read.warnings().get(0).startsWith("lag.critical: PT5S is below lag.warn PT10S"),
                read.warnings().toString());
    }

    @Test
    void anUnknownKeyIsAWarningWithTheClosestKnownOne() {
        MonitorSettings.Read read = MonitorSettings.read(Map.of("max.task.serie", "5", "service.pid", "x"));
        assertEquals(1, read.warnings().size(), read.warnings().toString());
        assertTrue(read.warnings().get(0).contains("did you mean 'max.task.series'"), read.warnings().toString());
    }
}
