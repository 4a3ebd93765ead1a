package org.pluginscheduler.api.execution;

import java.time.Duration;
import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;
import org.pluginscheduler.api.Priority;
import org.pluginscheduler.api.TaskId;

/**
 * One run, as the scheduler core hands it to a {@link RunExecutor}: who owns it, which pool, how long it may take,
 * and what to call. Implemented by the core. Its callbacks are quick, never throw and never block on task code.
 */
@ProviderType
public interface ExecutableRun {

    /** @return the task this is a run of; {@code taskId().owner()} is the owner it counts against */
    TaskId taskId();

    /** @return the run's id, unique in the scheduler */
    String runId();

    /** @return the pool it runs in */
    Priority priority();

    /** @return how long the run may take from the moment {@link #run()} is entered; empty: no limit */
    Optional<Duration> timeout();

    /**
     * Runs the task on the calling thread, classifies and records its outcome, and returns when the task code
     * returned. Throws nothing but a {@link VirtualMachineError} other than {@link StackOverflowError}, and that
     * only after the run's outcome was handed to the recorder. May leave the thread's interrupt flag set: the
     * executor clears it.
     */
    void run();

    /**
     * The executor will not call {@link #run()}: it is shutting down, or the run was removed from its queue. The
     * core holds the run for the next executor, or records it as cancelled if its task or the scheduler is gone.
     *
     * @param reason for logs and the run's record
     */
    void rejected(String reason);

    /**
     * The run is still inside {@link #run()} at its deadline: the core marks it timed out, cancels it and
     * interrupts its thread. Called at most once.
     *
     * @param timeout the timeout that passed
     */
    void timedOut(Duration timeout);

    /**
     * The run ignored its interruption and is still inside {@link #run()} the executor's stuck delay after
     * {@link #timedOut}: the core records it as timed out now (through the retry path) and keeps its locks until
     * its thread returns. Called at most once, after {@code timedOut}.
     *
     * @param thread   the name of the thread it holds
     * @param replaced whether the executor started a replacement thread for it
     */
    void stuck(String thread, boolean replaced);

    /**
     * The executor is shutting down and its grace period for running runs has passed: the core cancels the run
     * and interrupts its thread.
     *
     * @param reason for the run's record
     */
    void cancel(String reason);
}
