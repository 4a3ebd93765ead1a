package org.pluginscheduler.store.h2;

import java.time.Duration;
import java.util.Locale;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.pluginscheduler.internal.config.ConfigReader;

/**
 * A validated configuration of the H2 store. {@link #toString()} masks the password: settings are logged.
 *
 * @param url                  the JDBC URL
 * @param user                 the database user
 * @param password             the password; never logged
 * @param maxAgeDays           finished runs that ended before now minus this are pruned
 * @param maxRunsPerTask       finished runs beyond the newest this many of a task are pruned
 * @param pruneIntervalMinutes how often pruning runs
 * @param maxBatch             at most this many writes per commit
 * @param maxWaitMillis        how long a batch that is not full waits for more writes
 * @param syncToDisk           fsync every commit
 */
record StoreSettings(String url, String user, String password, int maxAgeDays, int maxRunsPerTask,
                     int pruneIntervalMinutes, int maxBatch, int maxWaitMillis, boolean syncToDisk) {

    static final String DEFAULT_URL = "jdbc:h2:file:./data/scheduler";
    static final String DEFAULT_USER = "sa";
    static final int DEFAULT_MAX_AGE_DAYS = 30;
    static final int DEFAULT_MAX_RUNS_PER_TASK = 200;
    static final int DEFAULT_PRUNE_INTERVAL_MINUTES = 60;
    static final int DEFAULT_MAX_BATCH = 1000;
    static final int DEFAULT_MAX_WAIT_MS = 0;

    /**
     * How long H2 keeps a file chunk whose data was all superseded before it reuses its space (H2's RETENTION_TIME;
     * H2's default is 45 s), unless the URL sets RETENTION_TIME. The file holds about this long of commits beside
     * the data: at 7,000 runs/s the file levelled off at about 370 MB with 1 s, 1 GB with 5 s and past 6 GB with
     * 45 s (the storage soak, docs/BENCHMARKS.md).
     */
    static final int RETENTION_TIME_MS = 1000;

    private static final Pattern RETENTION_TIME = Pattern.compile("(?i);\\s*RETENTION_TIME\\s*=");
    private static final Pattern WRITE_DELAY = Pattern.compile("(?i);\\s*WRITE_DELAY\\s*=([^;]*)");

    static final StoreSettings DEFAULTS = new StoreSettings(DEFAULT_URL, DEFAULT_USER, "", DEFAULT_MAX_AGE_DAYS,
            DEFAULT_MAX_RUNS_PER_TASK, DEFAULT_PRUNE_INTERVAL_MINUTES, DEFAULT_MAX_BATCH, DEFAULT_MAX_WAIT_MS, false);

    /**
     * @throws IllegalArgumentException naming the first bad field and why, e.g.
     *                                  {@code max.age.days: 0 is not in 1–36500}
     */
    StoreSettings {
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException("url: must not be empty (default " + DEFAULT_URL + ")");
        }
        url = url.trim();
        if (!url.toLowerCase(Locale.ROOT).startsWith("jdbc:h2:")) {
            throw new IllegalArgumentException("url: '" + new DatabaseLocation(url).safeUrl()
                    + "' is not an H2 URL (jdbc:h2:...)");
        }
        Matcher writeDelay = WRITE_DELAY.matcher(url);
        if (writeDelay.find() && !writeDelay.group(1).trim().equals("0")) {
            throw new IllegalArgumentException("url: WRITE_DELAY=" + writeDelay.group(1).trim() + " would let H2 "
                    + "acknowledge commits it has not written yet; remove it (the store sets WRITE_DELAY=0)");
        }
        user = user == null ? "" : user.trim();
        password = password == null ? "" : password;
        range("max.age.days", maxAgeDays, 1, 36_500);
        range("max.runs.per.task", maxRunsPerTask, 1, 10_000_000);
        range("prune.interval.minutes", pruneIntervalMinutes, 1, 10_080);
        range("group.commit.max.batch", maxBatch, 1, 10_000);
        range("group.commit.max.wait.ms", maxWaitMillis, 0, 1_000);
    }

    /** The keys of this PID, in the order they are described ({@code .password} is private: never a service property). */
    static final List<String> KEYS = List.of("url", "user", ".password", "max.age.days", "max.runs.per.task",
            "prune.interval.minutes", "group.commit.max.batch", "group.commit.max.wait.ms", "sync.to.disk");

    /** @return a reader of {@code properties} that knows this PID's keys */
    static ConfigReader reader(Map<String, ?> properties) {
        return new ConfigReader(properties, KEYS);
    }

    /**
     * Reads and validates the raw properties (not a typed annotation: Declarative Services would throw for
     * {@code max.age.days = ten} without naming the field, and read {@code sync.to.disk = maybe} as false).
     *
     * @throws IllegalArgumentException naming every bad field and its value
     */
    static StoreSettings from(Map<String, ?> properties) {
        ConfigReader r = reader(properties);
        String url = r.string("url", DEFAULT_URL);
        String user = r.string("user", DEFAULT_USER);
        String password = r.string(".password", "");
        int maxAgeDays = r.integer("max.age.days", DEFAULT_MAX_AGE_DAYS, 1, 36_500);
        int maxRuns = r.integer("max.runs.per.task", DEFAULT_MAX_RUNS_PER_TASK, 1, 10_000_000);
        int prune = r.integer("prune.interval.minutes", DEFAULT_PRUNE_INTERVAL_MINUTES, 1, 10_080);
        int maxBatch = r.integer("group.commit.max.batch", DEFAULT_MAX_BATCH, 1, 10_000);
        int maxWait = r.integer("group.commit.max.wait.ms", DEFAULT_MAX_WAIT_MS, 0, 1_000);
        boolean sync = r.bool("sync.to.disk", false);
        r.check();
        return new StoreSettings(url, user, password, maxAgeDays, maxRuns, prune, maxBatch, maxWait, sync);
    }

    /**
     * @return the URL to connect with: {@link #url()} plus {@code DB_CLOSE_ON_EXIT=FALSE} for a database in this
     *         process, unless the URL says otherwise. H2 would otherwise close the database from its own JVM
     *         shutdown hook while the runtime's hook is still stopping the framework, and the scheduler's last
     *         writes (runs cancelled by the shutdown) would fail; the store closes the database itself.
     */
    String connectUrl() {
        if (location().remote() || url.toUpperCase(Locale.ROOT).contains("DB_CLOSE_ON_EXIT")) {
            return url;
        }
        return url + ";DB_CLOSE_ON_EXIT=FALSE";
    }

    /** @return whether the URL sets H2's RETENTION_TIME itself (the store then leaves it alone) */
    boolean urlSetsRetentionTime() {
        return RETENTION_TIME.matcher(url).find();
    }

    /** @return whether switching to {@code other} needs another database connection */
    boolean sameDatabase(StoreSettings other) {
        return url.equals(other.url) && user.equals(other.user) && password.equals(other.password)
                && syncToDisk == other.syncToDisk;
    }

    DatabaseLocation location() {
        return new DatabaseLocation(url);
    }

    Duration maxAge() {
        return Duration.ofDays(maxAgeDays);
    }

    @Override
    public String toString() {
        return "url=" + location().safeUrl() + ", user=" + user + ", .password=" + (password.isEmpty() ? "" : "****")
                + ", max.age.days=" + maxAgeDays + ", max.runs.per.task=" + maxRunsPerTask
                + ", prune.interval.minutes=" + pruneIntervalMinutes + ", group.commit.max.batch=" + maxBatch
                + ", group.commit.max.wait.ms=" + maxWaitMillis + ", sync.to.disk=" + syncToDisk;
    }

    private static void range(String field, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(field + ": " + value + " is not in " + min + "–" + max);
        }
    }
}
