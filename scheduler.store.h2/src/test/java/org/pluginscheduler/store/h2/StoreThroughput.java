package org.pluginscheduler.store.h2;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.RunTrigger;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.store.PendingRun;
import org.pluginscheduler.api.store.RunBatch;

/**
 * A timing loop, not a test (no timed assertions anywhere): how many runs per second the store makes durable when
 * each run costs what the scheduler asks of it, one pending run at acceptance ({@link H2TaskStore#savePending}),
 * a RUNNING record, and a final record that removes the pending run; optionally with readers calling
 * {@link H2TaskStore#run} on the runs being written, and how long those reads take.
 *
 * <p>{@code java -cp <test class path> org.pluginscheduler.store.h2.StoreThroughput [writers] [group] [readers]
 * [seconds] [pending]}; defaults 8 writer threads, groups of 16 runs per call, 0 readers, 5 s (after 2 s of
 * warm-up), {@code true} (false: records only, no pending runs, as before version 2 of the schema).
 */
public final class StoreThroughput {

    private StoreThroughput() {
    }

    public static void main(String[] args) throws Exception {
        int writers = args.length > 0 ? Integer.parseInt(args[0]) : 8;
        int group = args.length > 1 ? Integer.parseInt(args[1]) : 16;
        int readers = args.length > 2 ? Integer.parseInt(args[2]) : 0;
        int seconds = args.length > 3 ? Integer.parseInt(args[3]) : 5;
        boolean accept = args.length <= 4 || Boolean.parseBoolean(args[4]);
        Path dir = Files.createTempDirectory("h2-throughput");
        AtomicBoolean stop = new AtomicBoolean();
        AtomicBoolean measuring = new AtomicBoolean();
        AtomicLong runs = new AtomicLong();
        AtomicLong reads = new AtomicLong();
        AtomicLong readNanos = new AtomicLong();
        AtomicReferenceArray<String> recent = new AtomicReferenceArray<>(1024);
        AtomicLong published = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        long[][] latencies = new long[readers][];
        try (H2TaskStore store = TestStores.open(dir)) {
            for (int w = 0; w < writers; w++) {
                TaskId task = TaskId.of("bench", "t" + w);
                threads.add(start(() -> {
                    for (long n = 0; !stop.get(); n += group) {
                        Instant now = Instant.now();
                        List<PendingRun> pending = new ArrayList<>(group);
                        List<RunRecord> running = new ArrayList<>(group);
                        List<RunRecord> done = new ArrayList<>(group);
                        for (int i = 0; i < group; i++) {
                            String runId = task.id() + "-" + (n + i);
                            pending.add(PendingRun.of(runId, task, RunTrigger.SCHEDULE, "fire:" + runId, now, now, 1,
                                    now, Map.of(), Set.of()));
                            RunRecord r = new RunRecord(runId, task, RunTrigger.SCHEDULE, 1, RunStatus.RUNNING, now,
                                    Optional.of(now), Optional.empty(), "", Map.of(), Map.of());
                            running.add(r);
                            done.add(r.finish(RunStatus.SUCCEEDED, now, "ok", Map.of()));
                            recent.set((int) (published.getAndIncrement() % 1024), runId);
                        }
                        if (accept) {
                            store.write(new RunBatch(List.of(), pending, List.of()));
                        }
                        store.recordRuns(running);
                        store.recordRuns(done);
                        if (measuring.get()) {
                            runs.addAndGet(group);
                        }
                    }
                }));
            }
            for (int r = 0; r < readers; r++) {
                long[] mine = new long[1 << 20];
                latencies[r] = mine;
                threads.add(start(() -> {
                    int count = 0;
                    while (!stop.get()) {
                        long newest = published.get();
                        if (newest == 0) {
                            Thread.onSpinWait();
                            continue;
                        }
                        String runId = recent.get((int) ((newest - 1 - ThreadLocalRandom.current().nextInt(
                                (int) Math.min(newest, 64))) % 1024));
                        long t0 = System.nanoTime();
                        store.run(runId);
                        long took = System.nanoTime() - t0;
                        if (measuring.get()) {
                            reads.incrementAndGet();
                            readNanos.addAndGet(took);
                            if (count < mine.length) {
                                mine[count++] = took;
                            }
                        }
                    }
                }));
            }
            TimeUnit.SECONDS.sleep(2);
            long commits0 = store.writer().commits();
            long writes0 = store.writer().writes();
            long waits0 = store.commitBarrier().waits();
            long waited0 = store.commitBarrier().waitedNanos();
            measuring.set(true);
            long t0 = System.nanoTime();
            TimeUnit.SECONDS.sleep(seconds);
            measuring.set(false);
            double elapsed = (System.nanoTime() - t0) / 1e9;
            long commits = store.writer().commits() - commits0;
            long writes = store.writer().writes() - writes0;
            long waits = store.commitBarrier().waits() - waits0;
            double waitedMillis = (store.commitBarrier().waitedNanos() - waited0) / 1e6;
            stop.set(true);
            for (Thread t : threads) {
                t.join();
            }
            System.out.printf("%s%d writers x %d runs a call, %d readers: %.0f runs/s durable (%.0f writes/s in %.0f "
                    + "commits/s, %.1f writes a commit)%n", accept ? "" : "records only: ", writers, group, readers, runs.get() / elapsed,
                    writes / elapsed, commits / elapsed, commits == 0 ? 0 : (double) writes / commits);
            if (readers > 0 && reads.get() > 0) {
                long[] all = Arrays.stream(latencies).flatMapToLong(a -> Arrays.stream(a).filter(v -> v > 0))
                        .sorted().toArray();
                System.out.printf("  reads: %.0f/s, mean %.0f us, median %.0f us, p99 %.0f us%n",
                        reads.get() / elapsed, readNanos.get() / 1e3 / reads.get(), all[all.length / 2] / 1e3,
                        all[(int) (all.length * 0.99)] / 1e3);
                System.out.printf("  %d reads (%.1f%%) waited for a commit under way, %.0f us on average%n", waits,
                        100.0 * waits / Math.max(1, reads.get()), waits == 0 ? 0 : waitedMillis * 1e3 / waits);
            }
        } finally {
            delete(dir);
        }
    }

    private static void delete(Path dir) throws java.io.IOException {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

        private static Thread start(Runnable body) {
        Thread t = new Thread(body);
        t.setDaemon(true);
        t.start();
        return t;
    }
}
