package org.pluginscheduler.impl.core;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.pluginscheduler.api.RetryDecision;
import org.pluginscheduler.api.RetryPolicy;
import org.pluginscheduler.api.TaskFailure;
import org.pluginscheduler.api.TaskFailureHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides what follows a failed run: failure handlers in ranking order first (the first decision wins, a handler
 * that throws is skipped), then an explicit retry request, then the task's retry policy. Every path is bounded by
 * the policy's {@link RetryPolicy#maxRetries()}.
 */
public final class RetryDecider {

    private static final Logger LOG = LoggerFactory.getLogger(RetryDecider.class);

    /** What follows a failure. */
    record Outcome(Kind kind, Duration delay, String note) {
        enum Kind {
            /** Retry after {@code delay}. */
            RETRY,
            /** No more retries: dead letter if eligible, else a WARN. */
            EXHAUSTED,
            /** A handler aborted: no retries, no dead letter. */
            ABORTED,
            /** The task has no retries and no handler spoke: nothing to add. */
            NOT_RETRIED
        }

        static Outcome retry(Duration delay, String note) {
            return new Outcome(Kind.RETRY, delay, note);
        }

        static Outcome of(Kind kind, String note) {
            return new Outcome(kind, Duration.ZERO, note);
        }
    }

    /**
     * A handler with its ranking, a name for logs, and the owners whose tasks it decides for.
     *
     * @param owners owner names; {@code *} for every owner
     */
    public record Ranked(TaskFailureHandler handler, int ranking, long serviceId, String name, Set<String> owners,
                         Calls calls) {
        public Ranked {
            owners = Set.copyOf(owners);
        }

        public Ranked(TaskFailureHandler handler, int ranking, long serviceId, String name, Set<String> owners) {
            this(handler, ranking, serviceId, name, owners, new Calls());
        }

        /** A handler for every owner's tasks. */
        public Ranked(TaskFailureHandler handler, int ranking, long serviceId, String name) {
            this(handler, ranking, serviceId, name, Set.of(ANY_OWNER));
        }

        /** @return whether it decides for tasks of this owner */
        boolean covers(String owner) {
            return owners.contains(owner) || owners.contains(ANY_OWNER);
        }
    }

    /** In {@link Ranked#owners()}: every owner. */
    public static final String ANY_OWNER = "*";

    /**
     * How long one handler may take to decide. A handler that takes longer is skipped (the next handler, then the
     * task's policy, decides) until that call returns: a hook that blocks forever costs each failure at most this
     * wait once, holds one thread, and never stops stuck-run or crash-recovery decisions of every plugin. Not final
     * only so that tests can shorten it.
     */
    static volatile Duration handlerLimit = Duration.ofSeconds(5);

    /** Where handlers run, so that the caller can stop waiting; daemon threads that end when idle. */
    private static final ExecutorService HANDLER_CALLS = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 10,
            TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
                Thread t = new Thread(r, "task-failure-handler");
                t.setDaemon(true);
                return t;
            });

    /** One handler's call that outlived {@link #handlerLimit}: while it has not returned, the handler is skipped. */
    public static final class Calls {
        private final AtomicReference<Object> late = new AtomicReference<>();

        boolean blocked() {
            return late.get() != null;
        }
    }

    /** Asks one handler, waiting at most {@link #handlerLimit}. @return its decision; empty if it took too long */
    private static Optional<RetryDecision> ask(Ranked ranked, TaskFailure failure) throws Throwable {
        AtomicBoolean returned = new AtomicBoolean();
        Object token = returned;
        Future<Optional<RetryDecision>> call = HANDLER_CALLS.submit(() -> {
            try {
                return ranked.handler().onFailure(failure);
            } finally {
                returned.set(true);
                ranked.calls().late.compareAndSet(token, null);
            }
        });
        try {
            return call.get(handlerLimit.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            throw e.getCause();
        } catch (TimeoutException e) {
            ranked.calls().late.set(token);
            if (returned.get()) {
                ranked.calls().late.compareAndSet(token, null); // it returned just now after all
            }
            LOG.warn("Failure handler {} did not decide about {} (run {}) within {}; skipped, and skipped for every "
                    + "failure until that call returns", ranked.name(), failure.taskId(), failure.runId(),
                    handlerLimit);
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    private RetryDecider() {
    }

    /**
     * @param handlers  highest ranking first
     * @param requested the delay of a {@code TaskRetryRequestedException} (empty delay inside: the policy's), or
     *                  empty if the task did not ask
     */
    static Outcome decide(TaskFailure failure, RetryPolicy policy, List<Ranked> handlers,
                          Optional<Optional<Duration>> requested) {
        int retriesSoFar = failure.attempt() - 1;
        int max = policy.maxRetries();
        boolean budgetLeft = retriesSoFar < max;
        String budget = "retry " + (retriesSoFar + 1) + " of " + max;
        for (Ranked ranked : handlers) {
            if (!ranked.covers(failure.taskId().owner())) {
                continue; // another plugin's hook: it decides for its own tasks only
            }
            if (ranked.calls().blocked()) {
                continue; // its earlier call has not returned: logged when it ran out of time
            }
            Optional<RetryDecision> decision;
            try {
                decision = ask(ranked, failure);
            } catch (VirtualMachineError fatal) {
                throw fatal;
            } catch (Throwable e) { // a broken hook must never leave a run unfinished
                LOG.warn("Failure handler {} threw while deciding about {} (run {}); skipped: {}", ranked.name(),
                        failure.taskId(), failure.runId(), e.toString());
                continue;
            }
            if (decision == null || decision.isEmpty()) {
                continue;
            }
            RetryDecision d = decision.get();
            String by = " (" + ranked.name() + ": " + d.reason() + ")";
            if (d instanceof RetryDecision.Retry r) {
                Duration delay = capped(r.delay(), ranked.name());
                return budgetLeft ? Outcome.retry(delay, budget + " in " + delay + by)
                        : Outcome.of(Outcome.Kind.EXHAUSTED, "gave up after " + attempts(failure.attempt()) + by);
            }
            if (d instanceof RetryDecision.GiveUp) {
                return Outcome.of(Outcome.Kind.EXHAUSTED, "gave up" + by);
            }
            return Outcome.of(Outcome.Kind.ABORTED, "aborted remaining retries" + by);
        }
        if (requested.isPresent()) {
            if (!budgetLeft) {
                return Outcome.of(Outcome.Kind.EXHAUSTED, "retry requested but gave up after "
                        + attempts(failure.attempt()) + " (max retries " + max + ")");
            }
            Duration delay = capped(requested.get().orElseGet(() -> policy.delayBefore(retriesSoFar + 1)), "the task");
            return Outcome.retry(delay, "retry requested: " + budget + " in " + delay);
        }
        if (budgetLeft) {
            Duration delay = capped(policy.delayBefore(retriesSoFar + 1), "the retry policy");
            return Outcome.retry(delay, budget + " in " + delay);
        }
        if (max == 0) {
            return Outcome.of(Outcome.Kind.NOT_RETRIED, "");
        }
        return Outcome.of(Outcome.Kind.EXHAUSTED, "gave up after " + attempts(failure.attempt()));
    }

    /** The longest wait before a retry; longer requests are capped (a year is already a dead letter in disguise). */
    static final Duration MAX_DELAY = Duration.ofDays(365);

    private static Duration capped(Duration delay, String source) {
        if (delay == null || delay.isNegative()) {
            return Duration.ZERO;
        }
        if (delay.compareTo(MAX_DELAY) > 0) {
            LOG.warn("A retry delay of {} from {} is capped at {}", delay, source, MAX_DELAY);
            return MAX_DELAY;
        }
        return delay;
    }

    private static String attempts(int n) {
        return n + (n == 1 ? " attempt" : " attempts");
    }
}
