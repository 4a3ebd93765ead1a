package org.pluginscheduler.impl.core;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.pluginscheduler.api.RunTrigger;
import org.pluginscheduler.api.TaskDefinition;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.store.StoredTask;

/** A run is entered once: not twice, not after it was cancelled. */
class ExecutionPhaseTest {

    private static final TaskId ID = TaskId.parse("p:t");
    private final TaskSlot slot = new TaskSlot(null, ID, ProviderHandle.forProvider("p", 1, "p 1", "p", null),
            TaskDefinition.builder("t").schedule("every:PT1M").build(), StoredTask.fresh(ID, "p 1", "d", "every:PT1M"));

    private Execution execution(int i) {
        return new Execution(slot, "r-" + i, RunTrigger.SCHEDULE, Instant.EPOCH, Map.of(), 1, Instant.EPOCH,
                Set.of());
    }

    @Test
    void aRunIsEnteredOnceAndNotAfterItWasCancelled() { // an execution service that calls a run twice runs it once
        Execution run = execution(1);
        assertTrue(run.enter(Thread.currentThread()));
        run.exit();
        assertFalse(run.enter(Thread.currentThread()), "entered twice");
        Execution cancelled = execution(2);
        cancelled.cancel("gone");
        assertFalse(cancelled.enter(Thread.currentThread()));
        assertTrue(cancelled.isCancelled());
    }
}
