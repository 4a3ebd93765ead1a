package org.pluginscheduler.store.h2;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.RunTrigger;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.store.RunBatch;

/**
 * Measurements of pruning, not a test (it asserts nothing; docs/BENCHMARKS.md quotes what it printed), each on a
 * fresh database in a new temporary folder, printing lines that start with {@code PROBE}:
 * <ul>
 * <li>{@code insert}: one recorder writes batches of {@code -Dbatch=2000} finished runs of {@code -Dtasks=10} tasks
 * back to back (optionally beside {@code -Dburners} CPU-burning threads) while a {@link RetentionPruner} prunes
 * them to 200 (busy tasks every 2 s, a full pass a minute); every 5 s for {@code -Dseconds=60}: runs written, rows
 * over the caps, runs pruned, what the store says it is behind, the file's size.</li>
 * <li>{@code busy}: two threads write runs of 3 busy tasks as fast as they can beside 300 slow tasks recording one
 * run a second each, cap 20, for {@code -Dseconds=40}; then whether every slow task kept its newest 20 runs, and the
 * slow tasks' {@code recordRun} latency.</li>
 * <li>{@code catchup}: {@code -Drows=1000000} runs of {@code -Dtasks=10} tasks, the store reopened (behind is
 * unknown until read), then one full pass to a cap of 200 while a writer records a run every 2 ms: how long the
 * pass took and the writer's latency meanwhile.</li>
 * </ul>
 * {@code java -cp <test class path> org.pluginscheduler.store.h2.PruneProbe insert|busy|catchup}
 */
public final class PruneProbe {

    private Path dir;

    public static void main(String[] args) throws Exception {
        PruneProbe p = new PruneProbe();
        p.dir = Files.createTempDirectory("prune-probe");
        switch (args[0]) {
            case "insert" -> p.insertRateAboveDeletes();
            case "busy" -> p.busyTasksBesideSlowOnes();
            case "catchup" -> p.catchUpLatency();
            default -> throw new IllegalArgumentException(args[0]);
        }
        System.out.println("PROBE database left in " + p.dir + " (delete it)");
        System.exit(0);
    }

    static RunRecord done(String id, TaskId task, Instant at) {
        return new RunRecord(id, task, RunTrigger.SCHEDULE, 1, RunStatus.SUCCEEDED, at, Optional.of(at),
                Optional.of(at), "done", Map.of(), Map.of());
    }

    long count(H2TaskStore store, String sql) throws Exception {
        try (Connection c = TestStores.dataSource(TestStores.url(dir), TestStores.PASSWORD).getConnection();
             Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
            r.next();
            return r.getLong(1);
        }
    }

    static void log(String fmt, Object... args) {
        System.out.printf("PROBE " + fmt + "%n", args);
    }

    /** A recorder writing batches back to back, as the scheduler's recorder does: does the backlog grow? */
    private void insertRateAboveDeletes() throws Exception {
        int batchSize = Integer.getInteger("batch", 2000);
        int tasks = Integer.getInteger("tasks", 10);
        int burners = Integer.getInteger("burners", 0);
        long seconds = Long.getLong("seconds", 60);
        int cap = 200;
        AtomicBoolean stop = new AtomicBoolean();
        for (int b = 0; b < burners; b++) {
            Thread t = new Thread(() -> {
                long x = 0;
                while (!stop.get()) {
                    x += System.nanoTime() % 7;
                }
                if (x == 42) {
                    System.out.print("");
                }
            });
            t.setDaemon(true);
            t.start();
        }
        try (H2TaskStore store = TestStores.open(dir)) {
            RetentionPruner pruner = new RetentionPruner(Clock.systemUTC(),
                    () -> new RetentionPruner.Retention(() -> store, Duration.ofDays(30), cap), Duration.ofSeconds(1),
                    RetentionPruner.defaultExecutor());
            pruner.every(Duration.ofMinutes(1));
            AtomicLong written = new AtomicLong();
            Thread recorder = new Thread(() -> {
                long n = 0;
                while (!stop.get()) {
                    List<RunRecord> runs = new ArrayList<>(batchSize);
                    Instant now = Instant.now();
                    for (int i = 0; i < batchSize; i++) {
                        runs.add(done("r" + (n++), TestStores.task("t" + (n % tasks)), now.plusNanos(n)));
                    }
                    store.write(RunBatch.of(runs));
                    written.addAndGet(batchSize);
                }
            });
            recorder.start();
            long lastWritten = 0;
            for (int s = 5; s <= seconds; s += 5) {
                Thread.sleep(5000);
                long w = written.get();
                long rows = count(store, "SELECT COUNT(*) FROM runs");
                long[] behind = store.unpruned();
                log("t=%ds written=%d (%d/s) rows=%d overCap=%d pruned=%d behind=%d mostBehind=%d file=%dMB", s, w,
                        (w - lastWritten) / 5, rows, rows - (long) cap * tasks, store.pruned(), behind[0], behind[1],
                        store.fileSize() >> 20);
                lastWritten = w;
            }
            stop.set(true);
            recorder.join();
            pruner.close();
        }
    }

    /** Busy tasks beside slow ones: every slow task must keep its newest runs up to its cap. */
    private void busyTasksBesideSlowOnes() throws Exception {
        int cap = 20;
        int slowTasks = 300;
        long seconds = Long.getLong("seconds", 40);
        AtomicBoolean stop = new AtomicBoolean();
        try (H2TaskStore store = TestStores.open(dir)) {
            RetentionPruner pruner = new RetentionPruner(Clock.systemUTC(),
                    () -> new RetentionPruner.Retention(() -> store, Duration.ofDays(30), cap), Duration.ofSeconds(1),
                    RetentionPruner.defaultExecutor());
            pruner.every(Duration.ofSeconds(5));
            AtomicLong busyWritten = new AtomicLong();
            List<Thread> threads = new ArrayList<>();
            for (int b = 0; b < 2; b++) {
                int me = b;
                threads.add(new Thread(() -> {
                    long n = 0;
                    while (!stop.get()) {
                        List<RunRecord> runs = new ArrayList<>();
                        Instant now = Instant.now();
                        for (int i = 0; i < 50; i++) {
                            runs.add(done("b" + me + "-" + (n++), TestStores.task("busy" + (n % 3)), now));
                        }
                        store.write(RunBatch.of(runs));
                        busyWritten.addAndGet(50);
                    }
                }));
            }
            Map<String, List<String>> expected = new HashMap<>();
            long[] latencies = new long[1_000_000];
            int[] nLat = {0};
            threads.add(new Thread(() -> {
                long n = 0;
                while (!stop.get()) {
                    long round = System.nanoTime();
                    for (int t = 0; t < slowTasks && !stop.get(); t++) {
                        String id = "s" + t + "-" + (n);
                        long l0 = System.nanoTime();
                        store.recordRun(done(id, TestStores.task("slow" + t), Instant.now()));
                        latencies[nLat[0]++] = System.nanoTime() - l0;
                        expected.computeIfAbsent("slow" + t, k -> new ArrayList<>()).add(0, id);
                    }
                    n++;
                    long rest = 1000 - (System.nanoTime() - round) / 1_000_000;
                    if (rest > 0) {
                        try {
                            Thread.sleep(rest);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }
            }));
            threads.forEach(Thread::start);
            for (int s = 5; s <= seconds; s += 5) {
                Thread.sleep(5000);
                long most = count(store, "SELECT MAX(c) FROM (SELECT COUNT(*) c FROM runs WHERE task_id LIKE "
                        + "'test.bundle:busy%' GROUP BY task_id)");
                log("t=%ds busy written=%d (%d/s) mostBusyRows=%d pruned=%d", s, busyWritten.get(),
                        busyWritten.get() / s, most, store.pruned());
            }
            stop.set(true);
            for (Thread t : threads) {
                t.join();
            }
            pruner.close();
            int bad = 0;
            for (int t = 0; t < slowTasks; t++) {
                List<String> exp = expected.get("slow" + t);
                List<String> want = exp.subList(0, Math.min(cap, exp.size()));
                List<String> got = H2TaskStoreTest.ids(store.runs(TestStores.task("slow" + t), cap * 10));
                if (!got.subList(0, Math.min(got.size(), want.size())).equals(want) || got.size() < want.size()) {
                    bad++;
                    if (bad < 5) {
                        log("slow%d: want %s got %s", t, want, got);
                    }
                }
            }
            long[] lat = Arrays.copyOf(latencies, nLat[0]);
            Arrays.sort(lat);
            log("slow tasks with history lost: %d of %d; slow records=%d; recordRun latency p50=%.1fms p99=%.1fms "
                    + "max=%.1fms", bad, slowTasks, lat.length, lat[lat.length / 2] / 1e6,
                    lat[(int) (lat.length * 0.99)] / 1e6, lat[lat.length - 1] / 1e6);
        }
    }

    /** A big backlog over the cap (a restart with a lower cap): write latency during the catch-up. */
    private void catchUpLatency() throws Exception {
        int rows = Integer.getInteger("rows", 1_000_000);
        int tasks = Integer.getInteger("tasks", 10);
        try (H2TaskStore store = TestStores.open(dir)) {
            long t0 = System.nanoTime();
            for (int n = 0; n < rows; ) {
                List<RunRecord> runs = new ArrayList<>(5000);
                Instant now = Instant.now();
                for (int i = 0; i < 5000; i++, n++) {
                    runs.add(done("r" + n, TestStores.task("t" + (n % tasks)), now.plusNanos(n)));
                }
                store.write(RunBatch.of(runs));
            }
            log("filled %d rows in %d tasks in %.1fs, file %dMB", rows, tasks, (System.nanoTime() - t0) / 1e9,
                    store.fileSize() >> 20);
        }
        try (H2TaskStore store = TestStores.open(dir)) {
            log("reopened: behind=%s", Arrays.toString(store.unpruned()));
            AtomicBoolean stop = new AtomicBoolean();
            long[] latencies = new long[10_000_000];
            int[] nLat = {0};
            Thread writer = new Thread(() -> {
                long n = 0;
                while (!stop.get()) {
                    long l0 = System.nanoTime();
                    store.recordRun(done("w" + (n++), TestStores.task("writer"), Instant.now()));
                    latencies[nLat[0]++] = System.nanoTime() - l0;
                    try {
                        Thread.sleep(2);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            writer.start();
            Thread.sleep(1000);
            int before = nLat[0];
            Runtime rt = Runtime.getRuntime();
            AtomicBoolean passing = new AtomicBoolean(true);
            Thread sampler = new Thread(() -> {
                while (passing.get()) {
                    try {
                        Thread.sleep(2000);
                    } catch (InterruptedException e) {
                        return;
                    }
                    log("  during pass: pruned=%d behind=%s heapUsed=%dMB", store.pruned(),
                            Arrays.toString(store.unpruned()), (rt.totalMemory() - rt.freeMemory()) >> 20);
                }
            });
            sampler.start();
            long p0 = System.nanoTime();
            int removed = store.pruneRuns(Instant.now().minus(Duration.ofDays(30)), 200);
            double took = (System.nanoTime() - p0) / 1e9;
            passing.set(false);
            stop.set(true);
            writer.join();
            long[] lat = Arrays.copyOfRange(latencies, before, nLat[0]);
            Arrays.sort(lat);
            log("pass removed %d in %.1fs (%.0f/s); writes during it: %d, latency p50=%.1fms p99=%.1fms max=%.1fms; "
                    + "file %dMB", removed, took, removed / took, lat.length, lat[lat.length / 2] / 1e6,
                    lat[(int) (lat.length * 0.99)] / 1e6, lat[lat.length - 1] / 1e6, store.fileSize() >> 20);
        }
    }
}
