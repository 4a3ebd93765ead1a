package org.pluginscheduler.impl.core;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;

import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.TaskAction;
import org.pluginscheduler.api.TaskResult;
import org.pluginscheduler.api.TaskRetryRequestedException;
import org.pluginscheduler.api.execution.RunExecutor;

/**
 * One run on a thread: enters its provider (never one that is gone), enters task code, classifies what came back
 * (result, exception, timeout, cancellation) and hands the outcome to {@link Completion}. The thread and the
 * deadline belong to the execution service ({@link RunExecutor}): it calls {@code timedOut} at the
 * deadline, and the run is cancelled and interrupted here; it calls {@code stuck} when the run ignored
 * that, and the run's outcome is recorded then while it keeps its task and locks until its thread returns.
 *
 * <p>Owns no state. Called by the execution service, through the {@link RunHandoff} the launcher gave it.
 */
final class RunShell {

    private final CoreContext ctx;
    private final Completion completion;

    RunShell(CoreContext ctx, Completion completion) {
        this.ctx = ctx;
        this.completion = completion;
    }

    /** A timeout this long means "no limit" (and start + timeout could overflow). */
    static final Duration NO_LIMIT = Duration.ofDays(36_500);

    /** Runs one execution on the current thread and records it. */
    RunRecord run(Execution execution) {
        TaskSlot slot = execution.slot;
        Instant start = ctx.clock.instant();
        Optional<Instant> deadline = execution.definition().timeout().filter(t -> t.compareTo(NO_LIMIT) <= 0)
                .map(start::plus);
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
                // a deadline that passed before task code was entered is a timeout: it goes the retry path
                return completion.finish(execution, execution.isTimedOut() ? RunStatus.TIMED_OUT : RunStatus.CANCELLED,
                        (execution.isTimedOut() ? "" : "cancelled before it started: ") + execution.cancelReason(),
                        Map.of(), start, Optional.empty(), Optional.empty());
            }
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
                    ctx.failures.report(FailureLog.Kind.FAILED, slot.id, FailureLog.Level.WARN,
                            "Task " + slot.id + " failed (" + execution + "): " + message, message, e, gone(slot));
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
            ctx.failures.report(FailureLog.Kind.RETURNED_LATE, slot.id, FailureLog.Level.WARN, execution
                    + " finally returned after being declared stuck (" + status + "); its result is discarded: "
                    + message, status + ": " + message, null, gone(slot));
            finished = completion.releaseStuck(execution);
        }
        if (fatal != null) {
            throw fatal; // recorded and released first; the JVM's own handling of it comes after
        }
        return finished;
    }

    /** The execution service: the run passed its deadline inside task code. */
    void timedOut(Execution execution, Duration timeout) {
        if (execution.isFinished()) {
            return;
        }
        execution.timeOut("timed out after " + timeout);
        ctx.failures.report(FailureLog.Kind.TIMED_OUT, execution.slot.id, FailureLog.Level.WARN, execution
                + " timed out; cancelled and interrupted", "timed out after " + timeout, null, gone(execution.slot));
    }

    /**
     * The execution service: a timed-out run ignores interruption. Its outcome is recorded now (TIMED_OUT,
     * through the retry path), off the caller's thread; it keeps its task, locks and permit until it returns.
     */
    void stuck(Execution execution, String thread, boolean replaced) {
        if (!execution.declareStuck()) {
            return; // it ended meanwhile
        }
        String message = execution.cancelReason() + " and ignored interruption: thread " + thread
                + " is still busy (stuck)" + (replaced ? "; a replacement worker was started"
                : "; no replacement: the pool has already doubled for stuck runs");
        ctx.failures.report(FailureLog.Kind.STUCK, execution.slot.id, FailureLog.Level.ERROR, execution + " " + message,
                message, null, gone(execution.slot));
        Instant now = ctx.clock.instant();
        ctx.offLock(() -> completion.recordStuck(execution, message, now));
    }

    /**
     * Whether the task of a slot is gone, for the failure log: read without the lock (it may see it late), and
     * through a weak reference, so a removed task's provider and class loader are never kept by the log.
     */
    static BooleanSupplier gone(TaskSlot slot) {
        WeakReference<TaskSlot> ref = new WeakReference<>(slot);
        return () -> {
            TaskSlot s = ref.get();
            return s == null || s.removed || s.deleted;
        };
    }

    private static String describe(Throwable e) {
        String message = e.getMessage();
        return e.getClass().getSimpleName() + (message == null || message.isBlank() ? "" : ": " + message);
    }
}
