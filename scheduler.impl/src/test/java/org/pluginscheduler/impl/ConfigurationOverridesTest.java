package org.pluginscheduler.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.pluginscheduler.api.Priority;
import org.pluginscheduler.api.RetryPolicy;
import org.pluginscheduler.api.Schedule;
import org.pluginscheduler.api.TaskDefinition;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.TaskState;
import org.pluginscheduler.impl.core.ExecutorWorkers;
import org.pluginscheduler.impl.core.ManualExecutor;
import org.pluginscheduler.impl.core.MutableClock;
import org.pluginscheduler.impl.core.ProviderHandle;
import org.pluginscheduler.impl.core.SchedulerEngine;
import org.pluginscheduler.impl.core.SchedulerEngineTest.TestProvider;
import org.pluginscheduler.impl.core.Settings;
import org.pluginscheduler.impl.core.TaskOverride;
import org.pluginscheduler.impl.store.InMemoryTaskStore;

/** Per-task overrides and configuration-defined jobs: parsing, precedence, live application. */
class ConfigurationOverridesTest {

    private static final Instant T0 = Instant.parse("2026-06-01T10:00:00Z");
    private final MutableClock clock = new MutableClock(T0);
    private final ManualExecutor workers = new ManualExecutor();
    private final SchedulerEngine engine = new SchedulerEngine(clock, Runnable::run, new ExecutorWorkers(workers),
            new InMemoryTaskStore(10), Settings.defaults(ZoneId.of("UTC"), Duration.ofSeconds(1)));

    @SuppressWarnings("unchecked")
    static <A> A annotation(Class<A> type, Map<String, Object> values) {
        return (A) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (proxy, method, args) ->
                values.containsKey(method.getName()) ? values.get(method.getName()) : method.getDefaultValue());
    }

    /** Raw properties: {@code values} keyed by method name ({@code _} for {@code .}). */
    private static Map<String, Object> override(Map<String, ?> values) {
        Map<String, Object> properties = new java.util.HashMap<>();
        values.forEach((k, v) -> properties.put(k.replace('_', '.'), v));
        return properties;
    }

    private static Map<String, Object> job(Map<String, ?> values, Map<String, ?> more) {
        Map<String, Object> properties = override(values);
        properties.putAll(more);
        return properties;
    }

    @Test
    void anOverrideReplacesWhatItNamesAndGoesAwayWithItsConfiguration() {
        engine.providerAdded(ProviderHandle.forProvider("p", 1, "p 1", "provider", new TestProvider(
                TaskDefinition.builder("t").schedule("cron:0 3 * * *").build())));
        TaskId id = TaskId.parse("p:t");
        engine.override("pid-1", Optional.of(TaskOverrideComponent.parse(override(Map.of("task", "p:t",
                "schedule", "cron:30 4 * * *", "enabled", "false", "max_retries", "3", "timeout", "PT5M")))));
        TaskDefinition effective = engine.task(id).orElseThrow().definition().orElseThrow();
        assertEquals("cron:30 4 * * *", effective.scheduleText());
        assertEquals(TaskState.DISABLED, engine.task(id).orElseThrow().state());
        assertEquals(3, effective.retryPolicy().maxRetries());
        assertEquals(RetryPolicy.fixed(3, Duration.ofSeconds(30)), effective.retryPolicy());
        assertEquals(Optional.of(Duration.ofMinutes(5)), effective.timeout());

        engine.setEnabled(id, true); // the shell wins over the file
        assertEquals(TaskState.ACTIVE, engine.task(id).orElseThrow().state());

        engine.override("pid-1", Optional.empty());
        assertEquals("cron:0 3 * * *", engine.task(id).orElseThrow().scheduleText());
        assertEquals(Optional.of(Instant.parse("2026-06-02T03:00:00Z")), engine.task(id).orElseThrow().nextFire());
    }

    @Test
    void anOverrideKeepsTheTasksOwnRetryDelays() {
        TaskDefinition d = TaskDefinition.builder("t").schedule("cron:0 3 * * *")
                .retry(RetryPolicy.linear(1, Duration.ofSeconds(5), Duration.ofSeconds(5))).build();
        TaskOverride o = TaskOverrideComponent.parse(override(Map.of("task", "p:t", "max_retries", "4")));
        RetryPolicy p = o.applyTo(d).retryPolicy();
        assertEquals(4, p.maxRetries());
        assertEquals(Duration.ofSeconds(15), p.delayBefore(3));
    }

    @Test
    void badOverrideValuesNameTheirField() {
        assertEquals("task: is required (a qualified id such as my.plugin:nightly)",
                message(() -> TaskOverrideComponent.parse(override(Map.of("task", "")))));
        assertEquals("schedule: minute: 61 is not in 0–59", message(() -> TaskOverrideComponent.parse(
                override(Map.of("task", "p:t", "schedule", "cron:61 * * * *")))));
        assertEquals("enabled: 'yes' is not true or false",
                message(() -> TaskOverrideComponent.parse(override(Map.of("task", "p:t", "enabled", "yes")))));
        assertEquals("max.retries: 'many' is not a whole number",
                message(() -> TaskOverrideComponent.parse(override(Map.of("task", "p:t", "max_retries", "many")))));
        assertEquals("max.retries: '99999999999' is not in 0–1000; timeout: 'soon' is not an ISO-8601 duration such as PT5M",
                message(() -> TaskOverrideComponent.parse(override(Map.of("task", "p:t", "max_retries", "99999999999",
                        "timeout", "soon")))));
        assertEquals("timeout: 'soon' is not an ISO-8601 duration such as PT5M",
                message(() -> TaskOverrideComponent.parse(override(Map.of("task", "p:t", "timeout", "soon")))));
    }

    @Test
    void aJobIsDefinedByItsConfiguration() {
        Map<String, Object> c = override(Map.of("id", "purge", "schedule", "cron:0 2 * * *",
                "handler", "purge-cache", "priority", "background", "max_retries", 2, "lock_keys",
                new String[] {"cache, db"}));
        TaskDefinition d = JobComponent.definition(job(c, Map.of("config.region", "eu")));
        assertEquals("purge", d.id());
        assertEquals(Schedule.parse("cron:0 2 * * *"), d.schedule());
        assertEquals(Priority.BACKGROUND, d.priority());
        assertEquals(2, d.retryPolicy().maxRetries());
        assertEquals(List.of("cache", "db"), List.copyOf(d.lockKeys()));
        assertEquals(Map.of("region", "eu"), d.config());
        assertEquals("handler: is required (the task.handler name of a TaskAction service)",
                message(() -> JobComponent.definition(job(
                        Map.of("id", "x", "schedule", "every:PT1M", "handler", " "), Map.of()))));
        assertTrue(message(() -> JobComponent.definition(job(
                Map.of("id", "x", "schedule", "cron:nope", "handler", "h"), Map.of()))).startsWith("schedule: "));
        assertEquals("priority: 'URGENT' is not REALTIME, NORMAL or BACKGROUND", message(() -> JobComponent.definition(
                job(Map.of("id", "x", "schedule", "every:PT1M", "handler", "h",
                        "priority", "URGENT"), Map.of()))));
        assertEquals("enabled: 'maybe' is not true or false; dead.letter: 1 is not true or false; "
                + "max.retries: 'abc' is not a whole number", message(() -> JobComponent.definition(
                job(Map.of("id", "x", "schedule", "every:PT1M", "handler", "h", "enabled", "maybe",
                        "max.retries", "abc", "dead.letter", 1), Map.of()))));
        assertEquals(Map.of("enabeld", "enabled"), JobComponent.reader(Map.of("id", "x", "enabeld", "true",
                "config.region", "eu", "service.factoryPid", "f")).unknownKeys());
    }

    @Test
    void aRetiredJobIsDormantAndARemovedOneIsGone() {
        TaskId id = engine.addTask(SchedulerComponent.JOBS_BUNDLE_ID, "config", "configuration x",
                TaskDefinition.builder("purge").schedule("every:PT1M").build(), run -> null, true);
        engine.retireAdHoc(id);
        assertEquals(TaskState.DORMANT, engine.task(id).orElseThrow().state());
        engine.addTask(SchedulerComponent.JOBS_BUNDLE_ID, "config", "configuration x",
                TaskDefinition.builder("purge").schedule("every:PT1M").build(), run -> null, true);
        assertEquals(TaskState.ACTIVE, engine.task(id).orElseThrow().state());
        assertTrue(engine.removeTask(id));
        assertTrue(engine.task(id).isEmpty());
        assertThrows(IllegalStateException.class, () -> {
            engine.providerAdded(ProviderHandle.forProvider("p", 1, "p 1", "provider", new TestProvider(
                    TaskDefinition.builder("t").schedule("every:PT1M").build())));
            engine.removeTask(TaskId.parse("p:t"));
        });
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
