package org.pluginscheduler.api;

import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The scheduler's programmatic face, registered as a bundle-scoped service: each bundle gets its own instance, and
 * the ad-hoc tasks it adds are owned by it and go dormant when it stops.
 *
 * <h2>Scope</h2>
 * A plugin's instance acts only on the tasks its own bundle owns: those of its {@link ScheduledTaskProvider}s and its
 * ad-hoc tasks (a {@link TaskId#owner()} equal to its bundle's symbolic name). That holds for reads too: it lists
 * only its own tasks, dead letters and runs. Anything else throws {@link TaskAccessException}, naming the task and
 * its owner, and changes nothing; so do the whole-scheduler operations {@link #pauseAll()}, {@link #resumeAll()}
 * and {@link #purgeHistory}. Previews, descriptions, {@link #stats()} and {@link #isPausedAll()} carry no task's
 * data and are open to all. An administrator's tools use {@link SchedulerAdmin}, whose scope is every task.
 *
 * <p>Methods taking a {@link TaskId} in scope throw {@link NoSuchTaskException} if no such task is known.
 * Administrative changes (enable/disable, pause/resume, reschedule) are kept in the
 * {@link org.pluginscheduler.api.store.TaskStore} and so survive bundle updates and, with a persistent store,
 * restarts. All methods are thread-safe and return promptly unless documented otherwise.
 */
@ProviderType
public interface TaskScheduler {

    /** @return every known task in scope (active, paused, disabled, dormant, conflicting or invalid), sorted by id */
    List<TaskInfo> tasks();

    /** @return the task with this id, if known */
    Optional<TaskInfo> task(TaskId id);

    /**
     * Resolves what an administrator typed: a qualified id ({@code owner:id[@tenant]}) or a bare task id that is
     * unique across owners.
     *
     * @throws NoSuchTaskException      if nothing matches
     * @throws AmbiguousTaskIdException if a bare id matches several tasks
     */
    TaskId resolve(String idOrBareId);

    /** @return the task's most recent runs, newest first, at most {@code limit} */
    List<RunRecord> runs(TaskId id, int limit);

    /** @return one run record by run id */
    Optional<RunRecord> run(String runId);

    /**
     * Starts a run now, asynchronously, subject to the task's overlap policy. The run is <em>accepted</em> when
     * this returns: it is stored as a pending run (with a persistent store, on disk), so it runs even if the
     * runtime stops or crashes before it starts (after the restart, under this run id).
     *
     * @return the run id; follow it with {@link #run(String)}
     * @throws IllegalStateException if the task cannot run (dormant, conflicting or invalid), or the store could not
     *                               store the run (then nothing runs)
     */
    String trigger(TaskId id);

    /**
     * Runs the task now in the calling thread and returns its finished record, for debugging and manual
     * recovery. Skips overlap checks and group concurrency and rate limits; named locks still apply (a held lock
     * fails the call at once). A failed call is not retried.
     *
     * @param arguments handed to the run as {@link TaskExecution#arguments()}
     * @throws IllegalStateException if the task cannot run (dormant, conflicting or invalid)
     */
    default RunRecord call(TaskId id, Map<String, String> arguments) {
        return call(id, arguments, Set.of());
    }

    /**
     * Runs the task now in the calling thread, like {@link #call(TaskId, Map)}, holding named locks for this run
     * in addition to the task's own lock keys (e.g. a mutex per customer). They are the same locks scheduled runs
     * and submissions hold: while this call runs, a submission or scheduled run needing one of them waits (its
     * contention delays it and does not spend retries). The call itself does not wait: if one of its locks is held,
     * it fails at once, naming the lock, and nothing runs.
     *
     * @param lockKeys extra lock keys for this run, each matching {@link TaskId#ID_PATTERN}; taken as given, also
     *                 for a tenant instance
     * @throws IllegalArgumentException naming {@code lockKeys} if a key does not match the pattern
     * @throws IllegalStateException    if the task cannot run, or one of its locks is held
     * @since 1.4
     */
    RunRecord call(TaskId id, Map<String, String> arguments, Set<String> lockKeys);

    /**
     * Submits a one-shot run with arguments, now or at an instant. Submissions wait for the task's own running
     * execution (they are not subject to its overlap policy). The run is <em>accepted</em> when this returns: it
     * is stored as a pending run (with a persistent store, on disk) and runs at its time even if the runtime stops
     * or crashes meanwhile; one whose time passed while the runtime was down runs at its next start (or is recorded
     * SKIPPED if the task's misfire policy is SKIP).
     *
     * @param at empty for now
     * @return the run id
     * @throws IllegalStateException if the task cannot run, or the store could not store the run (then nothing
     *                               runs)
     */
    default String submit(TaskId id, Map<String, String> arguments, Optional<Instant> at) {
        return submit(id, arguments, at, Set.of());
    }

    /**
     * Submits a one-shot run that also holds named locks while it runs (e.g. a mutex per customer), in addition
     * to the task's own lock keys. Lock contention delays the run; it does not spend retries.
     *
     * @param lockKeys extra lock keys for this run, each matching {@link TaskId#ID_PATTERN}; taken as given, also
     *                 for a tenant instance (a per-tenant task's own keys are per tenant)
     * @return the run id
     */
    String submit(TaskId id, Map<String, String> arguments, Optional<Instant> at, Set<String> lockKeys);

    /** Enables a task (persistent). */
    void enable(TaskId id);

    /** Disables a task (persistent): it stops firing; a running execution finishes. */
    void disable(TaskId id);

    /** Pauses one task: fires are not executed until {@link #resume(TaskId)}. */
    void pause(TaskId id);

    /** Resumes one task. */
    void resume(TaskId id);

    /**
     * Pauses the whole scheduler: no task fires until {@link #resumeAll()}; running work finishes.
     *
     * @throws TaskAccessException on a plugin's instance: only {@link SchedulerAdmin} may
     */
    void pauseAll();

    /**
     * Resumes the whole scheduler.
     *
     * @throws TaskAccessException on a plugin's instance: only {@link SchedulerAdmin} may
     */
    void resumeAll();

    /** @return {@code true} while the whole scheduler is paused */
    boolean isPausedAll();

    /** Overrides a task's schedule (persistent) until {@link #resetSchedule(TaskId)}. */
    void reschedule(TaskId id, Schedule schedule);

    /** Removes a schedule override; the definition's schedule applies again. */
    void resetSchedule(TaskId id);

    /**
     * Adds an ad-hoc task owned by the calling bundle (owner = its symbolic name). When that bundle's service
     * instance is released (the bundle stops) the task stops firing like a departed provider's: it becomes
     * {@link TaskState#DORMANT}, keeping its state and history, until the bundle adds it again or an administrator
     * removes it ({@link #removeTask}).
     *
     * @param replace {@code true} to replace an existing ad-hoc task with the same id; {@code false} to fail
     * @return the qualified id
     * @throws InvalidTaskDefinitionException if the definition is invalid
     * @throws IllegalStateException          if the id is taken and {@code replace} is false, or taken by a
     *                                        provider's task
     */
    TaskId addTask(TaskDefinition definition, TaskAction action, boolean replace);

    /**
     * Removes a task for good: an ad-hoc task (of any bundle in scope), or the stored state and history of a
     * dormant task whose provider is gone. A task that a registered provider supplies cannot be removed: disable it, or stop
     * its bundle.
     *
     * @return {@code true} if something was removed, {@code false} if the id is unknown
     * @throws IllegalStateException if a registered provider supplies the task
     */
    boolean removeTask(TaskId id);

    /** Re-reads the task lists of every {@link ScheduledTaskProvider} registered by the calling bundle. */
    void reloadTasks();

    /**
     * The task's next fires as the scheduler plans them (for an interval, anchored where it was registered), in the
     * schedule's zone.
     *
     * @param count at most this many, 1–1000
     * @return empty if the task will not fire again, is disabled or is not registered
     */
    List<ZonedDateTime> nextFires(TaskId id, int count);

    /** @return dead letters of the tasks in scope, newest first */
    List<DeadLetter> deadLetters();

    /**
     * Replays a dead letter: a new run with the same arguments; the dead letter is removed.
     *
     * @return the new run id
     * @throws IllegalArgumentException if no dead letter has this run id
     */
    String replayDeadLetter(String runId);

    /**
     * @param taskId only this task's dead letters; empty for all in scope
     * @return how many were removed
     */
    int purgeDeadLetters(Optional<TaskId> taskId);

    /**
     * Purges finished run history (every task's) that ended more than {@code olderThan} ago. Running runs are
     * never purged. Dead letters are not affected.
     *
     * @return how many run records were removed
     * @throws TaskAccessException on a plugin's instance: it acts on every task, so only {@link SchedulerAdmin} may
     */
    int purgeHistory(java.time.Duration olderThan);

    /**
     * Previews a schedule: its next fire times after {@code from}, in its zone (or the default zone).
     *
     * @param count at most this many, 1–1000
     */
    List<ZonedDateTime> preview(Schedule schedule, Instant from, int count);

    /** @return the scheduler's counters: runs by status, fire lag percentiles, pools, stuck runs */
    SchedulerStats stats();

    /** @return a plain-English description of a schedule, e.g. "at 03:00" for {@code cron:0 3 * * *} */
    String describe(Schedule schedule);
}
