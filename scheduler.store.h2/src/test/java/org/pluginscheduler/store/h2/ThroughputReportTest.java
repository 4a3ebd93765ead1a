package org.pluginscheduler.store.h2;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.RunTrigger;
import org.pluginscheduler.api.TaskId;

/**
 * Prints how many runs a second the store records durably with several concurrent writers. A report, not an
 * assertion: machines differ, and it would add seconds to every build, so it runs only when asked:
 * {@code mvn -o test -pl scheduler.store.h2 -Dtest=ThroughputReportTest -Dthroughput.report=true}
 * (optionally {@code -Dthroughput.writes=} per writer, {@code -Dthroughput.threads=4,8},
 * {@code -Dthroughput.url=}, {@code -Dthroughput.sync=true} for sync.to.disk).
 */
class ThroughputReportTest {

    private static final AtomicLong RUN_COUNTER = new AtomicLong();

    @Test
    void reportRecordedRunsPerSecond(@TempDir Path dir) throws Exception {
        assumeTrue(Boolean.getBoolean("throughput.report"), "a report on demand: -Dthroughput.report=true");
        int perThread = Integer.getInteger("throughput.writes", 3_000);
        String threadList = System.getProperty("throughput.threads", "4,8");
        String url = System.getProperty("throughput.url", TestStores.url(dir));
        boolean sync = Boolean.getBoolean("throughput.sync");
        try (H2TaskStore store = H2TaskStore.open(TestStores.dataSource(url, TestStores.PASSWORD),
                new StoreSettings(url, "sa", TestStores.PASSWORD, 30, 200, 60, 1000, 0, sync))) {
            measure(store, 8, 500, "warm-up"); // JIT
            for (String t : threadList.split(",")) {
                measure(store, Integer.parseInt(t.trim()), perThread, "measured");
            }
        }
        try (var files = Files.list(dir)) {
            files.forEach(f -> System.out.printf("  file %s: %,d bytes%n", f.getFileName(), f.toFile().length()));
        }
    }

    private static void measure(H2TaskStore store, int threads, int perThread, String label) throws Exception {
        long commitsBefore = store.writer().commits();
        long writesBefore = store.writer().writes();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        Instant scheduled = Instant.parse("2026-01-01T00:00:00Z");
        for (int t = 0; t < threads; t++) {
            int worker = t;
            TaskId task = TaskId.of("bench", "task-" + worker);
            Thread thread = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < perThread; i++) {
                    // run ids as the core makes them: time in base 36, then a global counter, so they ascend
                    String runId = Long.toString(System.currentTimeMillis(), 36) + "-"
                            + Long.toString(RUN_COUNTER.incrementAndGet(), 36);
                    Instant at = scheduled.plusSeconds(i);
                    // a run is recorded twice in life: RUNNING, then its final state; measure the final writes
                    store.recordRun(new RunRecord(runId, task, RunTrigger.SCHEDULE, 1, RunStatus.SUCCEEDED, at,
                            Optional.of(at), Optional.of(at.plusMillis(40)), "done", Map.of("rows", "42"),
                            Map.of()));
                }
            });
            thread.start();
            workers.add(thread);
        }
        long t0 = System.nanoTime();
        start.countDown();
        for (Thread w : workers) {
            w.join();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        long writes = store.writer().writes() - writesBefore;
        long commits = store.writer().commits() - commitsBefore;
        System.out.printf("%s: %d writers, %,d runs in %.2f s = %,.0f runs/s, %,d commits (%.1f runs/commit)%n",
                label, threads, writes, seconds, writes / seconds, commits, (double) writes / commits);
    }
}
