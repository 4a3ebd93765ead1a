package org.pluginscheduler.execution;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.pluginscheduler.api.Priority;
import org.pluginscheduler.internal.config.ConfigReader;

/**
 * The settings of the execution service, checked: pool sizes, stuck delay, grace period and the owners' share.
 *
 * <p>{@link #from(Map)} reads the raw Config Admin properties, whatever type a value arrives as (an
 * {@code Integer} or {@code Long} from Config Admin or a typed {@code .config} file, a {@code String} from a
 * {@code .cfg} file), so a value that cannot be converted is reported with its field like one that is out of range.
 *
 * @param realtimeThreads   size of the {@link Priority#REALTIME} pool
 * @param workerThreads     size of the {@link Priority#NORMAL} pool
 * @param backgroundThreads size of the {@link Priority#BACKGROUND} pool
 * @param stuckAfter        how long after its timeout a run still inside task code is declared stuck
 * @param gracePeriod       how long running runs may finish when the service stops
 * @param ownerSharePercent the percentage of a pool's configured threads one owner may hold at once (at least one
 *                          thread: {@link #share})
 */
record ExecutionSettings(int realtimeThreads, int workerThreads, int backgroundThreads, Duration stuckAfter,
                         Duration gracePeriod, int ownerSharePercent) {

    static final String REALTIME_THREADS = "realtime.threads";
    static final String WORKER_THREADS = "worker.threads";
    static final String BACKGROUND_THREADS = "background.threads";
    static final String STUCK_AFTER_SECONDS = "stuck.after.seconds";
    static final String GRACE_PERIOD_SECONDS = "grace.period.seconds";
    static final String OWNER_SHARE_PERCENT = "owner.share.percent";

    /** The keys this configuration has, in the order they are described. */
    static final List<String> KEYS = List.of(REALTIME_THREADS, WORKER_THREADS, BACKGROUND_THREADS,
            STUCK_AFTER_SECONDS, GRACE_PERIOD_SECONDS, OWNER_SHARE_PERCENT);

    static final int MIN_THREADS = 1;
    static final int MAX_THREADS = 1024;
    static final int MIN_STUCK_AFTER_SECONDS = 1;
    static final int MIN_GRACE_PERIOD_SECONDS = 0;
    static final int MAX_SECONDS = 3600;
    static final int MIN_OWNER_SHARE_PERCENT = 1;
    static final int MAX_OWNER_SHARE_PERCENT = 100;

    static final int DEFAULT_REALTIME_THREADS = 2;
    static final int DEFAULT_WORKER_THREADS = 8;
    static final int DEFAULT_BACKGROUND_THREADS = 2;
    static final int DEFAULT_STUCK_AFTER_SECONDS = 5;
    static final int DEFAULT_GRACE_PERIOD_SECONDS = 10;
    /** Half: an owner leaves at least half of each pool (of two threads or more) to the others. */
    static final int DEFAULT_OWNER_SHARE_PERCENT = 50;

    /** What is in force when no configuration (or only a bad one) was ever given. */
    static final ExecutionSettings DEFAULTS = new ExecutionSettings(DEFAULT_REALTIME_THREADS, DEFAULT_WORKER_THREADS,
            DEFAULT_BACKGROUND_THREADS, Duration.ofSeconds(DEFAULT_STUCK_AFTER_SECONDS),
            Duration.ofSeconds(DEFAULT_GRACE_PERIOD_SECONDS), DEFAULT_OWNER_SHARE_PERCENT);

    /** Settings with the default owner share. */
    ExecutionSettings(int realtimeThreads, int workerThreads, int backgroundThreads, Duration stuckAfter,
                      Duration gracePeriod) {
        this(realtimeThreads, workerThreads, backgroundThreads, stuckAfter, gracePeriod, DEFAULT_OWNER_SHARE_PERCENT);
    }

    /** @throws IllegalArgumentException if a value is out of its range, naming the field */
    ExecutionSettings {
        threads(REALTIME_THREADS, realtimeThreads);
        threads(WORKER_THREADS, workerThreads);
        threads(BACKGROUND_THREADS, backgroundThreads);
        Objects.requireNonNull(stuckAfter, "stuckAfter");
        Objects.requireNonNull(gracePeriod, "gracePeriod");
        if (stuckAfter.compareTo(Duration.ofSeconds(MIN_STUCK_AFTER_SECONDS)) < 0
                || stuckAfter.compareTo(Duration.ofSeconds(MAX_SECONDS)) > 0) {
            throw new IllegalArgumentException(STUCK_AFTER_SECONDS + ": " + stuckAfter + " is not in "
                    + MIN_STUCK_AFTER_SECONDS + "–" + MAX_SECONDS + " seconds");
        }
        if (gracePeriod.isNegative() || gracePeriod.compareTo(Duration.ofSeconds(MAX_SECONDS)) > 0) {
            throw new IllegalArgumentException(GRACE_PERIOD_SECONDS + ": " + gracePeriod + " is not in "
                    + MIN_GRACE_PERIOD_SECONDS + "–" + MAX_SECONDS + " seconds");
        }
        if (ownerSharePercent < MIN_OWNER_SHARE_PERCENT || ownerSharePercent > MAX_OWNER_SHARE_PERCENT) {
            throw new IllegalArgumentException(OWNER_SHARE_PERCENT + ": " + ownerSharePercent + " is not in "
                    + MIN_OWNER_SHARE_PERCENT + "–" + MAX_OWNER_SHARE_PERCENT);
        }
    }

    private static void threads(String field, int value) {
        if (value < MIN_THREADS || value > MAX_THREADS) {
            throw new IllegalArgumentException(field + ": " + value + " is not in " + MIN_THREADS + "–" + MAX_THREADS);
        }
    }

    /** @return the configured size of the pool of {@code priority} */
    int threads(Priority priority) {
        return switch (priority) {
            case REALTIME -> realtimeThreads;
            case NORMAL -> workerThreads;
            case BACKGROUND -> backgroundThreads;
        };
    }

    /**
     * The most threads of a pool of {@code threads} one owner may hold at once: {@code ownerSharePercent} of them,
     * rounded down, and at least one (so with a pool of one thread, one owner can hold it; with the default 50 %, a
     * pool of two or three threads leaves one to the others).
     */
    static int share(int threads, int ownerSharePercent) {
        return Math.max(1, (int) ((long) threads * ownerSharePercent / 100));
    }

    /** @return the most threads of the pool of {@code priority} one owner may hold at once */
    int share(Priority priority) {
        return share(threads(priority), ownerSharePercent);
    }

    /** @return a copy with the pool of {@code priority} resized */
    ExecutionSettings withThreads(Priority priority, int threads) {
        return new ExecutionSettings(priority == Priority.REALTIME ? threads : realtimeThreads,
                priority == Priority.NORMAL ? threads : workerThreads,
                priority == Priority.BACKGROUND ? threads : backgroundThreads, stuckAfter, gracePeriod,
                ownerSharePercent);
    }

    /** @return a copy with another stuck delay */
    ExecutionSettings withStuckAfter(Duration stuckAfter) {
        return new ExecutionSettings(realtimeThreads, workerThreads, backgroundThreads, stuckAfter, gracePeriod,
                ownerSharePercent);
    }

    /** @return a copy with another grace period */
    ExecutionSettings withGracePeriod(Duration gracePeriod) {
        return new ExecutionSettings(realtimeThreads, workerThreads, backgroundThreads, stuckAfter, gracePeriod,
                ownerSharePercent);
    }

    /** @return a copy with another owner share */
    ExecutionSettings withOwnerSharePercent(int ownerSharePercent) {
        return new ExecutionSettings(realtimeThreads, workerThreads, backgroundThreads, stuckAfter, gracePeriod,
                ownerSharePercent);
    }

    /**
     * Reads a configuration; an absent key takes its default.
     *
     * @param properties the raw properties, as Declarative Services passes them
     * @throws IllegalArgumentException naming every bad field and its value, e.g.
     *                                  {@code worker.threads: 'abc' is not a whole number}
     */
    static ExecutionSettings from(Map<String, ?> properties) {
        List<String> problems = new ArrayList<>();
        int realtime = read(properties, REALTIME_THREADS, DEFAULT_REALTIME_THREADS, MIN_THREADS, MAX_THREADS,
                problems);
        int worker = read(properties, WORKER_THREADS, DEFAULT_WORKER_THREADS, MIN_THREADS, MAX_THREADS, problems);
        int background = read(properties, BACKGROUND_THREADS, DEFAULT_BACKGROUND_THREADS, MIN_THREADS, MAX_THREADS,
                problems);
        int stuck = read(properties, STUCK_AFTER_SECONDS, DEFAULT_STUCK_AFTER_SECONDS, MIN_STUCK_AFTER_SECONDS,
                MAX_SECONDS, problems);
        int grace = read(properties, GRACE_PERIOD_SECONDS, DEFAULT_GRACE_PERIOD_SECONDS, MIN_GRACE_PERIOD_SECONDS,
                MAX_SECONDS, problems);
        int share = read(properties, OWNER_SHARE_PERCENT, DEFAULT_OWNER_SHARE_PERCENT, MIN_OWNER_SHARE_PERCENT,
                MAX_OWNER_SHARE_PERCENT, problems);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
        return new ExecutionSettings(realtime, worker, background, Duration.ofSeconds(stuck),
                Duration.ofSeconds(grace), share);
    }

    /**
     * @return each key of {@code properties} that is neither a setting nor a framework property, with the setting
     *         it most resembles (a typo, or {@code _} for {@code .}), sorted by key (the rule every PID follows:
     *         {@link ConfigReader#unknownKeys})
     */
    static Map<String, String> unknownKeys(Map<String, ?> properties) {
        return new ConfigReader(properties, KEYS).unknownKeys();
    }

    /** Reads one whole-number setting; a problem is added to {@code problems} and the default returned. */
    private static int read(Map<String, ?> properties, String key, int defaultValue, int min, int max,
                            List<String> problems) {
        Object value = properties.get(key);
        if (value == null) {
            return defaultValue;
        }
        // one value only: a list or array, even of one element, is a problem here (unlike ConfigReader#integer)
        BigDecimal number = ConfigReader.wholeNumber(value);
        if (number == null) {
            problems.add(key + ": " + ConfigReader.quoted(value) + " is not a whole number");
            return defaultValue;
        }
        if (number.compareTo(BigDecimal.valueOf(min)) < 0 || number.compareTo(BigDecimal.valueOf(max)) > 0) {
            problems.add(key + ": " + ConfigReader.quoted(value) + " is not in " + min + "–" + max);
            return defaultValue;
        }
        return number.intValueExact();
    }

    /** The settings in configuration terms, for the log. */
    @Override
    public String toString() {
        return REALTIME_THREADS + "=" + realtimeThreads + ", " + WORKER_THREADS + "=" + workerThreads + ", "
                + BACKGROUND_THREADS + "=" + backgroundThreads + ", " + STUCK_AFTER_SECONDS + "="
                + stuckAfter.toSeconds() + ", " + GRACE_PERIOD_SECONDS + "=" + gracePeriod.toSeconds() + ", "
                + OWNER_SHARE_PERCENT + "=" + ownerSharePercent;
    }
}
