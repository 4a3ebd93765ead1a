package org.pluginscheduler.api.execution;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Executes the runs the scheduler core hands it, on threads it owns. The core uses the highest-ranked
 * {@code RunExecutor} service ({@code service.ranking}, then the lowest {@code service.id}); while none is
 * registered it holds fires (scheduled fires follow their misfire policy when an executor returns; triggered runs,
 * retries and submissions are handed over then).
 *
 * <h2>Contract</h2>
 * <ul>
 * <li><b>Exactly once.</b> For every run {@link #execute} accepts (returns normally), the executor calls exactly one
 * of {@link ExecutableRun#run()} or {@link ExecutableRun#rejected(String)}, exactly once. A run it refuses
 * ({@code execute} throws) is never called.</li>
 * <li><b>Threads.</b> {@code run()} is called on a thread of the executor's, never on the caller of
 * {@code execute}, and never on a thread that the executor needs for anything else (its deadline watch, another
 * pool). A thread is handed to the next run only after {@code run()} returned and the thread's interrupt flag was
 * cleared. {@code execute} never blocks on task code: it only queues.</li>
 * <li><b>Priorities.</b> Runs of different {@link org.pluginscheduler.api.Priority priorities} never wait for
 * each other's threads. Within one priority, runs start in the order they were accepted unless the executor
 * documents otherwise (for example shares per owner).</li>
 * <li><b>Deadlines.</b> A run with a {@link ExecutableRun#timeout() timeout} that is still inside {@code run()}
 * that long after {@code run()} was entered gets {@link ExecutableRun#timedOut}; the core then cancels it and
 * interrupts its thread. If it is still inside {@code run()} a configurable time later, the executor calls
 * {@link ExecutableRun#stuck} and, within its limits, starts a replacement thread so the stuck run does not take
 * capacity from other runs; the replacement goes when the stuck thread returns.</li>
 * <li><b>Callbacks</b> ({@code rejected}, {@code timedOut}, {@code stuck}, {@code cancel}) are quick and never
 * throw; the executor calls them without holding any lock the core could need.</li>
 * <li><b>Shutdown.</b> When the service is unregistered (its bundle stops or is updated), the core stops
 * handing it runs first. The executor then refuses new runs, calls {@code rejected} for every accepted run that has
 * not started (the core holds them for the next executor), lets running runs finish within its grace period, and
 * then calls {@link ExecutableRun#cancel} on those still running and waits briefly for them.</li>
 * <li><b>Threading of this interface.</b> Every method may be called concurrently from several threads.</li>
 * </ul>
 */
@ConsumerType
public interface RunExecutor {

    /**
     * Accepts a run for a thread of its priority's pool; returns at once.
     *
     * @throws java.util.concurrent.RejectedExecutionException if the executor is shutting down: the run was not
     *                                                         accepted and will not be called
     */
    void execute(ExecutableRun run);

    /**
     * Runs a run on the calling thread (a synchronous call from an operator or a plugin) with the same deadline
     * watch as a pooled run: {@link ExecutableRun#timedOut} at its deadline, {@link ExecutableRun#stuck} after the
     * stuck delay (no replacement thread: the caller's thread is not the executor's). Returns when
     * {@code run()} returns.
     *
     * @throws java.util.concurrent.RejectedExecutionException if the executor is shutting down: the run was not
     *                                                         called
     */
    void executeHere(ExecutableRun run);

    /**
     * The core cancelled a run that is inside {@link ExecutableRun#run()} (its task's provider went away) and waited
     * its grace period, and the run ignored it: the core no longer waits for it. An executor that replaces the
     * threads of stuck runs treats it as stuck from now on (a replacement thread within its limits, the thread
     * retired when it returns), without calling {@link ExecutableRun#stuck}; the core already knows. Does nothing if
     * the run has returned or was already declared stuck. Quick, never throws.
     *
     * @param run a run this executor accepted
     * @since 1.1
     */
    default void abandoned(ExecutableRun run) {
    }

    /** @return a snapshot of the pools and stuck runs, and of each owner's use of the pools if it has shares */
    ExecutionStats stats();
}
