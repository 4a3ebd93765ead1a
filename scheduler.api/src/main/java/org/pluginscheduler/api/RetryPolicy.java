package org.pluginscheduler.api;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * How many times a failed run is retried and how long to wait before each retry. Plugin authors may implement
 * their own; the built-in policies cover the usual shapes. The default is {@link #none()}.
 *
 * <p>Retries of a periodic task do not move its regular schedule. {@link TaskFailureHandler}s are consulted
 * before the policy and may override it.
 *
 * <p>Implementations must be immutable and thread-safe.
 */
@ConsumerType
public interface RetryPolicy {

    /** @return the most retries after the first attempt; 0 means none */
    int maxRetries();

    /**
     * @param retry the retry about to be scheduled, 1-based (1 is the second attempt)
     * @return how long to wait before it; not negative
     */
    Duration delayBefore(int retry);

    /** @return a policy that never retries */
    static RetryPolicy none() {
        return Fixed.NONE;
    }

    /** @return up to {@code maxRetries} retries, each after {@code delay} */
    static RetryPolicy fixed(int maxRetries, Duration delay) {
        return new Fixed(maxRetries, delay);
    }

    /** @return up to {@code maxRetries} retries; retry n waits {@code initial + (n - 1) * increment} */
    static RetryPolicy linear(int maxRetries, Duration initial, Duration increment) {
        return new Linear(maxRetries, initial, increment);
    }

    /**
     * @param base   the wait before the first retry
     * @param factor the growth per retry, at least 1
     * @param cap    the longest wait
     * @param jitter the fraction (0–1) of each wait that is randomized: the wait is drawn from
     *               {@code [w * (1 - jitter), w]}
     * @return up to {@code maxRetries} retries; retry n waits {@code min(cap, base * factor^(n-1))}, jittered
     */
    static RetryPolicy exponential(int maxRetries, Duration base, double factor, Duration cap, double jitter) {
        return new Exponential(maxRetries, base, factor, cap, jitter);
    }

    private static void checkMaxRetries(int maxRetries) {
        if (maxRetries < 0 || maxRetries > 1000) {
            throw new IllegalArgumentException("maxRetries: " + maxRetries + " is not in 0–1000");
        }
    }

    /** Names the argument at fault, so that e.g. an exponential policy's base and cap can be told apart. */
    private static void checkDelay(String field, Duration d) {
        Objects.requireNonNull(d, field);
        if (d.isNegative()) {
            throw new IllegalArgumentException(field + ": " + d + " must not be negative");
        }
    }

    /** A constant delay. */
    record Fixed(int maxRetries, Duration delay) implements RetryPolicy {
        static final Fixed NONE = new Fixed(0, Duration.ZERO);

        public Fixed {
            checkMaxRetries(maxRetries);
            checkDelay("delay", delay);
        }

        @Override
        public Duration delayBefore(int retry) {
            return delay;
        }
    }

    /** A delay growing by a constant increment. */
    record Linear(int maxRetries, Duration initial, Duration increment) implements RetryPolicy {
        public Linear {
            checkMaxRetries(maxRetries);
            checkDelay("initial", initial);
            checkDelay("increment", increment);
        }

        @Override
        public Duration delayBefore(int retry) {
            return initial.plus(increment.multipliedBy(Math.max(0, retry - 1)));
        }
    }

    /** A delay growing by a factor, capped, with optional jitter. */
    record Exponential(int maxRetries, Duration base, double factor, Duration cap, double jitter) implements RetryPolicy {
        public Exponential {
            checkMaxRetries(maxRetries);
            checkDelay("base", base);
            checkDelay("cap", cap);
            if (!(factor >= 1.0) || factor > 100) {
                throw new IllegalArgumentException("factor: " + factor + " is not in 1–100");
            }
            if (!(jitter >= 0.0 && jitter <= 1.0)) {
                throw new IllegalArgumentException("jitter: " + jitter + " is not in 0–1");
            }
        }

        @Override
        public Duration delayBefore(int retry) {
            double millis = millis(base) * Math.pow(factor, Math.max(0, retry - 1));
            long capped = (long) Math.min(millis, millis(cap));
            long jittered = jitter == 0 ? capped
                    : capped - (long) (capped * jitter * ThreadLocalRandom.current().nextDouble());
            return Duration.ofMillis(jittered);
        }

        /** Like {@link Duration#toMillis()} without its overflow, e.g. for a cap of {@code ChronoUnit.FOREVER}. */
        private static double millis(Duration d) {
            return d.getSeconds() * 1000.0 + d.getNano() / 1_000_000;
        }
    }
}
