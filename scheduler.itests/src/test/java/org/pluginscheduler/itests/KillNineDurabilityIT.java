package org.pluginscheduler.itests;

import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.junit.After;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TestWatcher;
import org.junit.runner.Description;
import org.pluginscheduler.itests.plugin.durability.DurabilityPluginActivator;

/**
 * Issue 11's crash test, black box: the shipped runtime ({@code scheduler.jar}, default H2 store) runs a plugin
 * under load and is killed with {@code kill -9} at random moments, again and again on the same working directory;
 * then it runs once more until everything accepted is due, stops cleanly, and the test reads the H2 database file
 * directly with JDBC.
 *
 * <p>The plugin ({@code org.pluginscheduler.itests.plugin.durability}, bundle {@value #PLUGIN}, built here from the
 * test classes) runs 150 interval tasks every 100 ms (2 ms of work each), submits {@code job} runs now and 1–15 s
 * ahead and {@code flaky} chains (attempt 1 fails, later attempts succeed; up to 5 retries 2 s apart), and reads
 * runs back through {@code TaskScheduler.runs/run} (what {@code task:runs} reads). It logs {@code accepted} after each
 * {@code submit} returns, {@code ack} for every run it read with a final status, {@code exec} when task code
 * starts; one unbuffered append per line, so the log is complete up to the kill (see {@code EventLog}).
 *
 * <p>Checked, over all lives:
 * <ol>
 * <li>every run acked (read final through the API) in any life is in the database with that status: 0 acknowledged
 * runs lost;</li>
 * <li>every accepted submission has a final record and ran (an {@code exec} line for its run id, in some life):
 * the tasks use the default misfire policy RUN_ONCE, so a submission due while the runtime was down runs after the
 * restart; 0 accepted submissions lost;</li>
 * <li>every {@code flaky} chain whose attempt 1 was acked FAILED (3a), or any of whose attempts was acked
 * ABANDONED with retries left (3b), has a later attempt that SUCCEEDED: 0 pending retries lost;</li>
 * <li>no run acked final has an {@code exec} line in a later life: 0 duplicate executions of a finished run (run
 * ids executed in two lives are counted and printed as well);</li>
 * <li>no run is RUNNING in the database after the final recovery and clean stop.</li>
 * </ol>
 * Reported, not failed: per life what it saw (acks, accepted, execs, violations), and the largest gap between the
 * {@code exec} line of a run that has no record at all and the kill (how long a started run can go unrecorded).
 * The output is in {@code target/failsafe-reports/org.pluginscheduler.itests.KillNineDurabilityIT-output.txt}; the
 * working directory (log, database, plugin log {@code calls/durability.log}) stays under
 * {@code target/itest/durability-*}; the database file (hundreds of MB) is deleted when the test passes.
 *
 * <p>Short form (part of {@code mvn verify}): 4 kills, about 55 s. Full form, 30 kills (about 4½ minutes on 2
 * cores):
 *
 * <pre>
 * mvn -B verify -pl scheduler.itests -am -Dit.test=KillNineDurabilityIT -Dcrash.kills=30 -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 *
 * Other knobs: {@code -Dcrash.seed=<n>} repeats the random load times, {@code -Dcrash.load.tasks=<n>} changes the
 * number of interval tasks (default 150).
 */
public class KillNineDurabilityIT {

    static final String PLUGIN = "crash.durability";
    private static final int KILLS = Integer.getInteger("crash.kills", 4);
    private static final int LOAD_TASKS = Integer.getInteger("crash.load.tasks", 150);
    private static final Duration READY_LIMIT = Duration.ofSeconds(40);
    /** After the last due time (or the final start): recovery delay (3 s), retry delays (2 s each), lock retries. */
    private static final Duration SETTLE_MARGIN = Duration.ofSeconds(10);
    /** Not before this long after the final life is ready: crash recovery decides 3 s after start-up. */
    private static final Duration SETTLE_MINIMUM = Duration.ofSeconds(6);
    private static final Set<String> FINAL = Set.of("SUCCEEDED", "FAILED", "TIMED_OUT", "SKIPPED", "CANCELLED",
            "ABANDONED");
    /** {@code DurabilityTasks.FLAKY_RETRIES}: attempts up to this number + 1 exist. */
    private static final int FLAKY_RETRIES = 5;

    private RuntimeProcess runtime;
    /** Run ids still in the store's {@code pending_runs} table at the end (a store that has none: empty). */
    private Set<String> pendingInDb = Set.of();
    private final Random random = new Random();
    private long seed;

    @Rule
    public final TestWatcher diagnostics = new TestWatcher() {
        @Override
        protected void failed(Throwable e, Description description) {
            if (runtime != null) {
                System.out.println("FAILED; runtime working directory: " + runtime.work);
                System.out.println("--- stderr.txt ---\n" + RuntimeProcess.tail(runtime.work.resolve("stderr.txt"),
                        30));
            }
        }
    };

    @Before
    public void prepare() throws IOException {
        seed = Long.getLong("crash.seed", System.nanoTime());
        random.setSeed(seed);
        runtime = RuntimeProcess.prepare("durability-");
        // keep every run: retention must not look like a lost record
        Files.writeString(runtime.work.resolve("etc/org.pluginscheduler.store.h2.cfg"),
                "\n# " + getClass().getSimpleName() + ": no pruning during the test\nmax.runs.per.task = 100000\n"
                        + "prune.interval.minutes = 10080\n", StandardCharsets.UTF_8,
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        deployPlugin();
        System.out.println("runtime working directory: " + runtime.work + "; " + KILLS + " kills, " + LOAD_TASKS
                + " load tasks, seed " + seed + " (-Dcrash.seed=" + seed + " repeats the load times)");
    }

    @After
    public void stopRuntime() throws Exception {
        if (runtime != null) {
            runtime.close();
        }
    }

    // --- the lives ------------------------------------------------------------------------------------------------

    /** One life of the runtime, as the test saw it. */
    private static final class Life {
        final int number;
        long startMs;
        long readyMs;
        long loadMs;
        long killMs; // 0: not killed (the final life)

        Life(int number) {
            this.number = number;
        }
    }

    @Test
    public void killedAtRandomUnderLoadLosesNothingAcceptedOrAcknowledged() throws Exception {
        long testStart = System.nanoTime();
        EventTail tail = new EventTail(runtime.calls.resolve(DurabilityPluginActivator.LOG_FILE));
        List<Life> lives = new ArrayList<>();
        for (int n = 1; n <= KILLS; n++) {
            Life life = start(n, false, tail);
            life.loadMs = 1000 + random.nextInt(3001);
            long until = life.readyMs + life.loadMs;
            while (System.currentTimeMillis() < until) {
                assertTrue("the runtime is alive in life " + n, runtime.alive());
                Thread.sleep(Math.max(1, Math.min(50, until - System.currentTimeMillis())));
            }
            life.killMs = System.currentTimeMillis();
            runtime.kill();
            tail.poll();
            lives.add(life);
            System.out.println("life " + n + ": ready " + (life.readyMs - life.startMs) + " ms after start, killed "
                    + life.loadMs + " ms later; " + tail.events.perLife(n));
        }
        Life last = start(KILLS + 1, true, tail);
        lives.add(last);
        long settledAt = awaitSettled(last, tail);
        System.out.println("final life " + last.number + ": ready " + (last.readyMs - last.startMs)
                + " ms after start; "
                + (settledAt > 0 ? "everything accepted was seen final after " + (settledAt - last.readyMs) + " ms"
                : "not everything accepted was seen final by the deadline") + "; stopping it (SIGTERM)");
        Process p = runtime.process();
        p.destroy();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            fail("the runtime did not stop within 60 s of SIGTERM");
        }
        System.out.println("final life: exit status " + p.exitValue() + " (143 = SIGTERM handled)");
        tail.poll();

        Map<String, DbRun> db = readDatabase();
        pendingInDb = readPendingRuns();
        String report = verify(tail.events, db, lives);
        System.out.println("whole test: " + Duration.ofNanos(System.nanoTime() - testStart).toSeconds() + " s");
        if (!report.isEmpty()) {
            fail("durability violations (working directory " + runtime.work + "):\n" + report);
        }
        // passed: the database (hundreds of MB after this load) is not needed for diagnosis; the logs stay
        Files.deleteIfExists(runtime.work.resolve("data/scheduler.mv.db"));
    }

    private Life start(int number, boolean last, EventTail tail) throws Exception {
        Files.writeString(runtime.calls.resolve(DurabilityPluginActivator.LIFE_FILE),
                number + (last ? " final" : "") + "\n", StandardCharsets.UTF_8);
        Life life = new Life(number);
        life.startMs = System.currentTimeMillis();
        runtime.start();
        runtime.await("the durability plugin ready in life " + number, READY_LIMIT, () -> {
            tail.poll();
            return tail.events.ready.get(number);
        });
        life.readyMs = tail.events.ready.get(number);
        return life;
    }

    /**
     * Waits until every accepted submission was read final and every chain with a failed attempt has a succeeded
     * one (so a correct runtime ends early), or until the last due time of what is still open plus a margin.
     *
     * @return when it settled; 0 if the deadline passed first
     */
    private long awaitSettled(Life last, EventTail tail) throws Exception {
        while (true) {
            assertTrue("the runtime is alive in the final life", runtime.alive());
            tail.poll();
            Events e = tail.events;
            long now = System.currentTimeMillis();
            long openDue = e.accepted.values().stream().filter(a -> !e.acks.containsKey(a.runId))
                    .mapToLong(a -> a.dueMs).max().orElse(0);
            long deadline = Math.max(last.readyMs, openDue) + SETTLE_MARGIN.toMillis();
            if (now >= last.readyMs + SETTLE_MINIMUM.toMillis() && openDue == 0 && e.openChains().isEmpty()) {
                return now;
            }
            if (now >= deadline) {
                return 0;
            }
            Thread.sleep(200);
        }
    }

    // --- the checks -----------------------------------------------------------------------------------------------

    private String verify(Events e, Map<String, DbRun> db, List<Life> lives) {
        Map<Integer, Life> byNumber = lives.stream().collect(Collectors.toMap(l -> l.number, l -> l));
        // life → [acked lost, accepted lost, retries lost, executed again]
        Map<Integer, int[]> violationsPerLife = new TreeMap<>();
        lives.forEach(l -> violationsPerLife.put(l.number, new int[4]));
        List<String> failures = new ArrayList<>();

        // 1. acknowledged runs are in the database with the status read
        List<String> ackLost = new ArrayList<>();
        int ackConflicts = 0;
        for (Map.Entry<String, List<Ack>> entry : e.acks.entrySet()) {
            Ack first = entry.getValue().get(0);
            List<String> read = entry.getValue().stream().map(a -> a.status + " in life " + a.life).distinct()
                    .toList();
            boolean conflicting = entry.getValue().stream().anyMatch(a -> !a.status.equals(first.status));
            ackConflicts += conflicting ? 1 : 0;
            DbRun row = db.get(entry.getKey());
            if (row == null || !row.status.equals(first.status) || conflicting) {
                ackLost.add(entry.getKey() + " (" + first.task + " attempt " + first.attempt + " " + first.trigger
                        + ") read " + read + "; database: " + (row == null ? "no record" : row.status));
                violationsPerLife.get(first.life)[0]++;
            }
        }
        section(failures, "1. acknowledged runs lost or changed", e.acks.size() + " runs read final, " + ackConflicts
                + " of them read with different statuses", ackLost);

        // 2. accepted submissions have a final record and ran
        List<String> acceptedLost = new ArrayList<>();
        int noRecord = 0;
        int noRecordDueBeforeKill = 0;
        int notFinal = 0;
        int notRun = 0;
        for (Accepted a : e.accepted.values()) {
            DbRun row = db.get(a.runId);
            boolean ran = e.execs.containsKey(a.runId);
            String problem = null;
            if (row == null) {
                noRecord++;
                Life life = byNumber.get(a.life);
                boolean dueBeforeKill = life != null && life.killMs > 0 && a.dueMs < life.killMs;
                noRecordDueBeforeKill += dueBeforeKill ? 1 : 0;
                problem = "no record (due " + (dueBeforeKill ? "before" : "after") + " the kill of its life"
                        + (ran ? ", but it started: exec in life " + e.execs.get(a.runId).get(0).life : "")
                        + (pendingInDb.contains(a.runId) ? "; still in pending_runs" : "") + ")";
            } else if (!FINAL.contains(row.status)) {
                notFinal++;
                problem = "record " + row.status;
            } else if (!ran) {
                notRun++;
                problem = "record " + row.status + " but never executed (no exec line in any life)";
            }
            if (problem != null) {
                acceptedLost.add(a.runId + " " + a.task + " " + a.argument + " accepted in life " + a.life + ": "
                        + problem);
                violationsPerLife.get(a.life)[1]++;
            }
        }
        section(failures, "2. accepted submissions lost", e.accepted.size() + " accepted; lost: " + noRecord
                + " without a record (" + noRecordDueBeforeKill + " of them due before the kill of the life that "
                + "accepted them, " + (noRecord - noRecordDueBeforeKill) + " due later), " + notFinal
                + " not final, " + notRun + " final but never executed", acceptedLost);

        // 3. flaky chains: a failed or abandoned attempt with retries left is followed by a success
        Map<String, List<DbRun>> chainsInDb = new HashMap<>();
        db.values().stream().filter(r -> r.args.containsKey("chain"))
                .forEach(r -> chainsInDb.computeIfAbsent(r.args.get("chain"), k -> new ArrayList<>()).add(r));
        Map<String, Integer> acceptedChainLife = new HashMap<>();
        e.accepted.values().stream().filter(a -> a.argument.startsWith("chain="))
                .forEach(a -> acceptedChainLife.put(a.argument.substring("chain=".length()), a.life));
        List<String> retriesLost = new ArrayList<>();
        int failedChains = 0;
        int abandonedChains = 0;
        int lostAfterFailed = 0;
        int lostAfterAbandoned = 0;
        for (Map.Entry<String, List<Ack>> entry : e.acksByChain().entrySet()) {
            List<Ack> chainAcks = entry.getValue();
            boolean failedFirst = chainAcks.stream().anyMatch(a -> a.attempt == 1 && a.status.equals("FAILED"));
            boolean abandoned = chainAcks.stream().anyMatch(a -> a.status.equals("ABANDONED")
                    && a.attempt <= FLAKY_RETRIES);
            if (!failedFirst && !abandoned) {
                continue;
            }
            failedChains += failedFirst ? 1 : 0;
            abandonedChains += abandoned && !failedFirst ? 1 : 0;
            List<DbRun> rows = chainsInDb.getOrDefault(entry.getKey(), List.of());
            boolean succeeded = rows.stream().anyMatch(r -> r.status.equals("SUCCEEDED") && r.attempt > 1);
            if (!succeeded) {
                if (failedFirst) {
                    lostAfterFailed++;
                } else {
                    lostAfterAbandoned++;
                }
                retriesLost.add("chain " + entry.getKey() + " (accepted in life "
                        + acceptedChainLife.getOrDefault(entry.getKey(), 0) + "): read " + chainAcks.stream()
                        .map(a -> "attempt " + a.attempt + " " + a.status + " in life " + a.life).distinct().toList()
                        + "; database: " + rows.stream().map(r -> "attempt " + r.attempt + " " + r.status).toList());
                Integer life = acceptedChainLife.get(entry.getKey());
                if (life != null) {
                    violationsPerLife.get(life)[2]++;
                }
            }
        }
        section(failures, "3. retries lost", failedChains + " chains read with attempt 1 FAILED, " + abandonedChains
                + " more with an attempt read ABANDONED; without a later SUCCEEDED attempt: 3a " + lostAfterFailed
                + " after FAILED, 3b " + lostAfterAbandoned + " after ABANDONED", retriesLost);

        // 4. no execution of a run after it was read final; runs executed in two lives
        List<String> duplicates = new ArrayList<>();
        int twoLives = 0;
        List<String> twoLivesExamples = new ArrayList<>();
        for (Map.Entry<String, List<Exec>> entry : e.execs.entrySet()) {
            Set<Integer> execLives = entry.getValue().stream().map(x -> x.life).collect(Collectors.toCollection(
                    TreeSet::new));
            if (execLives.size() > 1) {
                twoLives++;
                if (twoLivesExamples.size() < 10) {
                    twoLivesExamples.add(entry.getKey() + " " + entry.getValue().get(0).task + " lives " + execLives);
                }
            }
            List<Ack> acks = e.acks.get(entry.getKey());
            if (acks != null) {
                int ackLife = acks.stream().mapToInt(a -> a.life).min().orElseThrow();
                List<Integer> later = execLives.stream().filter(l -> l > ackLife).toList();
                if (!later.isEmpty()) {
                    duplicates.add(entry.getKey() + " " + entry.getValue().get(0).task + " read " + acks.get(0).status
                            + " in life " + ackLife + ", executed again in life " + later);
                    violationsPerLife.get(later.get(0))[3]++;
                }
            }
        }
        section(failures, "4. finished runs executed again", e.execs.size() + " run ids executed; " + twoLives
                + " executed in more than one life" + (twoLivesExamples.isEmpty() ? "" : " e.g. " + twoLivesExamples),
                duplicates);

        // 5. nothing RUNNING after the final recovery
        List<String> running = db.values().stream().filter(r -> r.status.equals("RUNNING"))
                .map(r -> r.runId + " " + r.taskId + " attempt " + r.attempt + " exec in lives "
                        + e.execs.getOrDefault(r.runId, List.of()).stream().map(x -> x.life).distinct().toList())
                .toList();
        section(failures, "5. runs left RUNNING", db.size() + " records in the database", running);

        // 6. (report) started runs without any record: how long before the kill they started
        long maxGap = -1;
        String maxGapRun = "";
        Map<Integer, Integer> unrecordedPerLife = new TreeMap<>();
        for (Map.Entry<String, List<Exec>> entry : e.execs.entrySet()) {
            if (db.containsKey(entry.getKey())) {
                continue;
            }
            for (Exec x : entry.getValue()) {
                Life life = byNumber.get(x.life);
                if (life == null || life.killMs == 0) {
                    continue;
                }
                unrecordedPerLife.merge(x.life, 1, Integer::sum);
                long gap = life.killMs - x.timeMs;
                if (gap > maxGap) {
                    maxGap = gap;
                    maxGapRun = entry.getKey() + " " + x.task + " life " + x.life;
                }
            }
        }
        System.out.println("6. runs started (exec line) that have no record at all: " + unrecordedPerLife.values()
                .stream().mapToInt(Integer::intValue).sum() + " " + unrecordedPerLife + "; largest gap between such a "
                + "start and the kill: " + (maxGap < 0 ? "none" : maxGap + " ms (" + maxGapRun + ")"));

        System.out.println("per life:");
        for (Life l : lives) {
            int[] v = violationsPerLife.get(l.number);
            System.out.println("  life " + l.number + (l.killMs == 0 ? " (final)" : " (killed after " + l.loadMs
                    + " ms of load)") + ": " + e.perLife(l.number) + "; unrecorded starts "
                    + unrecordedPerLife.getOrDefault(l.number, 0) + "; violations: acked lost " + v[0]
                    + ", accepted lost " + v[1] + ", retries lost " + v[2] + ", re-executed after read final " + v[3]);
        }
        if (!e.problems.isEmpty()) {
            Map<String, Long> kinds = e.problems.stream().map(line -> line.replaceFirst("^\\S+ \\S+ ", "")
                    .replaceFirst("^(submit-failed \\S+) \\S+", "$1")).collect(Collectors.groupingBy(k -> k,
                    TreeMap::new, Collectors.counting()));
            System.out.println("plugin problems (submit-failed, read-failed, not-ready): " + kinds);
        }
        System.out.println("SUMMARY: acknowledged runs lost " + ackLost.size() + ", accepted submissions lost "
                + acceptedLost.size() + ", retries lost " + retriesLost.size() + ", finished runs executed again "
                + duplicates.size() + ", runs left RUNNING " + running.size() + "; largest exec-to-kill gap of an "
                + "unrecorded run " + maxGap + " ms");
        return String.join("\n", failures);
    }

    /** Prints one check's numbers and its first violations; adds it to {@code failures} if it has any. */
    private static void section(List<String> failures, String title, String numbers, List<String> violations) {
        String head = title + ": " + violations.size() + " (" + numbers + ")";
        System.out.println(head);
        violations.stream().limit(15).forEach(v -> System.out.println("    " + v));
        if (violations.size() > 15) {
            System.out.println("    ... " + (violations.size() - 15) + " more");
        }
        if (!violations.isEmpty()) {
            failures.add(head + "; first: " + violations.get(0));
        }
    }

    // --- the database ---------------------------------------------------------------------------------------------

    /** One row of the runs table. */
    private record DbRun(String runId, String taskId, String trigger, int attempt, String status,
                         Map<String, String> args) {
    }

    /** Reads the runs table from the database file, read-only (the file stays as it was, for diagnosis). */
    private Map<String, DbRun> readDatabase() throws SQLException {
        Path file = runtime.work.resolve("data/scheduler.mv.db");
        assertTrue("the database file exists: " + file, Files.exists(file));
        String url = "jdbc:h2:file:" + file.toAbsolutePath().toString().replaceFirst("\\.mv\\.db$", "")
                + ";IFEXISTS=TRUE;ACCESS_MODE_DATA=r";
        Map<String, DbRun> runs = new HashMap<>();
        try (Connection c = DriverManager.getConnection(url, "sa", "");
             Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT run_id, task_id, run_trigger, attempt, status, arguments FROM runs "
                     + "WHERE task_id LIKE '" + PLUGIN + ":%'")) {
            while (r.next()) {
                runs.put(r.getString(1), new DbRun(r.getString(1), r.getString(2), r.getString(3), r.getInt(4),
                        r.getString(5), decode(r.getString(6))));
            }
        }
        return runs;
    }

    /**
     * @return the run ids of this plugin in the store's {@code pending_runs} table (accepted runs not yet finished),
     *         for diagnosis; empty if the schema has no such table
     */
    private Set<String> readPendingRuns() {
        Path file = runtime.work.resolve("data/scheduler.mv.db");
        String url = "jdbc:h2:file:" + file.toAbsolutePath().toString().replaceFirst("\\.mv\\.db$", "")
                + ";IFEXISTS=TRUE;ACCESS_MODE_DATA=r";
        Set<String> ids = new TreeSet<>();
        try (Connection c = DriverManager.getConnection(url, "sa", "");
             Statement s = c.createStatement();
             // a row whose run has a final record is an ended pending run, not yet swept (see H2TaskStore)
             ResultSet r = s.executeQuery("SELECT run_id FROM pending_runs p WHERE task_id LIKE '" + PLUGIN + ":%' "
                     + "AND NOT EXISTS (SELECT 1 FROM runs r WHERE r.run_id = p.run_id AND r.status <> 'RUNNING')")) {
            while (r.next()) {
                ids.add(r.getString(1));
            }
            System.out.println("pending_runs of the plugin left in the database: " + ids.size());
        } catch (SQLException e) {
            System.out.println("(no pending_runs table to read: " + e.getMessage().lines().findFirst().orElse("")
                    + ")");
        }
        return ids;
    }

    /** The store's map text: one {@code key=value} a line, with {@code \}-escapes (the values here have none). */
    private static Map<String, String> decode(String text) {
        Map<String, String> map = new LinkedHashMap<>();
        if (text != null && !text.isEmpty()) {
            for (String line : text.split("\n")) {
                int eq = line.indexOf('=');
                map.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return map;
    }

    // --- the plugin's log -----------------------------------------------------------------------------------------

    private record Accepted(int life, long timeMs, String runId, long dueMs, String task, String argument) {
    }

    private record Ack(int life, long timeMs, String runId, String status, int attempt, String trigger, String task,
                       String args) {
    }

    private record Exec(int life, long timeMs, String runId, int attempt, String task, String trigger, String args) {
    }

    /** Everything the plugin logged, in every life. */
    private static final class Events {
        final Map<String, Accepted> accepted = new LinkedHashMap<>();
        final Map<String, List<Ack>> acks = new HashMap<>();
        final Map<String, List<Exec>> execs = new HashMap<>();
        final Map<Integer, Long> ready = new HashMap<>();
        final Map<Integer, int[]> counts = new TreeMap<>(); // life → [exec, accepted, ack, seen-running]
        final List<String> problems = new ArrayList<>();

        void add(String line) {
            String[] f = line.split(" ");
            if (f.length < 3) {
                return;
            }
            int life = Integer.parseInt(f[0]);
            long time = Long.parseLong(f[1]);
            int[] count = counts.computeIfAbsent(life, k -> new int[4]);
            switch (f[2]) {
                case "ready" -> ready.putIfAbsent(life, time);
                case "exec" -> {
                    count[0]++;
                    execs.computeIfAbsent(f[3], k -> new ArrayList<>())
                            .add(new Exec(life, time, f[3], Integer.parseInt(f[4]), f[5], f[6], f[7]));
                }
                case "accepted" -> {
                    count[1]++;
                    accepted.put(f[3], new Accepted(life, time, f[3], Long.parseLong(f[4]), f[5], f[6]));
                }
                case "ack" -> {
                    count[2]++;
                    acks.computeIfAbsent(f[3], k -> new ArrayList<>())
                            .add(new Ack(life, time, f[3], f[4], Integer.parseInt(f[5]), f[6], f[7], f[8]));
                }
                case "seen-running" -> count[3]++;
                case "submit-failed", "read-failed", "not-ready" -> problems.add(line);
                default -> {
                }
            }
        }

        String perLife(int life) {
            int[] c = counts.getOrDefault(life, new int[4]);
            return "exec " + c[0] + ", accepted " + c[1] + ", acked " + c[2] + ", seen running " + c[3];
        }

        /** @return chain id → the acks of its attempts */
        Map<String, List<Ack>> acksByChain() {
            Map<String, List<Ack>> chains = new TreeMap<>();
            acks.values().forEach(list -> list.forEach(a -> {
                if (a.args.startsWith("chain=")) {
                    chains.computeIfAbsent(a.args.substring("chain=".length()), k -> new ArrayList<>()).add(a);
                }
            }));
            return chains;
        }

        /** @return chains with an attempt read FAILED or ABANDONED (retries left) and none read SUCCEEDED */
        Set<String> openChains() {
            Set<String> open = new TreeSet<>();
            acksByChain().forEach((chain, list) -> {
                boolean failed = list.stream().anyMatch(a -> (a.status.equals("FAILED") && a.attempt == 1)
                        || (a.status.equals("ABANDONED") && a.attempt <= FLAKY_RETRIES));
                boolean succeeded = list.stream().anyMatch(a -> a.status.equals("SUCCEEDED"));
                if (failed && !succeeded) {
                    open.add(chain);
                }
            });
            return open;
        }
    }

    /** Reads the plugin's log as it grows: complete lines only (a kill may cut the last one short). */
    private static final class EventTail {
        final Path file;
        final Events events = new Events();
        private long offset;
        private final ByteArrayOutputStream partial = new ByteArrayOutputStream();

        EventTail(Path file) {
            this.file = file;
        }

        void poll() throws IOException {
            if (!Files.exists(file)) {
                return;
            }
            try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
                long length = in.length();
                if (length <= offset) {
                    return;
                }
                byte[] bytes = new byte[(int) (length - offset)];
                in.seek(offset);
                in.readFully(bytes);
                offset = length;
                for (byte b : bytes) {
                    if (b == '\n') {
                        events.add(partial.toString(StandardCharsets.UTF_8));
                        partial.reset();
                    } else {
                        partial.write(b);
                    }
                }
            }
        }
    }

    // --- the plugin bundle ----------------------------------------------------------------------------------------

    /** Builds the plugin from the test classes of its package and copies it into deploy/ atomically. */
    private void deployPlugin() throws IOException {
        runtime.deploy(PLUGIN, DurabilityPluginActivator.class,
                Map.of(DurabilityPluginActivator.LOAD_TASKS_HEADER, String.valueOf(LOAD_TASKS)));
    }
}
