package org.pluginscheduler.api;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The context of one run, handed to {@link ScheduledTaskProvider#execute}. Valid for the duration of that call.
 *
 * <p><b>Cancellation.</b> A run is cancelled when its provider goes away, the scheduler stops or its timeout
 * passes. The scheduler then sets {@link #isCancelled()} and interrupts the executing thread. Long-running tasks should check {@link #isCancelled()} between units of work and return
 * promptly; blocking calls see the interrupt. Implementations are thread-safe.
 */
@ProviderType
public interface TaskExecution {

    /** @return the qualified id of the task */
    TaskId taskId();

    /** @return the unique id of this run, as found in its {@link RunRecord} */
    String runId();

    /** @return the attempt number, 1-based; greater than 1 for retries */
    int attempt();

    /** @return why this run started */
    RunTrigger trigger();

    /** @return the instant this run was due (its fire time); for manual runs, the request time */
    Instant scheduledTime();

    /** @return the instant the run started executing */
    Instant startTime();

    /** @return the instant at which the run will be cancelled, if the task has a timeout */
    Optional<Instant> deadline();

    /** @return the tenant of a per-tenant task instance */
    Optional<String> tenant();

    /** @return the arguments of a one-shot submission or call; empty for scheduled runs */
    Map<String, String> arguments();

    /** @return the definition's {@link TaskDefinition#config()} */
    Map<String, String> config();

    /** @return the definition being run */
    TaskDefinition definition();

    /** @return {@code true} once the run has been asked to stop */
    boolean isCancelled();
}
