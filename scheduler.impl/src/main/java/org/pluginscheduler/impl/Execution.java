package org.pluginscheduler.impl;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.pluginscheduler.api.RunTrigger;
import org.pluginscheduler.api.TaskDefinition;
import org.pluginscheduler.api.TaskExecution;
import org.pluginscheduler.api.TaskId;

/**
 * One run: the context handed to the task, plus what the scheduler needs to cancel, time out and await it.
 * Cancelling sets the flag and interrupts the executing thread only while the run is inside task code, so a
 * pooled thread is never interrupted on behalf of a run that already ended.
 */
final class Execution implements TaskExecution {

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
    private final AtomicBoolean finished = new AtomicBoolean();
    private volatile Instant startTime;
    private volatile Instant deadline;
    private volatile boolean cancelled;
    private volatile boolean timedOut;
    private volatile String cancelReason = "";
    private volatile String threadName = "";
    /** Guarded by the engine's lock. */
    boolean permitHeld;
    /** Guarded by the engine's lock. */
    TaskTimer.Entry timeoutEntry;
    /** Set when a stuck run's worker was replaced; guarded by the engine's lock. */
    boolean compensated;
    /** Timed out and ignoring interruption: its record is written, but it holds its task until it returns. */
    volatile boolean declaredStuck;
    private Thread thread; // guarded by this

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

    /** @return false if the run was cancelled before it could enter task code */
    synchronized boolean enter(Thread current) {
        if (cancelled) {
            return false;
        }
        thread = current;
        threadName = current.getName();
        return true;
    }

    synchronized void exit() {
        thread = null;
    }

    /** @return true the first time only: the caller records the outcome */
    boolean finishOnce() {
        return finished.compareAndSet(false, true);
    }

    boolean isFinished() {
        return finished.get();
    }

    void done() {
        done.countDown();
    }

    /** Sets the cancellation flag and interrupts the run's thread if it is inside task code. */
    synchronized void cancel(String reason) {
        if (!cancelled) {
            cancelled = true;
            cancelReason = reason;
        }
        if (thread != null) {
            thread.interrupt();
        }
    }

    /** Cancels because the deadline passed. */
    void timeOut(String reason) {
        timedOut = true;
        cancel(reason);
    }

    boolean isTimedOut() {
        return timedOut;
    }

    /** @return whether the run ended within the wait */
    boolean await(long nanos) throws InterruptedException {
        return done.await(nanos, TimeUnit.NANOSECONDS);
    }

    boolean isDone() {
        return done.getCount() == 0;
    }

    synchronized boolean runsOn(Thread t) {
        return thread == t;
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
        return cancelled;
    }

    @Override
    public String toString() {
        return "run " + runId + " of " + slot.id + (attempt > 1 ? " (attempt " + attempt + ")" : "");
    }
}
