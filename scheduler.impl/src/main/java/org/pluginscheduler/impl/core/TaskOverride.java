package org.pluginscheduler.impl.core;

import java.time.Duration;
import java.util.Optional;

import org.pluginscheduler.api.RetryPolicy;
import org.pluginscheduler.api.Schedule;
import org.pluginscheduler.api.TaskDefinition;
import org.pluginscheduler.api.TaskId;

/**
 * An operator's per-task override from configuration (factory PID {@code org.pluginscheduler.task.override}):
 * what it names replaces the definition's value. An administrator's shell changes (enable/disable, reschedule)
 * still win over it, until they are reset.
 *
 * @param task       the qualified id; an id without tenant also applies to every tenant instance
 * @param retryDelay the delay between retries when the definition's policy has none of its own
 */
public record TaskOverride(TaskId task, Optional<Boolean> enabled, Optional<Schedule> schedule, Optional<Integer> maxRetries,
                    Optional<Duration> retryDelay, Optional<Duration> timeout) {

    public boolean appliesTo(TaskId id) {
        return task.equals(id) || task.tenant().isEmpty() && id.tenant().isPresent()
                && task.owner().equals(id.owner()) && task.id().equals(id.id());
    }

    /** @return the definition with this override applied */
    public TaskDefinition applyTo(TaskDefinition definition) {
        TaskDefinition.Builder b = definition.toBuilder();
        enabled.ifPresent(b::enabledByDefault);
        schedule.ifPresent(b::schedule);
        timeout.ifPresent(b::timeout);
        if (maxRetries.isPresent()) {
            RetryPolicy base = definition.retryPolicy();
            Duration delay = retryDelay.orElse(Duration.ofSeconds(30));
            // a task without a policy of its own retries at a fixed delay; otherwise its policy keeps its delays
            b.retry(base.maxRetries() == 0 ? RetryPolicy.fixed(maxRetries.get(), delay)
                    : new MaxOverride(base, maxRetries.get()));
        }
        return b.build();
    }

    /** The definition's own policy with another maximum. */
    record MaxOverride(RetryPolicy base, int maxRetries) implements RetryPolicy {
        @Override
        public Duration delayBefore(int retry) {
            return base.delayBefore(retry);
        }
    }
}
