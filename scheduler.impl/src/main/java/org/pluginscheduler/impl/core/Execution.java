package org.pluginscheduler.impl.core;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.pluginscheduler.api.RunTrigger;
import org.pluginscheduler.api.TaskDefinition;
import org.pluginscheduler.api.TaskExecution;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.store.PendingRun;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run: the context handed to the task, plus what the scheduler needs to cancel, time out and await it. Its
 * life is one {@link Phase}; why it was asked to stop is one {@link Stop}.
 * Cancelling sets the flag and interrupts the executing thread only while the run is inside task code, so a
 * pooled thread is never interrupted on behalf of a run that already ended.
 */
final class Execution implements TaskExecution {

    private static final Logger LOG = LoggerFactory.getLogger(Execution.class);

    /**
     * Where a run is in its life. It only moves forward: CREATED → DISPATCHED → RUNNING → ENDED → DONE, or
     * RUNNING → STUCK → DONE for a run that ignored its timeout's interruption; a run cancelled before it started
     * goes from CREATED or DISPATCHED straight to ENDED.
     */
    enum Phase {
        /** Made by the launcher; may be waiting for its named locks or its group's permit. */
        CREATED,
        /** Holds its locks and permit; handed to a worker, not yet in task code. */
        DISPATCHED,
        /** Entered task code on a thread. */
        RUNNING,
        /**
         * Timed out and ignored the interruption: its outcome (TIMED_OUT) is recorded, but it keeps its task, locks
         * and permit until its thread returns, so no second copy starts beside it.
         */
        STUCK,
        /** Its outcome is decided and its final record queued; acknowledged once that record is stored. */
        ENDED,
        /** Acknowledged (or, stuck, returned at last): locks and permit released, awaiting callers woken. */
        DONE
    }

    /** Why a run was asked to stop, if it was. */
    enum Stop {
        NONE, CANCELLED, TIMED_OUT
    }

    final TaskSlot slot;
    private final TaskDefinition definition;
    private final String runId;
    private final RunTrigger trigger;
    private final Instant scheduledTime;
    private final Map<String, String> arguments;
    private final int attempt;
    private final Instant chainStart;
    final Set<String> lockKeys;
    private final CountDownLatch done = new CountDownLatch(1);
    private final AtomicReference<Phase> phase = new AtomicReference<>(Phase.CREATED);
    private volatile Instant startTime;
    private volatile Instant deadline;
    private volatile Stop stop = Stop.NONE;
    private volatile String cancelReason = "";
    private volatile String threadName = "";
    /** Holds a permit of its group's limit. Guarded by the core lock (owned by the launcher). */
    boolean permitHeld;
    /**
     * Its stored pending run (accepted work: it stays stored until the run's final record), or null: a scheduled
     * fire that started without waiting, a call. Set by the launcher under the core lock.
     */
    volatile PendingRun pending;
    /** The hand-over to the execution service that runs it, once it runs there (not for a synchronous call). */
    volatile RunHandoff handoff;
    /** Whether it ever entered task code. */
    private volatile boolean entered;
    /**
     * Guards {@code thread} and the stop decision. Not {@code this}: this object is the task's {@code TaskExecution},
     * and task code that synchronizes on its context must not be able to block the core (which cancels runs under
     * its lock) or the execution service's deadline watch.
     */
    private final Object monitor = new Object();
    private Thread thread; // guarded by monitor

    /**
     * @param attempt    1-based
     * @param chainStart when the first attempt of this chain was due (for dead letters)
     */
    Execution(TaskSlot slot, String runId, RunTrigger trigger, Instant scheduledTime, Map<String, String> arguments,
              int attempt, Instant chainStart, Set<String> lockKeys) {
        this.slot = slot;
        this.definition = slot.definition;
        this.runId = runId;
        this.trigger = trigger;
        this.scheduledTime = scheduledTime;
        this.arguments = Map.copyOf(arguments);
        this.attempt = attempt;
        this.chainStart = chainStart;
        this.lockKeys = Set.copyOf(lockKeys);
    }

    void started(Instant at, Optional<Instant> deadlineAt) {
        this.startTime = at;
        this.deadline = deadlineAt.orElse(null);
    }

    Phase phase() {
        return phase.get();
    }

    /** The launcher handed it to a worker. */
    void dispatched() {
        phase.compareAndSet(Phase.CREATED, Phase.DISPATCHED);
    }

    /**
     * @return false if the run was cancelled before it could enter task code, or it is past entering (an execution
     *         service that calls a run twice does not run its task twice)
     */
    boolean enter(Thread current) {
        synchronized (monitor) {
            if (stop != Stop.NONE) {
                return false;
            }
            while (true) { // the launcher may mark it DISPATCHED concurrently; a call runs without being dispatched
                Phase now = phase.get();
                if (now != Phase.CREATED && now != Phase.DISPATCHED) {
                    return false;
                }
                if (phase.compareAndSet(now, Phase.RUNNING)) {
                    break;
                }
            }
            thread = current;
            threadName = current.getName();
            entered = true;
            return true;
        }
    }

    void exit() {
        synchronized (monitor) {
            thread = null;
        }
    }

    /**
     * @return true the first time a run that is not stuck ends (it moves to ENDED): the caller records the
     *         outcome. False for a run already ended, or declared stuck (its outcome was recorded then)
     */
    boolean finishOnce() {
        while (true) {
            Phase now = phase.get();
            if (now == Phase.STUCK || now == Phase.ENDED || now == Phase.DONE) {
                return false;
            }
            if (phase.compareAndSet(now, Phase.ENDED)) {
                return true;
            }
        }
    }

    /** @return true if the run was inside task code and is now declared stuck */
    boolean declareStuck() {
        return phase.compareAndSet(Phase.RUNNING, Phase.STUCK);
    }

    /** @return whether the run has ended (or is stuck, its outcome recorded) */
    boolean isFinished() {
        Phase now = phase.get();
        return now == Phase.STUCK || now == Phase.ENDED || now == Phase.DONE;
    }

    boolean isStuck() {
        return phase.get() == Phase.STUCK;
    }

    /** Acknowledged, or a stuck run returned: anyone awaiting it may go on. */
    void done() {
        phase.set(Phase.DONE);
        done.countDown();
    }

    /** Asks the run to stop and interrupts its thread if it is inside task code. */
    void cancel(String reason) {
        synchronized (monitor) {
            stop(Stop.CANCELLED, reason);
        }
    }

    /** Cancels because the deadline passed. */
    void timeOut(String reason) {
        synchronized (monitor) {
            stop(Stop.TIMED_OUT, reason);
        }
    }

    private void stop(Stop why, String reason) {
        if (stop == Stop.NONE) {
            stop = why;
            cancelReason = reason;
        } else if (why == Stop.TIMED_OUT) {
            stop = why; // a timeout wins over an earlier cancellation: the run is recorded as timed out
        }
        if (thread != null) {
            thread.interrupt();
        }
    }

    boolean isTimedOut() {
        return stop == Stop.TIMED_OUT;
    }

    /** @return whether the run ended within the wait */
    boolean await(long nanos) throws InterruptedException {
        return done.await(nanos, TimeUnit.NANOSECONDS);
    }

    boolean isDone() {
        return done.getCount() == 0;
    }

    boolean runsOn(Thread t) {
        synchronized (monitor) {
            return thread == t;
        }
    }

    String cancelReason() {
        return cancelReason;
    }

    String threadName() {
        return threadName;
    }

    Instant chainStart() {
        return chainStart;
    }

    boolean hasStarted() {
        return startTime != null;
    }

    /** @return whether it ever entered task code */
    boolean entered() {
        return entered;
    }

    @Override
    public TaskId taskId() {
        return slot.id;
    }

    @Override
    public String runId() {
        return runId;
    }

    @Override
    public int attempt() {
        return attempt;
    }

    @Override
    public RunTrigger trigger() {
        return trigger;
    }

    @Override
    public Instant scheduledTime() {
        return scheduledTime;
    }

    @Override
    public Instant startTime() {
        return startTime == null ? scheduledTime : startTime;
    }

    @Override
    public Optional<Instant> deadline() {
        return Optional.ofNullable(deadline);
    }

    @Override
    public Optional<String> tenant() {
        return slot.id.tenant();
    }

    @Override
    public Map<String, String> arguments() {
        return arguments;
    }

    @Override
    public Map<String, String> config() {
        return definition.config();
    }

    @Override
    public TaskDefinition definition() {
        return definition;
    }

    @Override
    public boolean isCancelled() {
        return stop != Stop.NONE;
    }

    /**
     * Waits for runs to end (be acknowledged), together at most {@code limit}; a run on this very thread (a task
     * stopping its own bundle) is not waited for.
     *
     * @param reason for the WARN about those that did not end; empty: no WARN
     * @return the executions that did not end within {@code limit}
     */
    static List<Execution> awaitAll(List<Execution> executions, Duration limit, String reason) {
        List<Execution> late = new ArrayList<>();
        long deadline = System.nanoTime() + limit.toNanos();
        for (Execution e : executions) {
            if (e.runsOn(Thread.currentThread())) {
                continue; // a task stopping its own bundle: it cannot wait for itself
            }
            try {
                if (!e.await(Math.max(0, deadline - System.nanoTime()))) {
                    late.add(e);
                }
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                return late;
            }
        }
        if (!late.isEmpty() && !reason.isEmpty()) {
            LOG.warn("{} run(s) did not end within {} ({}): {}; they are left to finish on their own", late.size(),
                    limit, reason, late);
        }
        return late;
    }

    /**
     * The core no longer waits for this cancelled run: the execution service running it may treat it as stuck and
     * replace its thread, so a run that ignores its cancellation does not keep a worker from everyone else.
     */
    void abandoned() {
        RunHandoff h = handoff;
        if (h != null) {
            h.abandoned();
        }
    }


    @Override
    public String toString() {
        return "run " + runId + " of " + slot.id + (attempt > 1 ? " (attempt " + attempt + ")" : "");
    }
}
