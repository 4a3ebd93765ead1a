package org.pluginscheduler.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Future;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import org.pluginscheduler.api.OverlapPolicy;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.TaskDefinition;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.TaskResult;
import org.pluginscheduler.api.TaskScheduler;
import org.quartz.JobBuilder;
import org.quartz.Scheduler;
import org.quartz.TriggerBuilder;

/**
 * P1 (durable, H2 file) and P2 (in memory): a backlog of N one-shot no-op executions that all fall due at the same
 * instant, drained by a running, warmed-up scheduler. Each system gets the backlog through its own API for a
 * one-shot execution at an instant (ours: {@code TaskScheduler.submit(id, args, Optional.of(due))}; Quartz: a job
 * with a one-shot trigger {@code startAt(due)}; db-scheduler: {@code schedule(instance, due)}), loaded before
 * {@code due}. Measured: from {@code due} until the last execution completed: its task code returned and the
 * scheduler's own records show it done (ours: its counter of recorded runs, which counts a run once its record is
 * stored; a database peer: its tables show every execution done); executions/s = N / that time. Loading is timed too (reported, not rated). A
 * warm-up backlog runs first, unmeasured. A peer still busy after the cap is rated on what it completed by then.
 *
 * <p>Why a backlog and not a client submitting while the scheduler runs: with Quartz's JDBC store a client inserting
 * at full speed holds the store's one TRIGGER_ACCESS row lock most of the time and starves trigger acquisition
 * (24 executions/s in a first trial); that measures the client, not the scheduler.
 */
final class Throughput {

    private static final TaskResult OK = TaskResult.success();
    /** Loading rate of the second half of the last backlog (warmer than the first). */
    private static double lastLoadRate;

    private Throughput() {
    }

    /** One system under test. */
    interface Target {
        /** Schedules one one-shot execution due at {@code due}. */
        void load(long i, Instant due) throws Exception;

        /** @return executions completed so far */
        long completed();

        /** Called before a backlog is loaded. */
        default void beforeBacklog() {
        }

        /** Called at {@code due} (db-scheduler: wake the poller, as its docs say to). */
        default void atDue() {
        }

        /** @return whether the system's own records show every execution done (database peers) */
        default boolean drained() throws Exception {
            return true;
        }
    }

    /** How one backlog went. */
    record Batch(long loaded, double loadSeconds, long completed, double seconds, boolean capped,
                 boolean loadOverran) {
        double rate() {
            return completed / seconds;
        }
    }

    /**
     * @param expectedLoadRate executions/s the system is expected to load (sets how far ahead {@code due} is)
     */
    static Batch backlog(Target target, int n, double expectedLoadRate, int capSeconds, int loaders)
            throws Exception {
        Duration lead = Duration.ofMillis((long) (n / expectedLoadRate * 1150) + 200);
        Instant due = Instant.now().plus(lead);
        long base = target.completed();
        target.beforeBacklog();
        long l0 = System.nanoTime();
        long half;
        if (loaders <= 1) {
            half = 0;
            for (long i = 0; i < n; i++) {
                target.load(i, due);
                if (i == n / 2) {
                    half = System.nanoTime();
                }
            }
        } else {
            half = loadInParallel(target, n, due, loaders);
        }
        long l1 = System.nanoTime();
        double loadSeconds = (l1 - l0) / 1e9;
        lastLoadRate = (n - n / 2) / Math.max(1e-9, (l1 - half) / 1e9); // the warmer second half
        boolean overran = Instant.now().isAfter(due);
        while (Instant.now().isBefore(due)) {
            long left = Duration.between(Instant.now(), due).toMillis();
            Thread.sleep(Math.max(0, Math.min(left - 1, 100)));
        }
        target.atDue();
        long start = System.nanoTime() - Math.max(0, Duration.between(due, Instant.now()).toNanos());
        long cap = start + capSeconds * 1_000_000_000L;
        boolean capped = false;
        while (target.completed() - base < n) {
            if (System.nanoTime() > cap) {
                capped = true;
                break;
            }
            Thread.sleep(1);
        }
        while (!capped && !target.drained()) {
            if (System.nanoTime() > cap) {
                capped = true;
                break;
            }
            Thread.sleep(2);
        }
        long end = System.nanoTime();
        return new Batch(n, loadSeconds, Math.min(n, target.completed() - base), (end - start) / 1e9, capped,
                overran);
    }

    /**
     * Loads the backlog from {@code loaders} threads (each a contiguous range of indexes), as several clients of
     * a durable scheduler would: each system's own API, called concurrently.
     *
     * @return when half of the backlog was loaded (nanoTime)
     */
    private static long loadInParallel(Target target, int n, Instant due, int loaders) throws Exception {
        AtomicLong loaded = new AtomicLong();
        AtomicLong half = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(loaders);
        try {
            List<Future<?>> parts = new ArrayList<>();
            for (int k = 0; k < loaders; k++) {
                long from = (long) n * k / loaders;
                long to = (long) n * (k + 1) / loaders;
                parts.add(pool.submit(() -> {
                    for (long i = from; i < to; i++) {
                        target.load(i, due);
                        if (loaded.incrementAndGet() == n / 2) {
                            half.set(System.nanoTime());
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> part : parts) {
                part.get();
            }
        } finally {
            pool.shutdownNow();
        }
        return half.get();
    }

    /**
     * In memory (P2) a backlog drains in well under a second, while the JIT is still compiling the paths a 5,000-run
     * warm-up reached: the same build measured 132k to 215k/s in one evening, and both schedulers ran their second
     * 100,000-run backlog 1.5 to 3 times faster than their first. So in memory each system first drains a full-size
     * backlog unmeasured, then this many measured ones, and the median counts, with the spread reported beside it.
     */
    static final int IN_MEMORY_REPEATS = 3;

    /** @return the warm-up of an in-memory (P2) run: a full-size backlog */
    static int inMemoryWarmup(Sizes z) {
        return Math.max(z.warmupRuns(), z.throughputRuns());
    }

    /** Warm-up backlog, then the measured one. */
    static Map<String, Double> measure(Target target, int warmup, int n, double expectedLoadRate, int capSeconds,
                                       int loaders) throws Exception {
        return measure(target, warmup, n, expectedLoadRate, capSeconds, 1, loaders);
    }

    /** Warm-up backlog, then {@code repeats} measured ones: the one with the median rate is reported. */
    static Map<String, Double> measure(Target target, int warmup, int n, double expectedLoadRate, int capSeconds,
                                       int repeats, int loaders) throws Exception {
        backlog(target, warmup, expectedLoadRate, capSeconds, loaders);
        List<Batch> batches = new ArrayList<>();
        for (int i = 0; i < repeats; i++) {
            batches.add(backlog(target, n, lastLoadRate, capSeconds, loaders)); // lead from the measured load rate
        }
        batches.sort(Comparator.comparingDouble(Batch::rate));
        Batch b = batches.get(batches.size() / 2);
        Map<String, Double> r = new LinkedHashMap<>();
        r.put("runs_per_s", b.rate());
        if (repeats > 1) {
            r.put("repeats", (double) repeats);
            r.put("runs_per_s_min", batches.get(0).rate());
            r.put("runs_per_s_max", batches.get(batches.size() - 1).rate());
        }
        r.put("runs", (double) n);
        r.put("completed", (double) b.completed());
        r.put("seconds", b.seconds());
        r.put("capped", b.capped() ? 1.0 : 0.0);
        r.put("load_per_s", b.loaded() / b.loadSeconds());
        r.put("loaders", (double) loaders);
        r.put("load_overran", b.loadOverran() ? 1.0 : 0.0);
        return r;
    }

    // --- ours -------------------------------------------------------------------------------------------------

    static Map<String, Double> ours(boolean durable, Sizes z) throws Exception {
        Path work = Env.freshWork(durable ? "p1-ours" : "p2-ours");
        Map<String, Double> r;
        Path h2;
        // every run of the one task is kept, to be counted in the file afterwards: pruning to the default 200 per
        // task would delete them (busy tasks are pruned within seconds)
        String configured = System.getProperty("bench.store.h2");
        System.setProperty("bench.store.h2", "max.runs.per.task=10000000"
                + (configured == null || configured.isBlank() ? "" : "," + configured));
        try (EmbeddedScheduler s = EmbeddedScheduler.start(work, durable, z.threads())) {
            TaskScheduler ts = s.scheduler();
            // executions counted as they end their task code (cheap, like the peers' listeners); the batch ends
            // when the scheduler's own counter of recorded runs agrees (stats() is too costly to poll throughout)
            AtomicLong executed = new AtomicLong();
            TaskId id = ts.addTask(TaskDefinition.builder("noop").schedule("at:2999-01-01T00:00:00Z")
                    .overlap(OverlapPolicy.ALLOW).build(), run -> {
                        executed.incrementAndGet();
                        return OK;
                    }, true);
            Target target = new Target() {
                @Override
                public void load(long i, Instant due) {
                    ts.submit(id, Map.of(), Optional.of(due));
                }

                @Override
                public long completed() {
                    return executed.get();
                }

                @Override
                public boolean drained() {
                    return ts.stats().runsByStatus().getOrDefault(RunStatus.SUCCEEDED, 0L) >= executed.get();
                }
            };
            r = measure(target, durable ? z.warmupRuns() : inMemoryWarmup(z), z.throughputRuns(), 100_000, 600,
                    durable ? 1 : IN_MEMORY_REPEATS, loaders(durable, z));
            h2 = s.h2File();
        } finally {
            if (configured == null) {
                System.clearProperty("bench.store.h2");
            } else {
                System.setProperty("bench.store.h2", configured);
            }
        }
        if (durable) {
            // after the framework stopped: what the H2 file really holds
            r.put("durable_rows", (double) Sql.count("jdbc:h2:file:" + h2,
                    "SELECT COUNT(*) FROM runs WHERE status = 'SUCCEEDED'"));
            r.put("expected_rows", z.warmupRuns() + r.get("completed"));
        }
        return r;
    }

    // --- Quartz -----------------------------------------------------------------------------------------------

    /**
     * P1 loads its backlog from as many client threads as there are workers (every system alike): durable
     * acceptance costs each system a commit per call, and concurrent clients is how a durable scheduler is fed.
     * P2 loads from one thread, as before.
     */
    static int loaders(boolean durable, Sizes z) {
        return durable ? z.threads() : 1;
    }

    /** Quartz's JDBC store is too slow to drain 100k in the cap; it gets a twentieth (its rate does not depend on N). */
    static int quartzJdbcRuns(Sizes z) {
        return Math.max(z.warmupRuns(), z.throughputRuns() / 20);
    }

    static Map<String, Double> quartz(boolean durable, Sizes z) throws Exception {
        Path work = Env.freshWork(durable ? "p1-quartz" : "p2-quartz");
        Scheduler q = durable ? QuartzPeer.jdbc("bench-jdbc", z.threads(), work.resolve("quartz"))
                : QuartzPeer.ram("bench-ram", z.threads());
        QuartzPeer.Completions completions = new QuartzPeer.Completions();
        q.getListenerManager().addTriggerListener(completions);
        q.start();
        String url = durable ? Sql.url(work.resolve("quartz")) : null;
        long[] batch = {0};
        try {
            Target target = new Target() {
                @Override
                public void load(long i, Instant due) throws Exception {
                    // the usual one-off in Quartz: a job with a trigger that fires once at an instant
                    String name = "b" + batch[0] + "-" + i;
                    q.scheduleJob(JobBuilder.newJob(QuartzPeer.NoopJob.class).withIdentity(name).build(),
                            TriggerBuilder.newTrigger().withIdentity(name).startAt(Date.from(due)).build());
                }

                @Override
                public long completed() {
                    return completions.count.get();
                }

                @Override
                public boolean drained() throws Exception {
                    return url == null || Sql.count(url, "SELECT (SELECT COUNT(*) FROM QRTZ_TRIGGERS) + "
                            + "(SELECT COUNT(*) FROM QRTZ_FIRED_TRIGGERS) + (SELECT COUNT(*) FROM QRTZ_JOB_DETAILS)")
                            == 0;
                }
            };
            Map<String, Double> r = measure(new Target() { // a new name prefix per backlog
                @Override
                public void beforeBacklog() {
                    batch[0]++;
                }

                @Override
                public void load(long i, Instant due) throws Exception {
                    target.load(i, due);
                }

                @Override
                public long completed() {
                    return target.completed();
                }

                @Override
                public boolean drained() throws Exception {
                    return target.drained();
                }
            }, durable ? Math.min(z.warmupRuns(), 1_000) : inMemoryWarmup(z),
                    durable ? quartzJdbcRuns(z) : z.throughputRuns(), durable ? 1_000 : 50_000, z.peerCapSeconds(),
                    durable ? 1 : IN_MEMORY_REPEATS, loaders(durable, z));
            return r;
        } finally {
            q.shutdown(false);
        }
    }

    // --- db-scheduler -----------------------------------------------------------------------------------------

    static Map<String, Double> dbScheduler(Sizes z) throws Exception {
        Path work = Env.freshWork("p1-db-scheduler");
        try (DbSchedulerPeer peer = new DbSchedulerPeer(work.resolve("db-scheduler"), z.threads())) {
            peer.start();
            AtomicLong seq = new AtomicLong();
            Target target = new Target() {
                @Override
                public void load(long i, Instant due) {
                    peer.scheduler.schedule(peer.task.instance("r" + seq.getAndIncrement()), due);
                }

                @Override
                public long completed() {
                    return peer.completions.get();
                }

                @Override
                public void atDue() {
                    // executions that became due between two polls wait for the next poll (10 s by default)
                    // unless the scheduler is told; this is the documented way
                    peer.scheduler.triggerCheckForDueExecutions();
                }

                @Override
                public boolean drained() throws Exception {
                    return Sql.count(peer.url, "SELECT COUNT(*) FROM scheduled_tasks") == 0;
                }
            };
            return measure(target, z.warmupRuns(), z.throughputRuns(), 2_000, z.peerCapSeconds(), loaders(true, z));
        }
    }
}
