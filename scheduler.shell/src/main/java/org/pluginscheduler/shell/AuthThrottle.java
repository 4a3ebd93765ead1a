package org.pluginscheduler.shell;

import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The growing delay before a failed remote-shell authentication is answered. Per source (see
 * {@link RefusalLog#source}: all of loopback is one source, so for the usual loopback listener this is a global
 * throttle), the n-th failure of a burst waits {@code base × 2^(n−1)}, at most {@code max}; a burst ends after one
 * window without failures from that source. A success does not reset the count: on loopback the operator and an
 * attacker are the same source, and a success must not give the attacker a fresh start. A correct token is never
 * delayed.
 *
 * <p>Beyond {@value #MAX_SOURCES} sources in a burst at once, further ones share one count, so many addresses
 * together are throttled like one. Thread-safe.
 */
final class AuthThrottle {

    static final int MAX_SOURCES = 1024;

    private final LongSupplier nanoClock;
    private final long baseNanos;
    private final long maxNanos;
    private final long windowNanos;
    private final Map<String, long[]> failures = new HashMap<>(); // source -> {count, last failure nanos}

    /**
     * @param nanoClock   monotonic time in nanoseconds ({@code System::nanoTime} in production)
     * @param baseNanos   the delay of the first failure of a burst; 0 turns throttling off
     * @param maxNanos    the longest delay, not less than {@code baseNanos}
     * @param windowNanos quiet time after which a source starts again from {@code baseNanos}
     */
    AuthThrottle(LongSupplier nanoClock, long baseNanos, long maxNanos, long windowNanos) {
        if (baseNanos < 0 || maxNanos < baseNanos || windowNanos <= 0) {
            throw new IllegalArgumentException("need 0 <= base <= max and window > 0");
        }
        this.nanoClock = nanoClock;
        this.baseNanos = baseNanos;
        this.maxNanos = maxNanos;
        this.windowNanos = windowNanos;
    }

    /**
     * Records a failed authentication.
     *
     * @return how long to wait, in nanoseconds, before answering it
     */
    synchronized long failed(String source) {
        long now = nanoClock.getAsLong();
        failures.values().removeIf(f -> now - f[1] >= windowNanos);
        long[] entry = failures.get(source);
        if (entry == null && failures.size() >= MAX_SOURCES) {
            source = RefusalLog.OTHER_SOURCES;
            entry = failures.get(source);
        }
        if (entry == null) {
            entry = new long[2];
            failures.put(source, entry);
        }
        entry[0]++;
        entry[1] = now;
        return delay(entry[0]);
    }

    /** @return the delay of the n-th failure of a burst (n ≥ 1) */
    long delay(long n) {
        if (baseNanos == 0) {
            return 0;
        }
        long doublings = Math.min(n - 1, 62);
        long limit = maxNanos >> doublings; // base << doublings > max exactly when base > max >> doublings
        return baseNanos > limit ? maxNanos : baseNanos << doublings;
    }
}
