package org.pluginscheduler.api;

import java.util.Optional;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A failure hook, registered as a service (whiteboard). When a run fails, times out or is abandoned, the
 * scheduler asks each handler in order of {@code service.ranking} (highest first); the first decision wins. No
 * decision from any handler means the task's {@link RetryPolicy} decides. A handler that throws is logged and
 * skipped.
 *
 * <h2>Which tasks a handler decides for</h2>
 * A handler decides for the tasks its own bundle owns (a {@link TaskId#owner()} equal to the registering bundle's
 * symbolic name), and for the owners its service property {@value #OWNERS} lists: a string or an array of owner
 * names, or {@code *} for every owner (what an administrator's retry rules use). For any other task it is not asked.
 *
 * <p>Handlers are called from scheduler threads, possibly concurrently, and must not block.
 */
@ConsumerType
public interface TaskFailureHandler {

    /**
     * Service property: the owners, beyond the registering bundle's own tasks, this handler decides for (a string
     * or an array of strings; {@code *} for every owner).
     */
    String OWNERS = "scheduler.failure.owners";

    /**
     * @param failure the failed run
     * @return a decision, or empty to leave it to the next handler and finally the task's policy
     */
    Optional<RetryDecision> onFailure(TaskFailure failure);
}
