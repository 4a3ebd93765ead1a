package org.pluginscheduler.store.h2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.TaskId;

/**
 * kill -9 while pruning deletes and housekeeping rewrites and moves chunks of the file ({@link StoreProcess}
 * {@code prune}): after each kill the database opens, every row reads back whole, no acknowledged run that pruning
 * had no right to delete is gone (each task's newest acknowledged run, unless its cap of newer runs was committed
 * before the kill, and at least its cap of runs), and once the kills are over one pass and the housekeeping bring
 * the file back under 8 MB.
 */
class PruneCrashTest {

    /** Kills; {@code mvn verify} runs one (a JVM start and a few seconds), more with {@code -Dprune.crash.lives}. */
    private static final int LIVES = Integer.getInteger("prune.crash.lives", 1);
    /** Housekeeping turns (rewrites and moves) each life has done before the random moment of its kill. */
    private static final int TURNS = Integer.getInteger("prune.crash.turns", 1);
    /** Runs of 1 KB each life records first, to be pruned: then housekeeping also moves chunks to shrink the file. */
    private static final int BACKLOG = Integer.getInteger("prune.crash.backlog", 0);

    /** What the store holds after the kills and a pass: each writer's newest {@value StoreProcess#PRUNE_CAP} runs. */
    private static final String PRUNE_DATA = StoreProcess.WRITERS * StoreProcess.PRUNE_CAP + " small runs";

    @TempDir
    Path dir;

    @Test
    void killedWhilePruningAndCompactingLosesNothingAcknowledged() throws Exception {
        long housekeepingAtKills = 0;
        for (int life = 1; life <= LIVES; life++) {
            Map<String, String> newestAcknowledged = new ConcurrentHashMap<>();
            long[] stats = new long[3];
            CountDownLatch busy = new CountDownLatch(1);
            long started = System.nanoTime();
            Process process = StoreProcess.start("prune", dir, Integer.toString(BACKLOG));
            Thread reader = new Thread(() -> {
                try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = out.readLine()) != null) {
                        String[] f = line.split(" ");
                        if (f[0].equals("ok")) {
                            newestAcknowledged.put(f[1], f[2]);
                        } else if (f[0].equals("stats")) {
                            synchronized (stats) {
                                for (int i = 0; i < 3; i++) {
                                    stats[i] = Long.parseLong(f[i + 1]);
                                }
                            }
                            if (stats[0] > 0 && (BACKLOG > 0 ? stats[2] : stats[1] + stats[2]) >= TURNS) {
                                busy.countDown();
                            }
                        }
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            reader.start();
            assertTrue(busy.await(60, TimeUnit.SECONDS), "the process never pruned and compacted");
            TimeUnit.MILLISECONDS.sleep(ThreadLocalRandom.current().nextInt(300)); // a random moment
            process.toHandle().destroyForcibly(); // SIGKILL, our pipe stays open for what was printed before
            assertTrue(process.waitFor(10, TimeUnit.SECONDS));
            reader.join();
            assertEquals(137, process.exitValue(), "killed by SIGKILL");
            synchronized (stats) {
                housekeepingAtKills += stats[1] + stats[2];
                System.out.printf("life %d killed %d ms after its start, after %d runs pruned, %d rewrites, %d moves; "
                        + "file %d KB%n", life, (System.nanoTime() - started) / 1_000_000, stats[0], stats[1],
                        stats[2], Files.size(dir.resolve("scheduler.mv.db")) >> 10);
            }
            try (H2TaskStore store = TestStores.open(dir)) {
                for (Map.Entry<String, String> e : newestAcknowledged.entrySet()) {
                    TaskId task = TaskId.parse(e.getKey());
                    List<RunRecord> all = store.runs(task, Integer.MAX_VALUE); // every row of it reads back whole
                    assertTrue(all.size() >= StoreProcess.PRUNE_CAP, task + " holds " + all.size() + " runs");
                    all.forEach(r -> assertTrue(r.message().startsWith("done "), r.runId()));
                    // the newest acknowledged run is there, unless the cap's worth of newer runs pushed it out: a
                    // later group may have committed (and been pruned against) just before the kill, unprinted
                    String acknowledged = e.getValue();
                    long sequence = Long.parseLong(acknowledged.substring(acknowledged.lastIndexOf('-') + 1));
                    long newer = all.stream().filter(r -> Long.parseLong(r.message().substring(5)) > sequence).count();
                    assertTrue(store.run(acknowledged).isPresent() || newer >= StoreProcess.PRUNE_CAP,
                            "acknowledged " + acknowledged + " is lost (" + newer + " newer runs held)");
                }
            }
        }
        assertTrue(housekeepingAtKills > 0);
        try (H2TaskStore store = TestStores.open(dir)) {
            store.pruneRuns(Instant.now().minusSeconds(3600), StoreProcess.PRUNE_CAP);
            long before = store.fileSize();
            // housekeeping turns every 250 ms on the writer's thread; a few writes keep it company
            for (int i = 0; i < 40 && store.fileSize() > 4L << 20; i++) {
                store.recordRuns(List.of());
                TimeUnit.MILLISECONDS.sleep(250);
            }
            System.out.printf("after the kills: file %d KB, %d KB after a pass and housekeeping%n", before >> 10,
                    store.fileSize() >> 10);
            // the loop aims at 4 MB; an empty store's file is ~3.8 MB, a killed life's up to ~125 MB (with a backlog)
            assertTrue(store.fileSize() <= 8L << 20, "the file is back near what it holds (" + PRUNE_DATA
                    + "): " + (store.fileSize() >> 10) + " KB");
        }
        System.out.printf("reopened: file %d KB%n", Files.size(dir.resolve("scheduler.mv.db")) >> 10);
    }
}
