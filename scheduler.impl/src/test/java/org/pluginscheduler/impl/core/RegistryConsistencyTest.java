package org.pluginscheduler.impl.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.pluginscheduler.api.Schedule;
import org.pluginscheduler.api.TaskDefinition;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.TaskInfo;
import org.pluginscheduler.api.TaskResult;
import org.pluginscheduler.api.TaskState;
import org.pluginscheduler.api.store.StoredTask;
import org.pluginscheduler.api.store.TaskStore;
import org.pluginscheduler.impl.core.SchedulerEngineTest.TestProvider;
import org.pluginscheduler.impl.store.InMemoryTaskStore;

/**
 * The registry keeps the states of unregistered tasks in memory and deletes through the state writer: what an
 * administrator changed, or deleted, must win over what was known or marked before.
 */
class RegistryConsistencyTest {

    private static final Instant T0 = Instant.parse("2026-06-01T10:00:00Z");
    private final MutableClock clock = new MutableClock(T0);
    private final InMemoryTaskStore memory = new InMemoryTaskStore(100);
    /** Task states read from the store after the engine started (loadTask, loadTasks). */
    private final AtomicInteger storeReads = new AtomicInteger();
    private final TaskStore store = (TaskStore) Proxy.newProxyInstance(TaskStore.class.getClassLoader(),
            new Class<?>[] {TaskStore.class}, (proxy, method, args) -> {
                try {
                    if (method.getName().startsWith("loadTask")) {
                        storeReads.incrementAndGet();
                    }
                    return method.invoke(memory, args);
                } catch (InvocationTargetException e) {
                    throw e.getCause();
                }
            });
    private final SchedulerEngine engine = new SchedulerEngine(clock, Runnable::run,
            new ExecutorWorkers(new ManualExecutor()), store, Settings.defaults(ZoneId.of("UTC"), Duration.ofSeconds(1)));

    private static TaskDefinition task(String id, String schedule) {
        return TaskDefinition.builder(id).schedule(schedule).build();
    }

    @Test
    void anAdminChangeToADormantTaskHoldsWhenItsProviderReturns() {
        TestProvider provider = new TestProvider(task("x", "cron:0 3 * * *"));
        ProviderHandle first = ProviderHandle.forProvider("p", 1, "p 1.0.0", "first", provider);
        engine.providerAdded(first);
        engine.providerRemoved(first); // dormant now
        TaskId x = TaskId.parse("p:x");
        assertEquals(TaskState.DORMANT, engine.task(x).orElseThrow().state());

        engine.setEnabled(x, false);
        int reads = storeReads.get();
        engine.providerAdded(ProviderHandle.forProvider("p", 1, "p 1.0.0", "second", provider));
        assertEquals(reads, storeReads.get(), "registering reads no task state from the store");
        TaskInfo info = engine.task(x).orElseThrow();
        assertEquals(TaskState.DISABLED, info.state(), "the change the admin was told is done stays done");
        assertEquals(Optional.of(false), memory.loadTask(x).orElseThrow().enabled());
    }

    @Test
    void aClaimWaitingForARemovedTasksIdDoesNotInheritItsState() {
        TaskId x = TaskId.parse("b:x");
        engine.addTask(7, "b", "b 1.0.0", task("x", "every:PT1M"), e -> TaskResult.success(), false);
        engine.setEnabled(x, false);
        engine.reschedule(x, Optional.of(Schedule.parse("every:PT1H")));
        TestProvider claimant = new TestProvider(task("x", "cron:0 3 * * *"));
        engine.providerAdded(ProviderHandle.forProvider("b", 7, "b 1.0.0", "provider of b", claimant));
        assertEquals(TaskState.CONFLICT, engine.tasks().stream().filter(t -> t.id().equals(x))
                .filter(t -> t.state() == TaskState.CONFLICT).findFirst().orElseThrow().state());

        assertTrue(engine.removeTask(x)); // the ad-hoc task, its state and history go; the claim takes the id
        TaskInfo info = engine.task(x).orElseThrow();
        assertEquals(TaskState.ACTIVE, info.state());
        assertEquals("cron:0 3 * * *", info.scheduleText());
        assertFalse(info.scheduleOverridden());
        StoredTask stored = memory.loadTask(x).orElseThrow(() -> new AssertionError("the claimant's state is stored"));
        assertEquals(Optional.empty(), stored.enabled());
        assertEquals(Optional.empty(), stored.scheduleOverride());
    }
}
