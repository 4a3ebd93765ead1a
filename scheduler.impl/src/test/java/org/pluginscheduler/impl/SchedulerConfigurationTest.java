package org.pluginscheduler.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.pluginscheduler.api.MisfirePolicy;
import org.pluginscheduler.api.Priority;
import org.pluginscheduler.impl.core.GroupLimits;
import org.pluginscheduler.impl.core.Settings;

/** Validation of {@link SchedulerConfiguration}: every field, named in the error, and list properties split. */
class SchedulerConfigurationTest {

    /** Raw properties as Config Admin passes them: {@code values} keyed by method name ({@code _} for {@code .}). */
    static Map<String, Object> config(Map<String, Object> values) {
        Map<String, Object> properties = new java.util.HashMap<>();
        values.forEach((k, v) -> properties.put(k.replace('_', '.'), v));
        return properties;
    }

    @Test
    void defaultsAreValid() {
        Settings v = CoreSettings.validate(config(Map.of())).orElseThrow();
        assertEquals(ZoneId.systemDefault(), v.defaultZone());
        assertEquals(Duration.ofSeconds(10), v.gracePeriod());
        assertEquals(MisfirePolicy.runOnce(), v.defaultMisfire());
    }

    @Test
    void listPropertiesFromACfgFileAreSplit() {
        Map<String, Object> values = new HashMap<>();
        values.put("tenants", new String[] {"acme, globex"});
        values.put("groups", new String[] {"reports:concurrency=2,rate=10/PT1M; exports:concurrency=1"});
        values.put("default_zone", "Europe/Paris");
        values.put("default_misfire", "catch_up:5");
        Settings s = CoreSettings.validate(config(values)).orElseThrow();
        assertEquals(List.of("acme", "globex"), s.tenants());
        assertEquals(new GroupLimits.Limit(2, 10, Duration.ofMinutes(1)), s.groups().get("reports"));
        assertEquals(new GroupLimits.Limit(1, 0, Duration.ZERO), s.groups().get("exports"));
        assertEquals(ZoneId.of("Europe/Paris"), s.defaultZone());
        assertEquals(MisfirePolicy.catchUp(5), s.defaultMisfire());
    }

    @Test
    void aBadValueIsRejectedSoTheLastGoodConfigurationStays() {
        assertEquals(Optional.empty(), CoreSettings.validate(config(Map.of("default_zone", "Mars/Olympus"))));
        assertEquals(Optional.empty(), CoreSettings.validate(config(Map.of("grace_period_seconds", -1))));
        assertEquals(Optional.empty(), CoreSettings.validate(config(Map.of("default_misfire", "SOMETIMES"))));
        assertEquals(Optional.empty(), CoreSettings.validate(config(Map.of("tenants", new String[] {"a b@"}))));
        assertEquals(Optional.empty(), CoreSettings.validate(config(Map.of("groups", new String[] {"x:speed=2"}))));
    }

    @Test
    void errorsNameTheField() {
        assertEquals("default.misfire: 'SOMETIMES' is not RUN_ONCE, SKIP or CATCH_UP:<max>",
                message(() -> CoreSettings.misfire("SOMETIMES")));
        assertEquals("default.misfire: 'CATCH_UP:0' needs a maximum in 1–10000, e.g. CATCH_UP:10",
                message(() -> CoreSettings.misfire("CATCH_UP:0")));
        assertEquals("groups: unknown limit 'speed' in 'x:speed=2' (use concurrency and rate)",
                message(() -> GroupLimits.parse(new String[] {"x:speed=2"})));
        assertEquals("groups: rate in 'x:rate=fast' is not N/PERIOD, e.g. 10/PT1M",
                message(() -> GroupLimits.parse(new String[] {"x:rate=fast"})));
        assertTrue(message(() -> GroupLimits.parse(new String[] {"x:concurrency=1", "x:rate=1/PT1S"}))
                .contains("configured twice"));
    }

    /** What DS could not convert, or converted silently, is now a problem naming field and value. */
    @Test
    void rawValuesThatDoNotConvertNameFieldAndValue() {
        assertEquals("grace.period.seconds: '99999999999' is not in 0–3600",
                readMessage(Map.of("grace.period.seconds", "99999999999")));
        assertEquals("grace.period.seconds: 'ten' is not a whole number",
                readMessage(Map.of("grace.period.seconds", "ten")));
        assertEquals("lock.retry.delay.ms: '1e3' is not a whole number; default.zone: unknown time zone 'Mars/X'",
                readMessage(Map.of("lock.retry.delay.ms", "1e3", "default.zone", "Mars/X")).replaceAll(
                        "^(default.zone: [^;]*); (.*)$", "$2; $1"));
        assertEquals("groups: rate in 'x:rate=fast' is not N/PERIOD, e.g. 10/PT1M",
                readMessage(Map.of("groups", "x:rate=fast")));
        assertEquals("default.misfire: 'SOMETIMES' is not RUN_ONCE, SKIP or CATCH_UP:<max>",
                readMessage(Map.of("default.misfire", "SOMETIMES")));
        Settings s = CoreSettings.validate(Map.of("tenants", "acme, globex", "groups", "a:concurrency=1; b:rate=5/PT1M",
                "grace.period.seconds", 20L, "worker.thread", "4", "service.pid", "x")).orElseThrow();
        assertEquals(java.util.List.of("acme", "globex"), s.tenants());
        assertEquals(java.util.Set.of("a", "b"), s.groups().keySet());
        assertEquals(java.time.Duration.ofSeconds(20), s.gracePeriod());
    }

    @Test
    void theProviderReadTimeoutIsReadInMillisecondsAndCheckedByName() {
        assertEquals(Settings.PROVIDER_READ_TIMEOUT, CoreSettings.validate(Map.of()).orElseThrow()
                .providerReadTimeout());
        assertEquals(Duration.ofMillis(1500), CoreSettings.validate(Map.of("provider.read.timeout.ms", "1500"))
                .orElseThrow().providerReadTimeout());
        assertEquals("provider.read.timeout.ms: '50' is not in 100–3600000",
                readMessage(Map.of("provider.read.timeout.ms", "50")));
        assertEquals(Optional.empty(), CoreSettings.validate(config(Map.of("provider_read_timeout_ms", 0L))));
    }

    private static String readMessage(Map<String, ?> properties) {
        return message(() -> CoreSettings.read(new org.pluginscheduler.internal.config.ConfigReader(properties,
                CoreSettings.KEYS)));
    }

    private static String message(Runnable r) {
        try {
            r.run();
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
        throw new AssertionError("no error");
    }
}

