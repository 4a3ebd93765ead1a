package org.pluginscheduler.impl.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.pluginscheduler.api.MisfirePolicy;
import org.pluginscheduler.api.OverlapPolicy;
import org.pluginscheduler.api.Priority;
import org.pluginscheduler.api.RetryPolicy;
import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.TaskAction;
import org.pluginscheduler.api.TaskDefinition;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.TaskInfo;
import org.pluginscheduler.api.TaskResult;
import org.pluginscheduler.api.TaskState;
import org.pluginscheduler.impl.store.InMemoryTaskStore;

/** A task service's properties read into a definition, and the service run as a provider of one task. */
class TaskServicesTest {

    private static final Instant T0 = Instant.parse("2026-06-01T10:00:00Z");

    @Test
    void theSmallestTaskServiceTakesItsIdFromItsComponentNameAndTheDefaultsOfAProvidersDefinition() {
        TaskServices.Described d = TaskServices.describe(Map.of("scheduler.task.schedule", "cron:0 3 * * *",
                "component.name", "com.example.reports.NightlyCleanup", "component.id", 12L,
                "service.id", 40L, "objectClass", new String[] {"java.lang.Runnable"}));
        assertEquals(List.of(), d.problems());
        TaskDefinition expected = TaskDefinition.builder("NightlyCleanup").schedule("cron:0 3 * * *")
                .retry(RetryPolicy.none()).build();
        assertEquals(expected, d.definition());
        assertEquals("Outer-Inner", TaskServices.defaultId("com.example.Outer$Inner"));
    }

    @Test
    void everyPropertyOfTheAnnotationReachesTheDefinition() {
        Map<String, Object> p = new HashMap<>();
        p.put("scheduler.task.schedule", "every:PT5M");
        p.put("scheduler.id", "sync");
        p.put("scheduler.name", "Sync customers");
        p.put("scheduler.description", "pulls the CRM");
        p.put("scheduler.timeout", "PT2M");
        p.put("scheduler.retries", 3);
        p.put("scheduler.retry.delay", "PT10S");
        p.put("scheduler.overlap", "QUEUE_ONE");
        p.put("scheduler.priority", "BACKGROUND");
        p.put("scheduler.misfire", "CATCH_UP");
        p.put("scheduler.max.catch.up", 4);
        p.put("scheduler.lock.keys", new String[] {"crm", "db"});
        p.put("scheduler.group", "imports");
        p.put("scheduler.per.tenant", true);
        p.put("scheduler.dead.letter", true);
        p.put("scheduler.enabled", false);
        TaskServices.Described d = TaskServices.describe(p);
        assertEquals(List.of(), d.problems());
        TaskDefinition t = d.definition();
        assertEquals("sync", t.id());
        assertEquals("Sync customers", t.name());
        assertEquals("pulls the CRM", t.description());
        assertEquals("every:PT5M", t.scheduleText());
        assertEquals(Optional.of(Duration.ofMinutes(2)), t.timeout());
        assertEquals(RetryPolicy.fixed(3, Duration.ofSeconds(10)), t.retryPolicy());
        assertEquals(OverlapPolicy.QUEUE_ONE, t.overlapPolicy());
        assertEquals(Priority.BACKGROUND, t.priority());
        assertEquals(Optional.of(MisfirePolicy.catchUp(4)), t.misfirePolicy());
        assertEquals(Set.of("crm", "db"), t.lockKeys());
        assertEquals(Optional.of("imports"), t.group());
        assertTrue(t.perTenant());
        assertTrue(t.deadLetterEligible());
        assertEquals(false, t.enabledByDefault());
    }

    @Test
    void everyBadValueIsAProblemNamingItsProperty() {
        Map<String, Object> p = new HashMap<>();
        p.put("scheduler.task.schedule", "cron:61 * * * *");
        p.put("scheduler.id", "has space");
        p.put("scheduler.timeout", "PT5X");
        p.put("scheduler.retries", 5000);
        p.put("scheduler.overlap", "SOMETIMES");
        p.put("scheduler.misfire", "later");
        p.put("scheduler.lock.keys", "ok, not:ok");
        p.put("scheduler.timout", "PT1M");
        TaskServices.Described d = TaskServices.describe(p);
        List<String> problems = d.problems();
        assertTrue(problems.contains("scheduler.timeout: 'PT5X' is not an ISO-8601 duration such as PT5M"), problems
                .toString());
        assertTrue(problems.contains("scheduler.retries: 5000 is not in 0–1000"), problems.toString());
        assertTrue(problems.contains("scheduler.overlap: 'SOMETIMES' is not one of SKIP, ALLOW, QUEUE_ONE"),
                problems.toString());
        assertTrue(problems.contains("scheduler.misfire: 'later' is not one of RUN_ONCE, SKIP, CATCH_UP"),
                problems.toString());
        assertTrue(problems.contains("scheduler.timout: is not a task property; did you mean scheduler.timeout?"),
                problems.toString());
        assertTrue(problems.stream().anyMatch(x -> x.startsWith("scheduler.id: 'has space' must match")),
                problems.toString());
        assertEquals("has-space", d.definition().id(), "described under a valid form of it");
        assertTrue(problems.contains("scheduler.task.schedule: minute: 61 is not in 0–59"), problems.toString());
        assertTrue(problems.stream().anyMatch(x -> x.startsWith("scheduler.lock.keys: 'not:ok' must match")),
                problems.toString());
        assertTrue(TaskServices.describe(Map.of("scheduler.task.schedule", "every:PT1M")).problems()
                .contains("scheduler.id: is required: the service has no component.name to take a default from"));
    }

    @Test
    void aBadIdIsAProblemNamingTheProperty_theTaskIsListedUnderAValidFormOrItsLastGoodId() {
        AtomicInteger ran = new AtomicInteger();
        Map<String, Object> properties = new HashMap<>(Map.of("scheduler.task.schedule", "every:PT1M",
                "scheduler.id", "tick tock"));
        ProviderHandle handle = ProviderHandle.forProvider("p", 1, "p 1.0.0", "task service 4",
                new TaskServices.Adapter(() -> Map.copyOf(properties), (Runnable) ran::incrementAndGet));
        engine.providerAdded(handle);
        TaskInfo listed = engine.task(TaskId.parse("p:tick-tock")).orElseThrow();
        assertEquals(TaskState.INVALID, listed.state(), "listed, not dropped with a log line only");
        assertEquals(Optional.of("scheduler.id: 'tick tock' must match " + TaskId.ID_PATTERN.pattern()),
                listed.problem());

        properties.put("scheduler.id", "tick"); // fixed
        engine.providerModified(handle);
        assertEquals(TaskState.ACTIVE, engine.task(TaskId.parse("p:tick")).orElseThrow().state());
        properties.put("scheduler.id", "tick/tock"); // a later typo: the running task keeps its last good definition
        engine.providerModified(handle);
        assertEquals(TaskState.ACTIVE, engine.task(TaskId.parse("p:tick")).orElseThrow().state());
        assertEquals("every:PT1M", engine.task(TaskId.parse("p:tick")).orElseThrow().scheduleText());

        assertEquals("my-component", TaskServices.defaultId("com.example.my component"), "a default is made valid");
    }

    @Test
    void theProblemsOfAListAreFoundEvenAfterANewerReadOfTheSameService() {
        Map<String, Object> properties = new HashMap<>(Map.of("scheduler.task.schedule", "every:PT1M",
                "scheduler.id", "t", "scheduler.timeout", "soon"));
        TaskServices.Adapter adapter = new TaskServices.Adapter(() -> Map.copyOf(properties), (Runnable) () -> { });
        TaskDefinition first = adapter.tasks().get(0);
        properties.remove("scheduler.timeout");
        TaskDefinition second = adapter.tasks().get(0); // read while the first list was still being applied
        assertEquals(first, second, "equal definitions: the bad timeout was left out of the first");
        assertEquals(List.of("scheduler.timeout: 'soon' is not an ISO-8601 duration such as PT5M"),
                adapter.problems(first, List.of()));
        assertEquals(List.of(), adapter.problems(second, List.of()));
    }

    @Test
    void aServiceThatIsNeitherRunnableNorTaskActionIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new TaskServices.Adapter(Map::of, "not a task"));
    }

    // --- through the core -------------------------------------------------------------------------------------

    private final MutableClock clock = new MutableClock(T0);
    private final ManualExecutor workers = new ManualExecutor();
    private final SchedulerEngine engine = new SchedulerEngine(clock, Runnable::run, new ExecutorWorkers(workers),
            new InMemoryTaskStore(100), Settings.defaults(ZoneId.of("UTC"), Duration.ofSeconds(2)));

    private void advance(Duration d) {
        clock.advance(d);
        engine.timer().runDue();
        workers.runAll();
    }

    @Test
    void aRunnableServiceFiresAndFollowsItsPropertiesWhenTheyChange() {
        AtomicInteger ran = new AtomicInteger();
        Map<String, Object> properties = new HashMap<>(Map.of("scheduler.task.schedule", "every:PT1M",
                "component.name", "p.Tick"));
        ProviderHandle handle = ProviderHandle.forProvider("p", 1, "p 1.0.0", "task service 1",
                new TaskServices.Adapter(() -> Map.copyOf(properties), (Runnable) ran::incrementAndGet));
        engine.providerAdded(handle);
        advance(Duration.ZERO);
        advance(Duration.ofMinutes(1));
        assertEquals(2, ran.get());
        assertEquals(RunStatus.SUCCEEDED, engine.runs(TaskId.parse("p:Tick"), 1).get(0).status());

        properties.put("scheduler.task.schedule", "cron:0 3 * * *"); // a new configuration
        engine.providerModified(handle);
        TaskInfo info = engine.task(TaskId.parse("p:Tick")).orElseThrow();
        assertEquals("cron:0 3 * * *", info.scheduleText());
        assertEquals(Optional.of(Instant.parse("2026-06-02T03:00:00Z")), info.nextFire());
        advance(Duration.ofMinutes(30));
        assertEquals(2, ran.get(), "the old schedule no longer fires");

        properties.put("scheduler.timeout", "soon"); // a bad configuration: the last good definition stays
        properties.put("scheduler.task.schedule", "every:PT1S");
        engine.providerModified(handle);
        info = engine.task(TaskId.parse("p:Tick")).orElseThrow();
        assertEquals(TaskState.ACTIVE, info.state());
        assertEquals("cron:0 3 * * *", info.scheduleText(), "not the bad configuration's schedule");
        List<TaskInfo> listed = engine.tasks().stream().filter(t -> t.id().equals(TaskId.parse("p:Tick"))).toList();
        assertEquals(List.of(TaskState.ACTIVE, TaskState.INVALID), listed.stream().map(TaskInfo::state).toList(),
                "task:list shows the rejected definition beside the running one");
        assertEquals(Optional.of("scheduler.timeout: 'soon' is not an ISO-8601 duration such as PT5M"),
                listed.get(1).problem());
        assertEquals("every:PT1S", listed.get(1).scheduleText(), "the rejected definition's schedule");

        ProviderHandle fresh = ProviderHandle.forProvider("p", 1, "p 1.0.0", "task service 3",
                new TaskServices.Adapter(() -> Map.of("scheduler.task.schedule", "every:PT1M", "scheduler.id", "new",
                        "scheduler.timeout", "soon"), (Runnable) ran::incrementAndGet));
        engine.providerAdded(fresh); // bad from the start: invalid, naming the property
        info = engine.task(TaskId.parse("p:new")).orElseThrow();
        assertEquals(TaskState.INVALID, info.state());
        assertEquals(Optional.of("scheduler.timeout: 'soon' is not an ISO-8601 duration such as PT5M"),
                info.problem());

        engine.providerRemoved(handle);
        assertEquals(TaskState.DORMANT, engine.task(TaskId.parse("p:Tick")).orElseThrow().state());
    }

    @Test
    void aTaskActionServiceGetsItsExecutionAndReturnsItsResult() {
        TaskAction action = e -> TaskResult.failure("no " + e.arguments().get("file"));
        ProviderHandle handle = ProviderHandle.forProvider("p", 1, "p 1.0.0", "task service 2",
                new TaskServices.Adapter(() -> Map.of("scheduler.task.schedule", "on-demand", "scheduler.id", "load"),
                        action));
        engine.providerAdded(handle);
        RunRecord run = engine.call(TaskId.parse("p:load"), Map.of("file", "a.csv"));
        assertEquals(RunStatus.FAILED, run.status());
        assertEquals("no a.csv", run.message());
    }
}
