package org.pluginscheduler.store.h2;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.RunTrigger;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.store.PendingRun;
import org.pluginscheduler.api.store.RunBatch;

/**
 * Another runtime using the same data folder, as a separate JVM for the tests.
 * <ul>
 * <li>{@code hold <dir>}: opens the store, prints {@code open}, keeps it open until stdin closes.</li>
 * <li>{@code write <dir>}: 4 threads record runs without end; prints {@code ok <run id>} once a recordRun
 * returned.</li>
 * <li>{@code readwrite <dir> <life>}: the life of a runtime under load, to be killed at any moment. Prints
 * {@code open}, then without end: {@value #WRITERS} writer threads accept runs in groups of {@value #GROUP} (pending
 * runs, one {@link RunBatch}), record them RUNNING, then SUCCEEDED (which removes the pending runs), and print
 * {@code ok <status> <run id>...} once each write returned (status PENDING for the acceptance). Reader threads
 * read the runs being written back through the store's read API, as users do, and print what they saw the moment
 * they saw it: {@code seen <run id> <status>} from {@link H2TaskStore#run} and {@link H2TaskStore#runs} (once per
 * run and status), {@code pending <run id>} from {@link H2TaskStore#pendingRuns}. Run ids are
 * {@code l<life>w<writer>-<n>}, of task {@code crash:l<life>w<writer>}.</li>
 * <li>{@code prune <dir> <backlog>}: the store's deletions and housekeeping under way, to be killed at any moment.
 * {@value #WRITERS} writer threads record finished runs of their own task ({@code prune:w<writer>}, ids
 * {@code <pid>w<writer>-<n>}, newer ones scheduled later) in groups of {@value #PRUNE_GROUP} and print
 * {@code ok <task> <run id>} once a group was acknowledged (its last run id); a pruner prunes every task beyond its
 * newest {@value #PRUNE_CAP} runs again and again. With {@code <backlog>} above 0 it first records that many runs
 * with 1 KB messages (task {@code prune:filler}), so that pruning leaves most of the file empty and housekeeping
 * moves chunks to shrink it. Every 100 ms it prints
 * {@code stats <runs pruned> <housekeeping turns that rewrote chunks> <turns that moved chunks>}.</li>
 * </ul>
 */
public final class StoreProcess {

    static final int WRITERS = 6;
    static final int GROUP = 8;
    static final int PRUNE_GROUP = 200;
    static final int PRUNE_CAP = 50;
    private static final int RECENT = 256;

    private StoreProcess() {
    }

    static TaskId lifeTask(int life, int writer) {
        return TaskId.of("crash", "l" + life + "w" + writer);
    }

    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        H2TaskStore store = TestStores.open(Path.of(args[1]));
        if (args[0].equals("hold")) {
            out.println("open");
            new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            store.close();
            return;
        }
        if (args[0].equals("prune")) {
            prune(store, Integer.parseInt(args[2]), out);
            TimeUnit.MINUTES.sleep(1); // the test kills this process long before
            System.exit(3);
        }
        if (args[0].equals("readwrite")) {
            readWrite(store, Integer.parseInt(args[2]), out);
            TimeUnit.MINUTES.sleep(1); // the test kills this process long before
            System.exit(3);
        }
        List<Thread> writers = new ArrayList<>();
        for (int w = 0; w < 4; w++) {
            TaskId task = TaskId.of("crash", "t" + w);
            Thread t = new Thread(() -> {
                for (long i = 0; ; i++) {
                    String runId = task.id() + "-" + i;
                    Instant now = Instant.now();
                    store.recordRun(new RunRecord(runId, task, RunTrigger.SCHEDULE, 1, RunStatus.SUCCEEDED, now,
                            Optional.of(now), Optional.of(now), "done", Map.of("i", Long.toString(i)), Map.of()));
                    synchronized (out) {
                        out.println("ok " + runId);
                    }
                }
            });
            t.setDaemon(true);
            t.start();
            writers.add(t);
        }
        TimeUnit.MINUTES.sleep(1); // the test kills this process long before
        System.exit(3);
    }

    private static void readWrite(H2TaskStore store, int life, PrintStream out) {
        AtomicReferenceArray<String> recent = new AtomicReferenceArray<>(RECENT); // run ids being written
        AtomicLong published = new AtomicLong();
        out.println("open");
        for (int w = 0; w < WRITERS; w++) {
            TaskId task = lifeTask(life, w);
            daemon("writer-" + w, () -> {
                for (long n = 0; ; n += GROUP) {
                    Instant now = Instant.now();
                    List<PendingRun> pending = new ArrayList<>(GROUP);
                    List<RunRecord> running = new ArrayList<>(GROUP);
                    List<RunRecord> done = new ArrayList<>(GROUP);
                    StringBuilder ids = new StringBuilder();
                    for (int i = 0; i < GROUP; i++) {
                        String runId = task.id() + "-" + (n + i);
                        pending.add(PendingRun.of(runId, task, RunTrigger.SUBMISSION, "run:" + runId, now, now, 1, now,
                                Map.of("n", Long.toString(n + i)), Set.of("lock-" + (i % 3))));
                        RunRecord r = new RunRecord(runId, task, RunTrigger.SUBMISSION, 1, RunStatus.RUNNING, now,
                                Optional.of(now), Optional.empty(), "", Map.of(), Map.of("n", Long.toString(n + i)));
                        running.add(r);
                        done.add(r.finish(RunStatus.SUCCEEDED, now, "done", Map.of("rows", "1")));
                        ids.append(' ').append(runId);
                        recent.set((int) (published.getAndIncrement() % RECENT), runId);
                    }
                    store.write(new RunBatch(List.of(), pending, List.of()));
                    out.println("ok PENDING" + ids);
                    store.recordRuns(running);
                    out.println("ok RUNNING" + ids);
                    store.recordRuns(done);
                    out.println("ok SUCCEEDED" + ids);
                }
            });
        }
        for (int r = 0; r < 2; r++) { // run(runId) on the newest run ids, as a user polling a run would
            daemon("reader-" + r, () -> {
                Map<String, RunStatus> printed = new HashMap<>();
                while (true) {
                    long newest = published.get();
                    if (newest == 0) {
                        Thread.onSpinWait();
                        continue;
                    }
                    long pick = newest - 1 - ThreadLocalRandom.current().nextInt((int) Math.min(newest, 4L * GROUP));
                    String runId = recent.get((int) (pick % RECENT));
                    if (runId != null) {
                        store.run(runId).ifPresent(run -> seen(run, printed, out));
                    }
                    if (printed.size() > 100_000) {
                        printed.clear();
                    }
                }
            });
        }
        daemon("history-reader", () -> { // runs(task, n): the history a user lists
            Map<String, RunStatus> printed = new HashMap<>();
            while (true) {
                TaskId task = lifeTask(life, ThreadLocalRandom.current().nextInt(WRITERS));
                for (RunRecord run : store.runs(task, 2 * GROUP)) {
                    seen(run, printed, out);
                }
                if (printed.size() > 100_000) {
                    printed.clear();
                }
            }
        });
        daemon("pending-reader", () -> { // the pending runs a restarted scheduler would restore
            Set<String> printed = new HashSet<>();
            while (true) {
                for (PendingRun p : store.pendingRuns()) {
                    if (printed.add(p.runId())) {
                        out.println("pending " + p.runId());
                    }
                }
                if (printed.size() > 100_000) {
                    printed.clear();
                }
            }
        });
    }

    private static void prune(H2TaskStore store, int backlog, PrintStream out) {
        String life = Long.toString(ProcessHandle.current().pid());
        TaskId filler = TaskId.of("prune", "filler");
        String text = "x".repeat(1000);
        for (int n = 0; n < backlog; n += 1000) { // runs to prune, so that the file is mostly empty afterwards
            List<RunRecord> runs = new ArrayList<>(1000);
            Instant at = Instant.now();
            for (int i = 0; i < 1000; i++) {
                runs.add(new RunRecord(life + "f-" + (n + i), filler, RunTrigger.SCHEDULE, 1, RunStatus.SUCCEEDED,
                        at.plusNanos(i), Optional.of(at), Optional.of(at), "done " + text, Map.of(), Map.of()));
            }
            store.recordRuns(runs);
        }
        for (int w = 0; w < WRITERS; w++) {
            TaskId task = TaskId.of("prune", "w" + w);
            String prefix = life + "w" + w + "-";
            daemon("writer-" + w, () -> {
                for (long n = 0; ; n += PRUNE_GROUP) {
                    Instant now = Instant.now();
                    List<RunRecord> runs = new ArrayList<>(PRUNE_GROUP);
                    for (int i = 0; i < PRUNE_GROUP; i++) {
                        Instant at = now.plusNanos(i);
                        runs.add(new RunRecord(prefix + (n + i), task, RunTrigger.SCHEDULE, 1, RunStatus.SUCCEEDED,
                                at, Optional.of(at), Optional.of(at), "done " + (n + i), Map.of(), Map.of()));
                    }
                    store.recordRuns(runs);
                    out.println("ok " + task + " " + prefix + (n + PRUNE_GROUP - 1));
                }
            });
        }
        daemon("pruner", () -> {
            while (true) {
                store.pruneRuns(Instant.now().minusSeconds(3600), PRUNE_CAP);
            }
        });
        while (true) {
            long[] turns = store.housekeeping().map(FileHousekeeping::counts).orElse(new long[] {-1, -1});
            out.println("stats " + store.pruned() + " " + turns[0] + " " + turns[1]);
            try {
                TimeUnit.MILLISECONDS.sleep(100);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private static void seen(RunRecord run, Map<String, RunStatus> printed, PrintStream out) {
        if (printed.put(run.runId(), run.status()) != run.status()) {
            out.println("seen " + run.runId() + " " + run.status());
        }
    }

    private static void daemon(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        t.start();
    }

    /** Starts {@code mode} in a new JVM on the test class path. */
    static Process start(String mode, Path dir, String... more) throws Exception {
        return new ProcessBuilder(command(mode, dir, more)).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    }

    /** Starts {@code mode} in a new JVM whose umask is {@code umask} (through {@code /bin/sh}). */
    static Process startWithUmask(String umask, String mode, Path dir) throws Exception {
        List<String> command = new ArrayList<>(List.of("/bin/sh", "-c", "umask " + umask + " && exec \"$@\"", "sh"));
        command.addAll(command(mode, dir));
        return new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    }

    private static List<String> command(String mode, Path dir, String... more) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // C1 only and the serial collector: a short life starts writing sooner and leaves the CPU to the store
        List<String> command = new ArrayList<>(List.of(java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp",
                System.getProperty("java.class.path"), StoreProcess.class.getName(), mode, dir.toString()));
        command.addAll(List.of(more));
        return command;
    }
}
