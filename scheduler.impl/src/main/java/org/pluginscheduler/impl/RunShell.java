package org.pluginscheduler.impl;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.TaskAction;
import org.pluginscheduler.api.TaskResult;
import org.pluginscheduler.api.TaskRetryRequestedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run on a thread: enters its provider (never one that is gone), enters task code with its deadline armed,
 * classifies what came back (result, exception, timeout, cancellation) and hands the outcome to
 * {@link Completion}. At the deadline the run is cancelled and interrupted; a run that still has not returned
 * {@code stuckAfter} later is declared stuck: its outcome is recorded then and its pool gets a replacement thread.
 *
 * <p>Owns the count of stuck runs. Called by the {@link Launcher} (on a worker) and by the admin (a synchronous
 * call, on the caller's thread); its deadline callbacks run on the timer thread.
 */
final class RunShell {

    private static final Logger LOG = LoggerFactory.getLogger(RunShell.class);

    private final CoreContext ctx;
    private final TaskTimer timer;
    private final Workers workers;
    private final Completion completion;
    private final AtomicInteger stuck = new AtomicInteger();

    RunShell(CoreContext ctx, TaskTimer timer, Workers workers, Completion completion) {
        this.ctx = ctx;
        this.timer = timer;
        this.workers = workers;
        this.completion = completion;
    }

    /** @return runs declared stuck whose thread has not returned */
    int stuck() {
        return stuck.get();
    }

    /** Runs one execution on the current thread and records it. */
    RunRecord run(Execution execution) {
        TaskSlot slot = execution.slot;
        Instant start = ctx.clock.instant();
        Optional<Instant> deadline = execution.definition().timeout().flatMap(t -> deadline(start, t));
        execution.started(start, deadline);
        ProviderHandle handle = slot.handle;
        if (ctx.stopped()) {
            return completion.finish(execution, RunStatus.CANCELLED,
                    "cancelled before it started: the scheduler is stopping", Map.of(), start, Optional.empty(),
                    Optional.empty());
        }
        if (!handle.enter(execution)) {
            return completion.finish(execution, RunStatus.CANCELLED,
                    "cancelled before it started: its provider went away", Map.of(), start, Optional.empty(),
                    Optional.empty());
        }
        RunStatus status;
        String message;
        Map<String, String> data = Map.of();
        Optional<Throwable> error = Optional.empty();
        Optional<Optional<Duration>> retryRequest = Optional.empty();
        VirtualMachineError fatal = null;
        try {
            if (!execution.enter(Thread.currentThread())) {
                return completion.finish(execution, RunStatus.CANCELLED, "cancelled before it started: "
                        + execution.cancelReason(), Map.of(), start, Optional.empty(), Optional.empty());
            }
            deadline.ifPresent(d -> {
                synchronized (ctx.lock) {
                    execution.timeoutEntry = timer.schedule(d, due -> timedOut(execution));
                }
            });
            completion.running(execution, start);
            try {
                TaskAction action = handle.actions.action(slot.id.id());
                if (action == null) {
                    throw new IllegalStateException("its provider no longer has task " + slot.id.id());
                }
                TaskResult result = action.execute(execution);
                if (result == null) {
                    result = TaskResult.failure("the task returned no result");
                }
                data = result.data();
                message = result.message();
                status = result.successful() ? RunStatus.SUCCEEDED : RunStatus.FAILED;
            } catch (TaskRetryRequestedException e) {
                message = "retry requested: " + e.getMessage();
                status = RunStatus.FAILED;
                error = Optional.of(e);
                retryRequest = Optional.of(e.delay());
            } catch (Throwable e) { // an Error from task code is a failed run too; the run must still end
                if (e instanceof VirtualMachineError vme && !(e instanceof StackOverflowError)) {
                    fatal = vme; // out of memory and the like: recorded, then rethrown; a deep recursion is not fatal
                }
                message = describe(e);
                status = RunStatus.FAILED;
                error = Optional.of(e);
                if (!execution.isCancelled()) {
                    LOG.warn("Task {} failed ({}): {}", slot.id, execution, message, e);
                }
            } finally {
                execution.exit();
                Thread.interrupted(); // never hand an interrupted thread back to the pool
            }
        } finally {
            handle.exit(execution);
        }
        if (execution.isTimedOut()) {
            status = RunStatus.TIMED_OUT;
            message = execution.cancelReason() + (message.isEmpty() ? "" : " (" + message + ")");
        } else if (execution.isCancelled()) {
            status = RunStatus.CANCELLED;
            message = "cancelled: " + execution.cancelReason() + (message.isEmpty() ? "" : " (" + message + ")");
            retryRequest = Optional.empty();
        }
        RunRecord finished = completion.finish(execution, status, message, data, ctx.clock.instant(), error,
                retryRequest);
        if (finished == null) { // declared stuck before it returned: its outcome was recorded then
            finished = stuckReturned(execution, status, message);
        }
        if (fatal != null) {
            throw fatal; // recorded and released first; the JVM's own handling of it comes after
        }
        return finished;
    }

    /** @return start + timeout, or none for a timeout so long it means "no limit" (or would overflow) */
    private static Optional<Instant> deadline(Instant start, Duration timeout) {
        if (timeout.compareTo(Duration.ofDays(36_500)) > 0) {
            return Optional.empty();
        }
        return Optional.of(start.plus(timeout));
    }

    /** The timer thread: a run passed its deadline. */
    private void timedOut(Execution execution) {
        synchronized (ctx.lock) {
            execution.timeoutEntry = null;
            if (execution.isFinished()) {
                return;
            }
            Duration timeout = execution.definition().timeout().orElse(Duration.ZERO);
            execution.timeOut("timed out after " + timeout);
            timer.schedule(ctx.clock.instant().plus(ctx.settings().stuckAfter()), due -> stuckCheck(execution));
        }
        LOG.warn("{} timed out; cancelled and interrupted", execution);
    }

    /**
     * The timer thread: a timed-out run that still has not ended ignores interruption. Its record is finished
     * now (TIMED_OUT, through the retry path), and its pool gets a replacement thread so it does not take
     * capacity from other tasks; when the thread finally returns, the replacement goes again.
     */
    private void stuckCheck(Execution execution) {
        if (!execution.declareStuck()) {
            return; // it ended meanwhile
        }
        boolean replaced;
        synchronized (ctx.lock) {
            replaced = workers.compensate(execution.definition().priority(), +1);
            execution.compensated = replaced;
        }
        stuck.incrementAndGet();
        String message = execution.cancelReason() + " and ignored interruption: thread " + execution.threadName()
                + " is still busy (stuck)" + (replaced ? "; a replacement worker was started"
                : "; no replacement: the pool has already doubled for stuck runs");
        LOG.error("{} {}", execution, message);
        // the outcome (store write, failure hooks) is recorded off the timer thread
        Instant now = ctx.clock.instant();
        ctx.control(() -> completion.recordStuck(execution, message, now));
    }

    /**
     * A stuck run finally returned: its record was written when it was declared stuck; now it lets go of its
     * task, locks and permit, and its replacement thread goes.
     */
    private RunRecord stuckReturned(Execution execution, RunStatus status, String message) {
        synchronized (ctx.lock) {
            if (execution.compensated) {
                workers.compensate(execution.definition().priority(), -1);
                execution.compensated = false;
            }
        }
        stuck.decrementAndGet();
        LOG.warn("{} finally returned after being declared stuck ({}); its result is discarded: {}", execution,
                status, message);
        return completion.releaseStuck(execution);
    }

    private static String describe(Throwable e) {
        String message = e.getMessage();
        return e.getClass().getSimpleName() + (message == null || message.isBlank() ? "" : ": " + message);
    }
}
