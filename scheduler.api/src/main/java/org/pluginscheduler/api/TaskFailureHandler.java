package org.pluginscheduler.api;

import java.util.Optional;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A failure hook, registered as a service (whiteboard). When a run fails, times out or is abandoned, the
 * scheduler asks each handler in order of {@code service.ranking} (highest first); the first decision wins. No
 * decision from any handler means the task's {@link RetryPolicy} decides. A handler that throws is logged and
 * skipped.
 *
 * <p>Handlers are called from scheduler threads, possibly concurrently, and must not block.
 */
@ConsumerType
public interface TaskFailureHandler {

    /**
     * @param failure the failed run
     * @return a decision, or empty to leave it to the next handler and finally the task's policy
     */
    Optional<RetryDecision> onFailure(TaskFailure failure);
}
