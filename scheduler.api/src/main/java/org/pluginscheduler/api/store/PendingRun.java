package org.pluginscheduler.api.store;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

import org.pluginscheduler.api.RunTrigger;
import org.pluginscheduler.api.TaskId;

/**
 * A run the scheduler has accepted but not finished: a submission (now or at an instant), a manual trigger, a
 * pending retry with its due time and attempt, a fire queued behind a running one (QUEUE_ONE), a missed fire being
 * caught up, or the retry decided for a run abandoned by a crash. It is stored before the call that accepted it
 * returns and stays pending until the run's final {@link org.pluginscheduler.api.RunRecord} ends it (in the same
 * transaction: see {@link TaskStore#write}); while it waits for a lock, a group permit or an execution
 * service, and while it runs, it is still pending. After a restart the scheduler restores it and runs it when due.
 *
 * <p>Keys, for a store shared by several nodes later: {@code runId} is unique; ({@code taskId},
 * {@code occurrence}) is unique too, and names the occurrence independently of which node created it (a scheduled
 * fire is {@code fire:<scheduled instant>}, a retry {@code retry:<first run id>:<attempt>}, a submission or trigger
 * {@code run:<run id>}), so two nodes that accept the same occurrence store it once. {@code owner} and
 * {@code leaseUntil} are the claim of the node that runs it; a single-node store keeps them as given (the embedded
 * scheduler leaves them empty).
 *
 * @param runId         the id the run has, now and in its history
 * @param taskId        the task
 * @param trigger       why it runs: SUBMISSION, MANUAL, RETRY, SCHEDULE (a queued fire) or MISFIRE (catch-up)
 * @param occurrence    the task occurrence it stands for, unique per task
 * @param scheduledTime the time it is for (shown in the history; the scheduled fire, the retry's due time)
 * @param due           the earliest instant it may start
 * @param attempt       1 for a first run, n for the (n − 1)th retry
 * @param chainStart    the scheduled time of the chain's first attempt (for the dead letters)
 * @param arguments     the run's arguments
 * @param lockKeys      named locks asked for by the submission, beyond the task's own
 * @param owner         the node that has claimed it, if any
 * @param leaseUntil    until when that claim holds, if any
 */
public record PendingRun(String runId, TaskId taskId, RunTrigger trigger, String occurrence, Instant scheduledTime,
                         Instant due, int attempt, Instant chainStart, Map<String, String> arguments,
                         Set<String> lockKeys, Optional<String> owner, Optional<Instant> leaseUntil) {

    public PendingRun {
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(taskId, "taskId");
        Objects.requireNonNull(trigger, "trigger");
        Objects.requireNonNull(occurrence, "occurrence");
        Objects.requireNonNull(scheduledTime, "scheduledTime");
        Objects.requireNonNull(due, "due");
        Objects.requireNonNull(chainStart, "chainStart");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(leaseUntil, "leaseUntil");
        if (attempt < 1) {
            throw new IllegalArgumentException("attempt must be 1 or more, not " + attempt);
        }
        if (trigger == RunTrigger.CALL) {
            throw new IllegalArgumentException("a synchronous call is never pending: its caller waits for it");
        }
        arguments = Map.copyOf(arguments);
        lockKeys = Set.copyOf(lockKeys);
    }

    /** @return a pending run no node has claimed */
    public static PendingRun of(String runId, TaskId taskId, RunTrigger trigger, String occurrence,
                                Instant scheduledTime, Instant due, int attempt, Instant chainStart,
                                Map<String, String> arguments, Set<String> lockKeys) {
        return new PendingRun(runId, taskId, trigger, occurrence, scheduledTime, due, attempt, chainStart, arguments,
                lockKeys, Optional.empty(), Optional.empty());
    }
}
