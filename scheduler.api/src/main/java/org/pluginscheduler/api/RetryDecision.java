package org.pluginscheduler.api;

import java.time.Duration;
import java.util.Objects;

/**
 * A {@link TaskFailureHandler}'s decision about a failed run. Every decision carries a reason, recorded in the
 * run history.
 */
public sealed interface RetryDecision permits RetryDecision.Retry, RetryDecision.GiveUp, RetryDecision.Abort {

    /** @return why this decision was taken */
    String reason();

    /** Retry after a delay; still bounded by the task's {@link RetryPolicy#maxRetries()}. */
    record Retry(Duration delay, String reason) implements RetryDecision {
        public Retry {
            Objects.requireNonNull(delay, "delay");
            Objects.requireNonNull(reason, "reason");
            if (delay.isNegative()) {
                throw new IllegalArgumentException("delay: " + delay + " must not be negative");
            }
        }
    }

    /** Do not retry; the run is exhausted and becomes a dead letter if its task is eligible. */
    record GiveUp(String reason) implements RetryDecision {
        public GiveUp {
            Objects.requireNonNull(reason, "reason");
        }
    }

    /**
     * Abort the remaining retries and do not dead-letter: retrying or replaying cannot help (a permission
     * failure, say). The run record says it was aborted, with the reason.
     */
    record Abort(String reason) implements RetryDecision {
        public Abort {
            Objects.requireNonNull(reason, "reason");
        }
    }

    /** @return a retry after {@code delay} */
    static RetryDecision retryAfter(Duration delay, String reason) {
        return new Retry(delay, reason);
    }

    /** @return give up (dead letter if eligible) */
    static RetryDecision giveUp(String reason) {
        return new GiveUp(reason);
    }

    /** @return abort remaining retries, no dead letter */
    static RetryDecision abort(String reason) {
        return new Abort(reason);
    }
}
