package org.pluginscheduler.impl.core;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;

import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.SchedulerStats;

/** Counters for {@code task:stats}: runs by status and a window of recent fire lags. Thread-safe. */
final class RunStats {

    private static final int WINDOW = 10_000;

    private final Instant since;
    private final Map<RunStatus, Long> counts = new EnumMap<>(RunStatus.class);
    private final long[] lags = new long[WINDOW];
    private int next;
    private int size;

    RunStats(Instant since) {
        this.since = since;
    }

    synchronized void count(RunStatus status) {
        counts.merge(status, 1L, Long::sum);
    }

    /** The longest lag kept, in nanoseconds: a one-shot 300 years past ({@code at:1700-01-01T00:00:00Z}) is this. */
    private static final Duration LONGEST_LAG = Duration.ofNanos(Long.MAX_VALUE);

    /**
     * @param lag a run's fire lag; past about 292 years (a one-shot far in the past fires at once, as documented) it
     *            is kept as 292 years: the nanoseconds overflowed and the exception ended the run's completion
     */
    synchronized void lag(Duration lag) {
        lags[next] = lag.isNegative() ? 0 : lag.compareTo(LONGEST_LAG) >= 0 ? Long.MAX_VALUE : lag.toNanos();
        next = (next + 1) % WINDOW;
        size = Math.min(size + 1, WINDOW);
    }

    Instant since() {
        return since;
    }

    synchronized Map<RunStatus, Long> counts() {
        return Map.copyOf(counts);
    }

    synchronized SchedulerStats.Lag lagPercentiles() {
        if (size == 0) {
            return new SchedulerStats.Lag(0, Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO);
        }
        long[] sorted = Arrays.copyOf(lags, size);
        Arrays.sort(sorted);
        return new SchedulerStats.Lag(size, at(sorted, 0.50), at(sorted, 0.90), at(sorted, 0.99),
                Duration.ofNanos(sorted[size - 1]));
    }

    private static Duration at(long[] sorted, double quantile) {
        int index = (int) Math.ceil(quantile * sorted.length) - 1;
        return Duration.ofNanos(sorted[Math.max(0, Math.min(sorted.length - 1, index))]);
    }
}
