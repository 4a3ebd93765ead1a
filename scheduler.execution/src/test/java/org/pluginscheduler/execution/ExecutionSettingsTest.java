package org.pluginscheduler.execution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.pluginscheduler.api.Priority;

class ExecutionSettingsTest {

    @Test
    void anEmptyConfigurationIsTheDefaults() {
        ExecutionSettings settings = ExecutionSettings.from(Map.of());
        assertEquals(ExecutionSettings.DEFAULTS, settings);
        assertEquals(new ExecutionSettings(2, 8, 2, Duration.ofSeconds(5), Duration.ofSeconds(10)), settings);
        assertEquals(8, settings.threads(Priority.NORMAL));
        assertEquals("realtime.threads=2, worker.threads=8, background.threads=2, stuck.after.seconds=5, "
                + "grace.period.seconds=10, owner.share.percent=50", settings.toString());
        assertEquals(50, settings.ownerSharePercent());
    }

    @Test
    void valuesAreReadWhateverTypeTheyArriveAs() {
        Map<String, Object> properties = new HashMap<>();
        properties.put("realtime.threads", 3); // Integer: Config Admin, typed .config files
        properties.put("worker.threads", 16L); // Long
        properties.put("background.threads", " 4 "); // String: .cfg files
        properties.put("stuck.after.seconds", (short) 7);
        properties.put("grace.period.seconds", 0.0d); // a whole Double
        assertEquals(new ExecutionSettings(3, 16, 4, Duration.ofSeconds(7), Duration.ZERO),
                ExecutionSettings.from(properties));
        assertEquals(1024, ExecutionSettings.from(Map.of("worker.threads", "+1024")).workerThreads());
        assertEquals(12, ExecutionSettings.from(Map.of("worker.threads", BigInteger.valueOf(12))).workerThreads());
    }

    static Stream<Arguments> badThreadValues() {
        return Stream.of(
                Arguments.of("abc", "'abc' is not a whole number"),
                Arguments.of("", "'' is not a whole number"),
                Arguments.of("4.5", "'4.5' is not a whole number"),
                Arguments.of(4.5d, "4.5 is not a whole number"),
                Arguments.of(Double.NaN, "NaN is not a whole number"),
                Arguments.of(true, "true (Boolean) is not a whole number"),
                Arguments.of(new String[] {"4"}, "[4] (String[]) is not a whole number"),
                Arguments.of(new ArrayList<>(List.of(4)), "[4] (ArrayList) is not a whole number"),
                Arguments.of("99999999999", "'99999999999' is not in 1–1024"),
                Arguments.of(99_999_999_999L, "99999999999 is not in 1–1024"),
                Arguments.of("99999999999999999999999", "'99999999999999999999999' is not in 1–1024"),
                Arguments.of(0, "0 is not in 1–1024"),
                Arguments.of(-1, "-1 is not in 1–1024"),
                Arguments.of("-1", "'-1' is not in 1–1024"),
                Arguments.of(1025, "1025 is not in 1–1024"),
                Arguments.of("1025", "'1025' is not in 1–1024"));
    }

    @ParameterizedTest
    @MethodSource("badThreadValues")
    void aBadPoolSizeIsRejectedNamingItsFieldAndValue(Object value, String why) {
        for (String field : List.of("realtime.threads", "worker.threads", "background.threads")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ExecutionSettings.from(Map.of(field, value)));
            assertEquals(field + ": " + why, e.getMessage());
        }
    }

    @Test
    void theStuckDelayIsOneSecondToAnHour() {
        assertEquals(Duration.ofSeconds(1), ExecutionSettings.from(Map.of("stuck.after.seconds", "1")).stuckAfter());
        assertEquals(Duration.ofHours(1), ExecutionSettings.from(Map.of("stuck.after.seconds", 3600)).stuckAfter());
        for (Object bad : List.of(0, -1, 3601, "abc", 99_999_999_999L)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ExecutionSettings.from(Map.of("stuck.after.seconds", bad)));
            assertTrue(e.getMessage().startsWith("stuck.after.seconds: "), e.getMessage());
            assertTrue(e.getMessage().contains(String.valueOf(bad)), e.getMessage());
        }
    }

    @Test
    void theGracePeriodIsZeroToAnHour() {
        assertEquals(Duration.ZERO, ExecutionSettings.from(Map.of("grace.period.seconds", 0)).gracePeriod());
        assertEquals(Duration.ofHours(1), ExecutionSettings.from(Map.of("grace.period.seconds", "3600")).gracePeriod());
        for (Object bad : List.of(-1, 3601, "ten", 99_999_999_999L)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ExecutionSettings.from(Map.of("grace.period.seconds", bad)));
            assertTrue(e.getMessage().startsWith("grace.period.seconds: "), e.getMessage());
            assertTrue(e.getMessage().contains(String.valueOf(bad)), e.getMessage());
        }
    }

    @Test
    void theOwnerShareIsOneToAHundredPercent() {
        assertEquals(1, ExecutionSettings.from(Map.of("owner.share.percent", "1")).ownerSharePercent());
        assertEquals(100, ExecutionSettings.from(Map.of("owner.share.percent", 100)).ownerSharePercent());
        for (Object bad : List.of(0, -1, 101, "half", 99_999_999_999L, 12.5d)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ExecutionSettings.from(Map.of("owner.share.percent", bad)));
            assertTrue(e.getMessage().startsWith("owner.share.percent: "), e.getMessage());
            assertTrue(e.getMessage().contains(String.valueOf(bad)), e.getMessage());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ExecutionSettings(1, 1, 1, Duration.ofSeconds(1), Duration.ZERO, 0));
        assertEquals("owner.share.percent: 0 is not in 1–100", e.getMessage());
    }

    @Test
    void anOwnersShareIsItsPercentageOfThePoolRoundedDownAndAtLeastOneThread() {
        assertEquals(4, ExecutionSettings.share(8, 50), "the default leaves half of a pool of 8 to the others");
        assertEquals(1, ExecutionSettings.share(3, 50), "rounded down: 2 of 3 left to the others");
        assertEquals(1, ExecutionSettings.share(2, 50));
        assertEquals(1, ExecutionSettings.share(1, 50), "a pool of one: one owner can hold it");
        assertEquals(1, ExecutionSettings.share(8, 1), "never less than one thread");
        assertEquals(8, ExecutionSettings.share(8, 100), "100 %: no bulkhead");
        assertEquals(1013, ExecutionSettings.share(1024, 99), "1013.76 rounded down");
        ExecutionSettings settings = new ExecutionSettings(2, 8, 3, Duration.ofSeconds(5), Duration.ZERO, 75);
        assertEquals(List.of(1, 6, 2), List.of(settings.share(Priority.REALTIME), settings.share(Priority.NORMAL),
                settings.share(Priority.BACKGROUND)));
    }

    @Test
    void everyBadFieldIsNamedAtOnce() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ExecutionSettings.from(
                Map.of("worker.threads", "abc", "stuck.after.seconds", 0, "realtime.threads", 2)));
        assertEquals("worker.threads: 'abc' is not a whole number; stuck.after.seconds: 0 is not in 1–3600",
                e.getMessage());
    }

    @Test
    void theRecordChecksItsRangesToo() {
        assertThrows(IllegalArgumentException.class,
                () -> new ExecutionSettings(0, 1, 1, Duration.ofSeconds(1), Duration.ZERO));
        assertThrows(IllegalArgumentException.class,
                () -> new ExecutionSettings(1, 1, 1, Duration.ofMillis(999), Duration.ZERO));
        assertThrows(IllegalArgumentException.class,
                () -> new ExecutionSettings(1, 1, 1, Duration.ofSeconds(1), Duration.ofSeconds(-1)));
    }

    @Test
    void unknownKeysAreListedWithTheKeyTheyMostResemble() {
        Map<String, Object> properties = new HashMap<>();
        properties.put("worker.thread", 4);
        properties.put("worker_threads", 4);
        properties.put("grace.period", 4);
        properties.put("owner.share.percnt", 4);
        properties.put("stuck.after.ms", 4);
        properties.put("REALTIME.THREADS", 4);
        properties.put("worker.threads", 4);
        properties.put("service.pid", ExecutionConfiguration.PID);
        properties.put("component.name", "x");
        properties.put("component.id", 3L);
        properties.put("felix.fileinstall.filename", "file:/etc/org.pluginscheduler.execution.cfg");
        properties.put("osgi.ds.satisfying.condition.target", "(osgi.condition.id=true)");
        assertEquals(Map.of("worker.thread", "worker.threads", "worker_threads", "worker.threads",
                "grace.period", "grace.period.seconds", "stuck.after.ms", "stuck.after.seconds",
                "owner.share.percnt", "owner.share.percent",
                "REALTIME.THREADS", "realtime.threads"), ExecutionSettings.unknownKeys(properties));
    }
}
