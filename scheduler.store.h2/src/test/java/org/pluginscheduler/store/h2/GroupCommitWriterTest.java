package org.pluginscheduler.store.h2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.pluginscheduler.store.h2.TestStores.run;
import static org.pluginscheduler.store.h2.TestStores.task;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.RunTrigger;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.store.PendingRun;
import org.pluginscheduler.api.store.RunBatch;
import org.pluginscheduler.api.store.TaskStoreException;

/**
 * Group commit: batching, ordering, failure isolation, interrupts and closing. Timing is controlled with a gate (a
 * write that holds the writer thread until released) and the writer's queue length, never with sleeps.
 */
class GroupCommitWriterTest {

    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

    @TempDir
    Path dir;
    private H2TaskStore store;
    private final List<Thread> threads = new ArrayList<>();

    @BeforeEach
    void open() {
        store = TestStores.open(dir);
    }

    @AfterEach
    void close() throws InterruptedException {
        for (Thread t : threads) {
            t.join(10_000);
        }
        store.close();
    }

    @Test
    void concurrentRecordRunsAreAllPersistedWithFewerCommitsThanWrites() throws Exception {
        int writers = 16;
        int perWriter = 100;
        long commits = store.writer().commits();
        CountDownLatch start = new CountDownLatch(1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        for (int w = 0; w < writers; w++) {
            TaskId id = task("t" + w);
            spawn(() -> {
                start.await();
                for (int i = 0; i < perWriter; i++) {
                    store.recordRun(run(id.id() + "-" + i, id, RunStatus.SUCCEEDED, T0.plusSeconds(i)));
                }
                return null;
            }, failure);
        }
        start.countDown();
        joinAll(failure);

        for (int w = 0; w < writers; w++) {
            assertEquals(perWriter, store.runs(task("t" + w), 1_000).size());
        }
        long used = store.writer().commits() - commits;
        assertTrue(used < writers * perWriter, used + " commits for " + writers * perWriter + " writes");
        assertTrue(store.writer().largestBatch() > 1);
        System.out.printf("%d concurrent writes took %d commits (largest batch %d)%n", writers * perWriter, used,
                store.writer().largestBatch());
    }

    @Test
    void writesQueuedDuringACommitShareOneCommit() throws Exception {
        Gate gate = gate();
        long commits = store.writer().commits();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        for (int i = 0; i < 20; i++) {
            String runId = "r" + i;
            spawn(() -> {
                store.recordRun(run(runId, task("a"), RunStatus.SUCCEEDED, T0));
                return null;
            }, failure);
        }
        awaitQueued(20);
        gate.release();
        joinAll(failure);
        assertEquals(2, store.writer().commits() - commits, "the gate's commit, then one for all 20");
        assertEquals(20, store.runs(task("a"), 100).size());
    }

    @Test
    void aBatchNeverExceedsTheMaximum() throws Exception {
        store.groupCommit(5, 0);
        Gate gate = gate();
        long commits = store.writer().commits();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        for (int i = 0; i < 12; i++) {
            String runId = "r" + i;
            spawn(() -> {
                store.recordRun(run(runId, task("a"), RunStatus.SUCCEEDED, T0));
                return null;
            }, failure);
        }
        awaitQueued(12);
        gate.release();
        joinAll(failure);
        assertEquals(1 + 3, store.writer().commits() - commits, "the gate, then 5 + 5 + 2");
    }

    @Test
    void aBatchThatIsNotFullWaitsUpToTheMaximumWaitForMore() throws Exception {
        store.groupCommit(3, 1_000);
        long commits = store.writer().commits();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        for (int i = 0; i < 3; i++) {
            String runId = "r" + i;
            spawn(() -> {
                store.recordRun(run(runId, task("a"), RunStatus.SUCCEEDED, T0));
                return null;
            }, failure);
        }
        joinAll(failure);
        assertEquals(1, store.writer().commits() - commits, "the first write waited for the other two");
    }

    @Test
    void writesOfOneKeyKeepTheirOrderInsideABatch() throws Exception {
        Gate gate = gate();
        RunRecord running = run("r1", task("a"), RunStatus.RUNNING, T0);
        RunRecord done = running.finish(RunStatus.SUCCEEDED, T0.plusSeconds(1), "done", Map.of());
        AtomicReference<Throwable> failure = new AtomicReference<>();
        spawn(() -> {
            store.recordRun(running);
            return null;
        }, failure);
        awaitQueued(1);
        spawn(() -> {
            store.recordRun(done);
            return null;
        }, failure);
        awaitQueued(2);
        gate.release();
        joinAll(failure);
        assertEquals(done, store.run("r1").orElseThrow());
    }

    @Test
    void writesOfOneThreadKeepTheirCallOrder() {
        for (int i = 0; i < 50; i++) {
            RunRecord running = run("r", task("a"), RunStatus.RUNNING, T0.plusSeconds(i));
            store.recordRun(running);
            store.recordRun(running.finish(RunStatus.FAILED, T0.plusSeconds(i + 1), "attempt " + i, Map.of()));
        }
        RunRecord last = store.run("r").orElseThrow();
        assertEquals(RunStatus.FAILED, last.status());
        assertEquals("attempt 49", last.message());
    }

    @Test
    void aBadWriteFailsOnlyItsOwnCaller() throws Exception {
        Gate gate = gate();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        for (int i = 0; i < 5; i++) {
            String runId = "good" + i;
            spawn(() -> {
                store.recordRun(run(runId, task("a"), RunStatus.SUCCEEDED, T0));
                return null;
            }, failure);
        }
        AtomicReference<Throwable> bad = new AtomicReference<>();
        Thread badCaller = new Thread(() -> {
            try {
                store.writer().submit(new GroupCommitWriter.Write<Void>() {
                    @Override
                    public Void apply(WriterStatements statements) throws SQLException {
                        statements.statement("INSERT INTO no_such_table VALUES (1)").executeUpdate();
                        return null;
                    }

                    @Override
                    public String description() {
                        return "write nonsense";
                    }
                });
            } catch (Throwable t) {
                bad.set(t);
            }
        });
        badCaller.start();
        threads.add(badCaller);
        awaitQueued(6);
        gate.release();
        joinAll(failure);
        TaskStoreException e = assertInstanceOf(TaskStoreException.class, bad.get());
        assertTrue(e.getMessage().contains("scheduler.mv.db: could not write nonsense"), e.getMessage());
        assertEquals(5, store.runs(task("a"), 10).size(), "the others were committed");
    }

    /**
     * A RunBatch is one write: when it fails inside a group (a taken occurrence), the group is rolled back and
     * retried write by write, and the batch fails whole, alone; the others are committed.
     */
    @Test
    void aFailingRunBatchInAGroupFailsWholeAndAlone() throws Exception {
        store.savePending(List.of(H2TaskStoreTest.pending("p1", task("a"), T0)));
        Gate gate = gate();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        for (int i = 0; i < 4; i++) {
            String runId = "good" + i;
            spawn(() -> {
                store.write(new RunBatch(List.of(run(runId, task("b"), RunStatus.SUCCEEDED, T0)),
                        List.of(H2TaskStoreTest.pending(runId + "-next", task("b"), T0)), List.of()));
                return null;
            }, failure);
        }
        awaitQueued(4);
        PendingRun taken = PendingRun.of("p2", task("a"), RunTrigger.SUBMISSION, "run:p1", T0, T0, 1, T0, Map.of(),
                java.util.Set.of());
        AtomicReference<Throwable> bad = new AtomicReference<>();
        Thread badCaller = new Thread(() -> {
            try {
                store.write(new RunBatch(List.of(run("x1", task("a"), RunStatus.SUCCEEDED, T0)), List.of(taken),
                        List.of(H2TaskStoreTest.deadLetter("x1", task("a"), T0))));
            } catch (Throwable t) {
                bad.set(t);
            }
        });
        badCaller.start();
        threads.add(badCaller);
        awaitQueued(5);
        long commits = store.writer().commits();
        gate.release();
        joinAll(failure);
        TaskStoreException e = assertInstanceOf(TaskStoreException.class, bad.get());
        assertTrue(e.getMessage().contains("occurrence 'run:p1' of that task is already pending as run p1"),
                e.getMessage());
        assertTrue(store.run("x1").isEmpty(), "none of the failed batch: not its record");
        assertEquals(List.of(), store.deadLetters(), "nor its dead letter");
        assertEquals(4, store.runs(task("b"), 10).size(), "the others were committed");
        assertEquals(List.of("good0-next", "good1-next", "good2-next", "good3-next", "p1"),
                store.pendingRuns().stream().map(PendingRun::runId).toList());
        assertTrue(store.writer().commits() - commits >= 2, "the gate's commit, then the retries one by one");
    }

    /**
     * Housekeeping runs on the writer's thread, never inside a batch (with the writer's connection and no
     * transaction of it open), also while no write comes; one that throws does not stop writes nor itself.
     */
    @Test
    void maintenanceRunsOnTheWriterThreadBetweenBatchesAndSurvivesItsFailures() throws Exception {
        String url = TestStores.url(dir) + "-maintained";
        JdbcDataSource ds = TestStores.dataSource(url, TestStores.PASSWORD);
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE t (id INT PRIMARY KEY)");
        }
        GroupCommitWriter writer = new GroupCommitWriter(new WriterStatements(ds.getConnection()),
                () -> new WriterStatements(ds.getConnection()), Connection::commit,
                new Failures(new DatabaseLocation(url), "sa", TestStores.PASSWORD), 100, 0);
        try {
            List<String> seen = java.util.Collections.synchronizedList(new ArrayList<>());
            java.util.concurrent.atomic.AtomicInteger turns = new java.util.concurrent.atomic.AtomicInteger();
            java.util.concurrent.atomic.AtomicBoolean inBatch = new java.util.concurrent.atomic.AtomicBoolean();
            writer.maintenance(c -> {
                seen.add(Thread.currentThread().getName() + (inBatch.get() ? " inside a batch" : ""));
                if (turns.incrementAndGet() % 2 == 0) {
                    throw new IllegalStateException("housekeeping failed, for the test");
                }
            }, Duration.ofMillis(5));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (turns.get() < 10 && System.nanoTime() < deadline) {
                Thread.sleep(5); // idle: it runs all the same
            }
            for (int i = 0; i < 20; i++) {
                int id = i;
                writer.submit(new GroupCommitWriter.Write<Void>() {
                    @Override
                    public Void apply(WriterStatements statements) throws SQLException {
                        inBatch.set(true);
                        try {
                            statements.statement("INSERT INTO t VALUES (?)").setInt(1, id);
                            statements.statement("INSERT INTO t VALUES (?)").executeUpdate();
                            Thread.sleep(2);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        } finally {
                            inBatch.set(false);
                        }
                        return null;
                    }

                    @Override
                    public String description() {
                        return "insert " + id;
                    }
                });
            }
            assertEquals(20, count(ds), "every write committed although every other turn failed");
            assertTrue(turns.get() >= 10, "turns while idle: " + turns.get());
            assertTrue(seen.stream().allMatch("h2-task-store-writer"::equals), seen.toString());
        } finally {
            writer.close();
        }
    }

    @Test
    void aFailedCommitFailsEveryCallerOfTheBatchAndNothingIsReportedDone() throws Exception {
        String url = TestStores.url(dir) + "-writer";
        JdbcDataSource ds = TestStores.dataSource(url, TestStores.PASSWORD);
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE t (id INT PRIMARY KEY)");
        }
        AtomicBoolean diskFull = new AtomicBoolean(true);
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        GroupCommitWriter writer = new GroupCommitWriter(new WriterStatements(ds.getConnection()),
                () -> new WriterStatements(ds.getConnection()), c -> {
                    if (diskFull.get()) {
                        throw new SQLException("IO Exception: \"No space left on device\"", "08000", 90028);
                    }
                    c.commit();
                }, new Failures(new DatabaseLocation(url), "sa", TestStores.PASSWORD), 100, 0);
        try {
            AtomicReference<Throwable> gateResult = new AtomicReference<>();
            spawn(() -> writer.submit(insert(0, held, release)), gateResult);
            assertTrue(held.await(10, TimeUnit.SECONDS));
            List<AtomicReference<Throwable>> results = new ArrayList<>();
            for (int i = 1; i <= 4; i++) {
                AtomicReference<Throwable> result = new AtomicReference<>();
                results.add(result);
                int id = i;
                spawn(() -> writer.submit(insert(id, null, null)), result);
            }
            while (writer.queued() < 4) {
                Thread.onSpinWait();
            }
            release.countDown();
            for (Thread t : threads) {
                t.join(10_000);
            }
            threads.clear();
            assertInstanceOf(TaskStoreException.class, gateResult.get());
            for (AtomicReference<Throwable> result : results) {
                TaskStoreException e = assertInstanceOf(TaskStoreException.class, result.get());
                assertTrue(e.getMessage().contains("No space left on device\"): is the disk full"), e.getMessage());
                assertFalse(e.getMessage().contains(TestStores.PASSWORD));
            }
            assertEquals(0, count(ds), "no write was made");
            assertEquals(0, writer.commits());

            diskFull.set(false);
            writer.submit(insert(9, null, null));
            assertEquals(1, count(ds), "the writer recovers once commits work again");
        } finally {
            writer.close();
        }
    }

    @Test
    void anInterruptedCallerStillGetsItsWriteAndKeepsItsInterrupt() throws Exception {
        Gate gate = gate();
        AtomicBoolean interruptedAfter = new AtomicBoolean();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread caller = spawn(() -> {
            store.recordRun(run("r1", task("a"), RunStatus.SUCCEEDED, T0));
            interruptedAfter.set(Thread.currentThread().isInterrupted());
            return null;
        }, failure);
        awaitQueued(1);
        caller.interrupt();
        gate.release();
        joinAll(failure);
        assertTrue(interruptedAfter.get());
        assertTrue(store.run("r1").isPresent());
    }

    @Test
    void closeCommitsWhatIsQueuedThenRefusesNewWrites() throws Exception {
        Gate gate = gate();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        for (int i = 0; i < 3; i++) {
            String runId = "r" + i;
            spawn(() -> {
                store.recordRun(run(runId, task("a"), RunStatus.SUCCEEDED, T0));
                return null;
            }, failure);
        }
        awaitQueued(3);
        Thread closer = spawn(() -> {
            store.writer().close();
            return null;
        }, failure);
        while (store.writer().queued() < 4) { // the three writes and the writer's stop mark
            Thread.onSpinWait();
        }
        assertThrows(StoreClosedException.class,
                () -> store.recordRun(run("late", task("a"), RunStatus.SUCCEEDED, T0)));
        gate.release();
        closer.join(10_000);
        joinAll(failure);
        store.close();
        store = TestStores.open(dir);
        assertEquals(3, store.runs(task("a"), 10).size());
        assertTrue(store.run("late").isEmpty());
    }

    // --- helpers ----------------------------------------------------------------------------------------------

    /** Holds the writer thread inside a write until released. */
    private final class Gate {
        final CountDownLatch held = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        void release() {
            release.countDown();
        }
    }

    private Gate gate() throws InterruptedException {
        Gate gate = new Gate();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        spawn(() -> store.writer().submit(new GroupCommitWriter.Write<Void>() {
            @Override
            public Void apply(WriterStatements statements) {
                gate.held.countDown();
                await(gate.release);
                return null;
            }

            @Override
            public String description() {
                return "hold the writer";
            }
        }), failure);
        assertTrue(gate.held.await(10, TimeUnit.SECONDS), "the writer took the gate");
        return gate;
    }

    private void awaitQueued(int n) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (store.writer().queued() < n) {
            if (System.nanoTime() > deadline) {
                fail("only " + store.writer().queued() + " of " + n + " writes were queued");
            }
            Thread.onSpinWait();
        }
    }

    private interface Body {
        Object run() throws Exception;
    }

    private Thread spawn(Body body, AtomicReference<Throwable> failure) {
        Thread t = new Thread(() -> {
            try {
                body.run();
            } catch (Throwable e) {
                failure.compareAndSet(null, e);
            }
        });
        t.start();
        threads.add(t);
        return t;
    }

    private void joinAll(AtomicReference<Throwable> failure) throws InterruptedException {
        for (Thread t : threads) {
            t.join(10_000);
            assertFalse(t.isAlive(), "a caller is stuck");
        }
        threads.clear();
        assertNull(failure.get(), () -> "a caller failed: " + failure.get());
    }

    private static GroupCommitWriter.Write<Void> insert(int id, CountDownLatch held, CountDownLatch release) {
        return new GroupCommitWriter.Write<>() {
            @Override
            public Void apply(WriterStatements statements) throws SQLException {
                if (held != null) {
                    held.countDown();
                    await(release);
                }
                statements.statement("INSERT INTO t VALUES (?)").setInt(1, id);
                statements.statement("INSERT INTO t VALUES (?)").executeUpdate();
                return null;
            }

            @Override
            public String description() {
                return "insert " + id;
            }
        };
    }

    private static int count(JdbcDataSource ds) throws SQLException {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT COUNT(*) FROM t")) {
            r.next();
            return r.getInt(1);
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("never released");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
