package org.pluginscheduler.store.h2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.store.PendingRun;

/**
 * kill -9 under load, in a separate JVM ({@link StoreProcess}).
 * <ul>
 * <li>Every run whose recordRun had returned is in the database afterwards. (With H2's defaults and a plain commit,
 * the last 0.5–1 s of commits were lost.)</li>
 * <li>Nothing a read returned before the kill is lost after it: a run read back SUCCEEDED is still SUCCEEDED, a run
 * read back RUNNING is still there, a pending run read back is still pending or finished. (Without the store's
 * {@link CommitBarrier}, reads on other connections returned commits H2 had made visible but not yet written,
 * and a kill in that window took them back.)</li>
 * </ul>
 */
class CrashDurabilityTest {

    /** Kills, each at a random moment of a life under load. */
    private static final int LIVES = 12;

    @TempDir
    Path dir;

    @Test
    void everyAcknowledgedRunSurvivesKillDashNine() throws Exception {
        Process writer = StoreProcess.start("write", dir);
        List<String> acknowledged = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(writer.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null && acknowledged.size() < 3_000) {
                acknowledged.add(line.substring("ok ".length()));
            }
            writer.toHandle().destroyForcibly(); // SIGKILL; unlike Process.destroyForcibly it keeps our pipe open
            assertTrue(writer.waitFor(10, TimeUnit.SECONDS));
            while ((line = out.readLine()) != null) { // printed before the kill
                if (line.startsWith("ok ")) {
                    acknowledged.add(line.substring("ok ".length()));
                }
            }
        }
        assertEquals(137, writer.exitValue(), "killed by SIGKILL");

        try (H2TaskStore store = TestStores.open(dir)) {
            List<String> missing = acknowledged.stream().filter(id -> store.run(id).isEmpty()).toList();
            assertEquals(0, missing.size(), () -> missing.size() + " of " + acknowledged.size()
                    + " acknowledged runs were lost, e.g. " + missing.subList(0, Math.min(10, missing.size())));
            System.out.printf("kill -9 after %d acknowledged runs: none lost%n", acknowledged.size());
        }
    }

    /**
     * {@value #LIVES} lives of a runtime on one database, each killed at a random moment while writers accept, start
     * and finish runs and readers read them back; after each kill the database is reopened and everything a read or
     * an acknowledgement showed before the kill must still be there, at least as far along.
     */
    @Test
    void nothingReadBeforeAKillIsLostByIt() throws Exception {
        List<String> violations = new ArrayList<>();
        long seenTotal = 0;
        long acknowledgedTotal = 0;
        for (int life = 1; life <= LIVES; life++) {
            Life observed = live(life);
            seenTotal += observed.seen.size() + observed.seenPending.size();
            acknowledgedTotal += observed.acknowledged.size();
            List<String> found = check(life, observed);
            System.out.printf("life %2d: killed after %5d ms, %6d runs acknowledged, %6d rows seen by readers: %s%n",
                    life, observed.killedAfterMillis, observed.acknowledged.size(),
                    observed.seen.size() + observed.seenPending.size(),
                    found.isEmpty() ? "nothing lost" : found.size() + " LOST, e.g. " + found.get(0));
            violations.addAll(found);
        }
        Path trace = dir.resolve("scheduler.trace.db");
        if (java.nio.file.Files.exists(trace)) { // H2 logged an error: show it, it may explain a failure
            System.out.println("H2's trace file " + trace + ":\n" + java.nio.file.Files.readString(trace));
        }
        long seen = seenTotal;
        long acknowledged = acknowledgedTotal;
        assertTrue(violations.isEmpty(), () -> violations.size() + " rows seen or acknowledged before a kill were "
                + "lost or went back by it (" + seen + " seen, " + acknowledged + " acknowledged in " + LIVES
                + " kills), e.g.\n" + String.join("\n", violations.subList(0, Math.min(20, violations.size()))));
    }

    /** What one life showed before it was killed: the most advanced state of each run. */
    private static final class Life {
        final Map<String, Integer> acknowledged = new HashMap<>(); // 0 PENDING, 1 RUNNING, 2 SUCCEEDED
        final Map<String, RunStatus> seen = new HashMap<>();
        final Set<String> seenPending = new HashSet<>();
        long killedAfterMillis;
        final CountDownLatch open = new CountDownLatch(1);
        final CountDownLatch firstWrite = new CountDownLatch(1);
        final CountDownLatch firstSeen = new CountDownLatch(1);

        synchronized void line(String line) {
            String[] words = line.split(" ");
            switch (words[0]) {
                case "open" -> open.countDown();
                case "ok" -> {
                    int rank = switch (words[1]) {
                        case "PENDING" -> 0;
                        case "RUNNING" -> 1;
                        default -> 2;
                    };
                    for (int i = 2; i < words.length; i++) {
                        acknowledged.merge(words[i], rank, Math::max);
                    }
                    firstWrite.countDown();
                }
                case "seen" -> {
                    seen.merge(words[1], RunStatus.valueOf(words[2]), (a, b) -> a == RunStatus.RUNNING ? b : a);
                    firstSeen.countDown();
                }
                case "pending" -> seenPending.add(words[1]);
                default -> throw new IllegalStateException("unexpected line from the store process: " + line);
            }
        }
    }

    private Life live(int life) throws Exception {
        long started = System.nanoTime();
        Process process = StoreProcess.start("readwrite", dir, Integer.toString(life));
        Life observed = new Life();
        List<Throwable> readFailure = new ArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = out.readLine()) != null) { // to the end: lines printed before the kill
                    observed.line(line);
                }
            } catch (IOException | RuntimeException e) {
                synchronized (readFailure) {
                    readFailure.add(e);
                }
            }
        }, "store-process-output");
        reader.start();
        try {
            assertTrue(observed.open.await(20, TimeUnit.SECONDS), "life " + life + ": the store did not open");
            assertTrue(observed.firstWrite.await(20, TimeUnit.SECONDS), "life " + life + ": nothing was written");
            assertTrue(observed.firstSeen.await(20, TimeUnit.SECONDS), "life " + life + ": nothing was read");
            TimeUnit.MILLISECONDS.sleep(ThreadLocalRandom.current().nextInt(50, 600));
        } finally {
            process.toHandle().destroyForcibly(); // SIGKILL; unlike Process.destroyForcibly it keeps our pipe open
            observed.killedAfterMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            assertTrue(process.waitFor(10, TimeUnit.SECONDS));
            reader.join(10_000);
        }
        assertEquals(137, process.exitValue(), "killed by SIGKILL");
        synchronized (readFailure) {
            assertTrue(readFailure.isEmpty(), () -> "reading the store process's output failed: " + readFailure);
        }
        return observed;
    }

    /** @return what {@code observed} showed and the reopened database lost; cleans up the life's pending runs */
    private List<String> check(int life, Life observed) {
        List<String> lost = new ArrayList<>();
        try (H2TaskStore store = TestStores.open(dir)) {
            Map<String, RunStatus> stored = new HashMap<>();
            for (int w = 0; w < StoreProcess.WRITERS; w++) {
                for (RunRecord run : store.runs(StoreProcess.lifeTask(life, w), Integer.MAX_VALUE)) {
                    stored.put(run.runId(), run.status());
                }
            }
            String prefix = "l" + life + "w";
            Set<String> pending = new HashSet<>();
            for (PendingRun p : store.pendingRuns()) {
                if (p.runId().startsWith(prefix)) {
                    pending.add(p.runId());
                }
            }
            synchronized (observed) {
                observed.seen.forEach((runId, status) -> {
                    RunStatus now = stored.get(runId);
                    if (now == null || (status != RunStatus.RUNNING && now == RunStatus.RUNNING)) {
                        lost.add("life " + life + ": run " + runId + " was read back " + status
                                + " before the kill, and is " + (now == null ? "gone" : now) + " after it");
                    }
                });
                for (String runId : observed.seenPending) {
                    if (!pending.contains(runId) && stored.get(runId) != RunStatus.SUCCEEDED) {
                        lost.add("life " + life + ": pending run " + runId + " was read back before the kill, and "
                                + "is neither pending nor finished after it (" + stored.get(runId) + ")");
                    }
                }
                observed.acknowledged.forEach((runId, rank) -> {
                    RunStatus now = stored.get(runId);
                    boolean kept = switch (rank) {
                        case 0 -> pending.contains(runId) || now == RunStatus.SUCCEEDED;
                        case 1 -> now != null;
                        default -> now == RunStatus.SUCCEEDED;
                    };
                    if (!kept) {
                        lost.add("life " + life + ": run " + runId + " was acknowledged "
                                + List.of("PENDING", "RUNNING", "SUCCEEDED").get(rank) + " before the kill, and is "
                                + (now == null ? "gone" : now) + (pending.contains(runId) ? " (pending)" : "")
                                + " after it");
                    }
                });
            }
            for (String runId : pending) {
                if (stored.get(runId) == RunStatus.SUCCEEDED) {
                    lost.add("life " + life + ": run " + runId + " is both finished and still pending: the final "
                            + "record and the removal of its pending run were not one transaction");
                }
            }
            store.removePending(pending); // the next life starts without them
        }
        return lost;
    }
}
