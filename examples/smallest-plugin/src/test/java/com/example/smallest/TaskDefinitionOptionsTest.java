package com.example.smallest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.pluginscheduler.api.MisfirePolicy;
import org.pluginscheduler.api.OverlapPolicy;
import org.pluginscheduler.api.Priority;
import org.pluginscheduler.api.RetryPolicy;
import org.pluginscheduler.api.TaskDefinition;

/** README "Writing a plugin", section on options of the provider form: the definition it shows is valid as written. */
class TaskDefinitionOptionsTest {

    @Test
    void theReadmesProviderDefinitionIsValidAndSaysWhatItsCommentsSay() {
        TaskDefinition definition = TaskDefinition.builder("import-orders")
                .schedule("cron:*/10 * * * *")
                // retry a failed run up to 4 times: after 30 s, 1 min, 2 min, 4 min (capped at 10 min, 20 % jitter)
                .retry(RetryPolicy.exponential(4, Duration.ofSeconds(30), 2.0, Duration.ofMinutes(10), 0.2))
                // a run still going after 5 minutes is cancelled (flag + interrupt), recorded TIMED_OUT, then retried
                .timeout(Duration.ofMinutes(5))
                // runs that exhaust their retries are kept as dead letters (task:dlq, task:replay)
                .deadLetterEligible(true)
                // never at the same time as any other task holding "orders-db"
                .lockKeys("orders-db")
                // share the "erp" group's concurrency/rate limits (configured by the operator)
                .group("erp")
                // its own worker pool: REALTIME, NORMAL (default) or BACKGROUND
                .priority(Priority.BACKGROUND)
                // a fire that comes while a run is still going waits (one at most) instead of being skipped
                .overlap(OverlapPolicy.QUEUE_ONE)
                // after the scheduler was paused: run every missed fire, up to 6
                .misfire(MisfirePolicy.catchUp(6))
                .build();

        assertEquals(List.of(), definition.problems());
        assertEquals(4, definition.retryPolicy().maxRetries());
        assertEquals(Optional.of(Duration.ofMinutes(5)), definition.timeout());
        assertEquals(Set.of("orders-db"), definition.lockKeys());
        assertEquals(Optional.of("erp"), definition.group());
        assertEquals(Priority.BACKGROUND, definition.priority());
        assertEquals(OverlapPolicy.QUEUE_ONE, definition.overlapPolicy());
        assertEquals(Optional.of(MisfirePolicy.catchUp(6)), definition.misfirePolicy());
        assertEquals(true, definition.deadLetterEligible());
    }
}
