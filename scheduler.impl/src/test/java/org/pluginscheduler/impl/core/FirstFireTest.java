package org.pluginscheduler.impl.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Clock;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.junit.jupiter.api.Test;
import org.pluginscheduler.api.TaskDefinition;
import org.pluginscheduler.impl.store.InMemoryTaskStore;

/**
 * The real timer thread: a task whose first fire is due at registration fires at once, on the timer thread, maybe
 * before the registering thread has even stored the timer entry it armed. Every such first fire must happen.
 */
class FirstFireTest {

    @Test
    void everyTaskDueAtRegistrationFiresOnTheRealTimerThread() throws Exception {
        int tasks = 300;
        ExecutorService pool = Executors.newFixedThreadPool(4);
        SchedulerEngine engine = new SchedulerEngine(Clock.systemUTC(), Runnable::run, new ExecutorWorkers(pool),
                new InMemoryTaskStore(100), Settings.defaults(ZoneId.of("UTC"), Duration.ofSeconds(1)));
        engine.start();
        try {
            List<SchedulerEngineTest.TestProvider> providers = new ArrayList<>();
            for (int i = 0; i < tasks; i++) { // one at a time, as plugins come and go
                SchedulerEngineTest.TestProvider provider = new SchedulerEngineTest.TestProvider(
                        TaskDefinition.builder("t").schedule("every:PT1H").build());
                providers.add(provider);
                engine.providerAdded(ProviderHandle.forProvider("p" + i, i, "p" + i + " 1.0.0", "provider " + i,
                        provider));
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (fired(providers) < tasks && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(tasks, fired(providers), "every task fired once at registration");
        } finally {
            engine.stop();
            pool.shutdownNow();
        }
    }

    private static long fired(List<SchedulerEngineTest.TestProvider> providers) {
        return providers.stream().filter(p -> !p.calls.isEmpty()).count();
    }
}
