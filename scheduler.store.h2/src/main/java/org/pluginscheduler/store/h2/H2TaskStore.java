package org.pluginscheduler.store.h2;

import java.io.IOException;
import java.sql.BatchUpdateException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

import javax.sql.DataSource;

import org.pluginscheduler.api.DeadLetter;
import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.RunTrigger;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.store.PendingRun;
import org.pluginscheduler.api.store.RunBatch;
import org.pluginscheduler.api.store.StoredTask;
import org.pluginscheduler.api.store.TaskStore;
import org.pluginscheduler.api.store.TaskStoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link TaskStore} on H2, without OSGi: give it a {@link DataSource}.
 *
 * <p>Writes ({@link #write} and everything built on it: {@link #recordRuns}, {@link #savePending}; and
 * {@link #saveTasks}, {@link #addDeadLetter}, {@link #deleteTask}, {@link #removePending}, {@link #removeDeadLetter},
 * the deletions of {@link #pruneRuns}) go through one {@link GroupCommitWriter} and return once committed durably.
 * One call is one write of the writer: one {@link RunBatch} is applied in one transaction, all or nothing, and shares
 * its commit with whatever else was queued. Reads go straight to the database on pooled connections.
 *
 * <p>Durability: the store sets the database's {@code WRITE_DELAY} to 0 on its writer connection. H2 2.4 then writes
 * every commit of a transaction with changes to the file before {@code commit()} returns, on the committing
 * thread: the writer's one commit per batch is the durable point. (With a write delay, H2 stores from a background
 * thread and two executors; an explicit {@code CHECKPOINT} after the commit is not enough, because it returns at
 * once when a background store has already taken the changes but not yet written them.) With
 * {@code sync.to.disk}, each batch is also forced to the device ({@code CHECKPOINT SYNC}).
 *
 * <p>Nothing is seen before it is durable: H2 makes a commit visible to other sessions before it writes it to the
 * file (the transaction is marked committed in {@code TransactionStore.commit}; {@code MVStore.commit()} stores it
 * afterwards, in {@code TransactionStore.endTransaction}). A read on a pooled connection in that window returned
 * rows that a {@code kill -9} then took away (runs read back SUCCEEDED were gone or RUNNING again after a restart).
 * So every read, once its query has returned, waits on the {@link CommitBarrier} until every commit that had begun
 * by then has returned from {@code commit()}; it waits only while a commit is under way, at most for that one.
 *
 * <p>Files: before opening, the database's folder is made {@code rwx------}, and H2's files {@code rw-------}
 * after opening, after each pruning and at close ({@link OwnerOnlyFiles}).
 *
 * <p>Semantics follow the in-memory store: runs newest first by scheduled time then run id; pruning never touches
 * RUNNING runs; a final record ends the pending run of its run id in its transaction; deleting a task deletes
 * its runs, pending runs and dead letters; pending runs are unique by run id and by (task, occurrence).
 *
 * <p>Ended pending runs: a final record ends its run's pending run without deleting its row (a drain of many runs
 * then costs one row write per run, not two: deleting the pending row as well halved the durable drain rate). An
 * ended row is a pending row whose run has a final record; {@link #pendingRuns} leaves those out, a new pending
 * run of the same (task, occurrence) first deletes such a row, pruning a run deletes its row with it, and the rows
 * are deleted in bulk at every pruning ({@link #deleteEndedPending}).
 */
final class H2TaskStore implements TaskStore, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(H2TaskStore.class);

    /** H2 keeps at most this many characters in a VARCHAR; longer messages are cut. */
    static final int MAX_MESSAGE = 1_000_000;
    /**
     * Pruning deletes in chunks of at least this many runs, so other writes interleave; more when runs come in
     * faster (see {@link #PRUNE_RATIO}).
     */
    static final int PRUNE_CHUNK = 1000;
    /**
     * The back-pressure rule: a deletion chunk holds at least this many times the runs the writer applied since it
     * applied the previous chunk (while there are that many to delete). Deletions share the one writer with run records and a
     * pruning waits for each chunk's commit, so with fixed chunks a recorder that stored more runs per commit than a
     * chunk (as the scheduler's does once the writer is its bottleneck, on a fast load or a starved machine) outgrew
     * pruning without bound. With this ratio above 1, pruning deletes faster than runs come in whatever the commit
     * rate, and the backlog stays within about the runs of the last pruning turns; the cost is longer commits while
     * pruning is behind, which slows recording to what the writer can both store and delete.
     */
    static final int PRUNE_RATIO = 2;
    /** The largest deletion chunk, so that one commit stays bounded however large the recorder's batches. */
    static final int MAX_PRUNE_CHUNK = 50_000;
    /**
     * Pruning reads at most this many runs of a task at a time (by position, and again by age), deletes them, then
     * reads on: the heap a pass needs stays a few MB whatever a task holds. Reading them all at once held every run
     * id beyond the cap (about 100 bytes each): a task with a million runs over a lowered cap took ~100 MB.
     */
    static final int PRUNE_READ = 50_000;
    private static final String TRUNCATED = " … [truncated by the H2 task store]";

    private static final String TASK_COLUMNS = "task_id, owner_bundle, definition_digest, schedule_text, "
            + "schedule_override, enabled, paused, dormant, next_fire, last_fire, last_status";
    private static final String RUN_COLUMNS = "run_id, task_id, tenant, run_trigger, attempt, status, scheduled_time, "
            + "start_time, end_time, message, data, arguments";
    private static final String DEAD_LETTER_COLUMNS = "run_id, task_id, arguments, last_error, attempts, "
            + "first_attempt, last_attempt";

    private static final String PENDING_COLUMNS = "run_id, task_id, run_trigger, occurrence, scheduled_time, due, "
            + "attempt, chain_start, arguments, lock_keys, owner, lease_until";

    private static final String MERGE_TASK = "MERGE INTO tasks (" + TASK_COLUMNS + ") KEY (task_id) "
            + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    private static final String MERGE_RUN = "MERGE INTO runs (" + RUN_COLUMNS + ") KEY (run_id) "
            + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    private static final String MERGE_PENDING = "MERGE INTO pending_runs (" + PENDING_COLUMNS + ") KEY (run_id) "
            + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    private static final String DELETE_PENDING = "DELETE FROM pending_runs WHERE run_id = ?";
    /** A pending run is ended when its run has a final record. */
    private static final String ENDED = "EXISTS (SELECT 1 FROM runs r WHERE r.run_id = p.run_id AND r.status <> 'RUNNING')";
    private static final String DELETE_ENDED_OCCURRENCE = "DELETE FROM pending_runs p WHERE p.task_id = ? AND "
            + "p.occurrence = ? AND p.run_id <> ? AND " + ENDED;
    private static final String MERGE_DEAD_LETTER = "MERGE INTO dead_letters (" + DEAD_LETTER_COLUMNS + ") "
            + "KEY (run_id) VALUES (?, ?, ?, ?, ?, ?, ?)";

    private final Failures failures;
    private final ConnectionPool readers;
    private final GroupCommitWriter writer;
    private final CommitBarrier commits;
    private final OwnerOnlyFiles files;
    private final int schemaVersionFound;
    private final Optional<FileHousekeeping> housekeeping;
    /**
     * Per task, how far pruning is behind: its runs recorded since pruning last read it, plus those found to prune
     * and not deleted yet (see {@link #unpruned()}, {@link #pruneBusyTasks}).
     */
    private final ConcurrentHashMap<String, AtomicInteger> unpruned = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicLong prunedTotal = new java.util.concurrent.atomic.AtomicLong();
    /** Runs on the pruning thread after each deletion chunk's commit; tests use it to record between chunks. */
    private volatile Runnable afterChunk = () -> { };
    private volatile int pruneRead = PRUNE_READ;
    /**
     * Held by one pruning at a time: the pruner's passes and busy turns, and a purge asked for by an operator
     * ({@code task:purge --history}, on the shell's thread). Two prunings reading the same task would share its
     * {@link #unpruned} count and the back-pressure measure, and one could take the other's deletions for a page
     * of nothing deletable and stop reading that task early.
     */
    private final Object pruning = new Object();
    /** Final run records the writer applied since it applied the last deletion chunk: the back-pressure measure. */
    private final java.util.concurrent.atomic.AtomicLong recordedSinceChunk = new java.util.concurrent.atomic.AtomicLong();
    private volatile boolean closed;

    private H2TaskStore(Failures failures, ConnectionPool readers, GroupCommitWriter writer, CommitBarrier commits,
                        OwnerOnlyFiles files, int schemaVersionFound, Optional<FileHousekeeping> housekeeping) {
        this.failures = failures;
        this.readers = readers;
        this.writer = writer;
        this.commits = commits;
        this.files = files;
        this.schemaVersionFound = schemaVersionFound;
        this.housekeeping = housekeeping;
        housekeeping.ifPresent(h -> writer.maintenance(h::run, FileHousekeeping.INTERVAL));
    }

    /**
     * Opens the database, migrates its schema to the current version and starts the writer.
     *
     * @throws TaskStoreException if the database cannot be opened or migrated; the message names the file or URL
     *                            and the remedy, never the password
     */
    static H2TaskStore open(DataSource dataSource, StoreSettings settings) {
        return open(dataSource, settings, Schema.current());
    }

    static H2TaskStore open(DataSource dataSource, StoreSettings settings, Schema schema) {
        return open(dataSource, settings, schema, UnaryOperator.identity());
    }

    /** @param commitWrapper wraps the writer's durable commit (tests make it fail) */
    static H2TaskStore open(DataSource dataSource, StoreSettings settings, Schema schema,
                            UnaryOperator<GroupCommitWriter.Durability> commitWrapper) {
        return open(dataSource, settings, schema, commitWrapper, true);
    }

    /** @param housekeeping whether to keep the file small ({@link FileHousekeeping}; tests compare without) */
    static H2TaskStore open(DataSource dataSource, StoreSettings settings, Schema schema,
                            UnaryOperator<GroupCommitWriter.Durability> commitWrapper, boolean housekeeping) {
        Failures failures = new Failures(settings.location(), settings.user(), settings.password());
        OwnerOnlyFiles files = new OwnerOnlyFiles(settings.location());
        try {
            files.prepareFolder();
        } catch (IOException e) {
            throw new TaskStoreException(failures.location().resource() + ": could not create its folder "
                    + files.folder().map(Object::toString).orElse("") + " (" + failures.scrub(e.toString())
                    + "): create it, or fix the permissions of its parent, or configure another url in "
                    + DatabaseLocation.CONFIG_FILE, e);
        }
        GroupCommitWriter.Durability synchronous = settings.syncToDisk() ? c -> {
            c.commit();
            try (Statement s = c.createStatement()) {
                s.execute("CHECKPOINT SYNC");
            }
        } : Connection::commit;
        GroupCommitWriter.Durability commit = commitWrapper.apply(synchronous);
        CommitBarrier commits = new CommitBarrier();
        GroupCommitWriter.Durability durability = c -> commits.commit(() -> commit.commit(c));
        WriterStatements first = null;
        try {
            first = new WriterStatements(dataSource.getConnection());
            synchronousCommits(first.connection(), settings);
            int found = schema.migrate(first.connection());
            durability.commit(first.connection());
            if (found < schema.latestVersion()) {
                LOG.info("H2 task store: {} migrated from schema version {} to {}", failures.location().resource(),
                        found, schema.latestVersion());
            }
            GroupCommitWriter writer = new GroupCommitWriter(first, () -> {
                WriterStatements reconnected = new WriterStatements(dataSource.getConnection());
                try { // the database may have been closed and reopened
                    synchronousCommits(reconnected.connection(), settings);
                } catch (SQLException | RuntimeException e) {
                    closeQuietly(reconnected); // e.g. a file reopened read-only: no connection left behind
                    throw e;
                }
                return reconnected;
            }, durability, failures, settings.maxBatch(), settings.maxWaitMillis());
            files.tightenFiles();
            Optional<FileHousekeeping> keeper = !housekeeping || settings.location().remote() ? Optional.empty()
                    : FileHousekeeping.of(first.connection(), settings.location(), settings.syncToDisk());
            return new H2TaskStore(failures, new ConnectionPool(dataSource, 4), writer, commits, files, found,
                    keeper);
        } catch (Schema.NewerSchemaException e) {
            closeQuietly(first);
            throw new TaskStoreException(failures.location().resource() + " has schema version " + e.found
                    + ", newer than this scheduler.store.h2 supports (" + e.supported + "): install the newer "
                    + "scheduler.store.h2 again, or configure another url in " + DatabaseLocation.CONFIG_FILE);
        } catch (SQLException e) {
            closeQuietly(first);
            throw failures.failed("open it", e);
        }
    }

    /**
     * Sets {@code WRITE_DELAY} to 0 (it needs admin rights). Although H2 stores the setting, 2.4 applies the URL's
     * {@code WRITE_DELAY} (default 500 ms) whenever it opens the database, so this runs on every writer connection.
     */
    private static void synchronousCommits(Connection c, StoreSettings settings) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("SET WRITE_DELAY 0");
            if (!settings.urlSetsRetentionTime()) {
                s.execute("SET RETENTION_TIME " + StoreSettings.RETENTION_TIME_MS);
            }
        }
        c.commit();
    }

    /** @return the schema version the database had when this store opened it (0: new database) */
    int schemaVersionFound() {
        return schemaVersionFound;
    }

    /** @return the writer, for its counters */
    GroupCommitWriter writer() {
        return writer;
    }

    /** @return the file's housekeeping, if H2 lets it in */
    Optional<FileHousekeeping> housekeeping() {
        return housekeeping;
    }

    /** @return the barrier between commits and reads, for its counters */
    CommitBarrier commitBarrier() {
        return commits;
    }

    /** Changes the group-commit limits; applies from the next batch. */
    void groupCommit(int maxBatch, int maxWaitMillis) {
        writer.settings(maxBatch, maxWaitMillis);
    }

    DatabaseLocation location() {
        return failures.location();
    }

    // --- tasks ------------------------------------------------------------------------------------------------

    @Override
    public List<StoredTask> loadTasks() {
        return read("load the tasks", c -> {
            try (Statement s = c.createStatement();
                 ResultSet r = s.executeQuery("SELECT " + TASK_COLUMNS + " FROM tasks")) {
                List<StoredTask> result = new ArrayList<>();
                while (r.next()) {
                    result.add(task(r));
                }
                return List.copyOf(result);
            }
        });
    }

    @Override
    public Optional<StoredTask> loadTask(TaskId id) {
        return read("load task " + id, c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT " + TASK_COLUMNS + " FROM tasks WHERE task_id = ?")) {
                s.setString(1, id.toString());
                try (ResultSet r = s.executeQuery()) {
                    return r.next() ? Optional.of(task(r)) : Optional.empty();
                }
            }
        });
    }

    @Override
    public void saveTask(StoredTask task) {
        saveTasks(List.of(task));
    }

    /** One write for the whole list: one transaction, one commit. */
    @Override
    public void saveTasks(List<StoredTask> tasks) {
        if (tasks.isEmpty()) {
            return;
        }
        List<StoredTask> copy = List.copyOf(tasks);
        write(new GroupCommitWriter.Write<Void>() {
            @Override
            public Void apply(WriterStatements statements) throws SQLException {
                PreparedStatement s = statements.statement(MERGE_TASK);
                for (StoredTask task : copy) {
                    s.setString(1, task.id().toString());
                    s.setString(2, task.ownerBundle());
                    s.setString(3, task.definitionDigest());
                    s.setString(4, task.scheduleText());
                    s.setString(5, task.scheduleOverride().orElse(null));
                    if (task.enabled().isPresent()) {
                        s.setBoolean(6, task.enabled().get());
                    } else {
                        s.setNull(6, Types.BOOLEAN);
                    }
                    s.setBoolean(7, task.paused());
                    s.setBoolean(8, task.dormant());
                    setInstant(s, 9, task.nextFire());
                    setInstant(s, 10, task.lastFire());
                    s.setString(11, task.lastStatus().map(Enum::name).orElse(null));
                    s.executeUpdate();
                }
                return null;
            }

            @Override
            public String description() {
                return copy.size() == 1 ? "save task " + copy.get(0).id() : "save " + copy.size() + " tasks";
            }
        });
    }

    @Override
    public void deleteTask(TaskId id) {
        write(new GroupCommitWriter.Write<Void>() {
            @Override
            public Void apply(WriterStatements statements) throws SQLException {
                for (String table : List.of("tasks", "runs", "pending_runs", "dead_letters")) {
                    PreparedStatement s = statements.statement("DELETE FROM " + table + " WHERE task_id = ?");
                    s.setString(1, id.toString());
                    s.executeUpdate();
                }
                return null;
            }

            @Override
            public String description() {
                return "delete task " + id;
            }
        });
        unpruned.remove(id.toString());
    }

    // --- runs -------------------------------------------------------------------------------------------------

    @Override
    public void recordRun(RunRecord run) {
        write(RunBatch.of(List.of(run)));
    }

    /** One write for the whole list: one transaction, one commit (shared with other callers'). */
    @Override
    public void recordRuns(List<RunRecord> runs) {
        write(RunBatch.of(runs));
    }

    /**
     * Applies the batch as ONE write of the {@link GroupCommitWriter}: one transaction, committed together with the
     * other writes queued meanwhile. If anything of it fails, the writer rolls the group back and retries each write
     * alone, so this batch is again applied whole or not at all, and only its caller is told of its failure.
     * The rows are encoded on the calling thread; the writer thread only binds and executes, each kind of row as
     * one JDBC batch: run records (MERGE by run id, in list order; a final one ends its pending run), ended rows that
     * hold an occurrence being accepted again, pending runs (MERGE by run id), dead letters (MERGE by run id), the
     * withdrawn pending runs (DELETE).
     *
     * @throws TaskStoreException naming the task and occurrence if a pending run's (task, occurrence) is stored
     *                            under another run id (or twice in the batch); nothing of the batch is written then
     */
    @Override
    public void write(RunBatch batch) {
        if (batch.isEmpty()) {
            return;
        }
        writer.submit(new BatchWrite(batch, recordedSinceChunk));
        countUnpruned(batch.runs());
    }

    /** Counts each run once: by its final (or skipped) record, the one that every row gets exactly once. */
    private void countUnpruned(List<RunRecord> runs) {
        String last = null;
        AtomicInteger count = null;
        for (RunRecord run : runs) {
            if (run.status() == RunStatus.RUNNING) {
                continue;
            }
            String task = run.taskId().toString();
            if (!task.equals(last)) {
                last = task;
                count = unpruned.computeIfAbsent(task, t -> new AtomicInteger());
            }
            count.incrementAndGet();
        }
    }

    /** One {@link RunBatch}, encoded for the writer. */
    private static final class BatchWrite implements GroupCommitWriter.Write<Void> {
        private final RunBatch batch;
        private final String[] runText; // per run: message, data, arguments
        private final String[] pendingText; // per pending run: arguments, lock keys
        private final String[] deadLetterArguments;
        private final java.util.concurrent.atomic.AtomicLong recorded;
        private final int finals;

        /**
         * @param recorded counts the batch's final (and skipped) records when the writer applies it, on the writer's
         *                 thread, so that a deletion chunk taken after this batch's commit sees them (a batch retried
         *                 alone after its group failed counts twice: it only makes a chunk larger)
         */
        BatchWrite(RunBatch batch, java.util.concurrent.atomic.AtomicLong recorded) {
            this.batch = batch;
            this.recorded = recorded;
            List<RunRecord> runs = batch.runs();
            finals = (int) runs.stream().filter(r -> r.status() != RunStatus.RUNNING).count();
            runText = new String[runs.size() * 3];
            for (int i = 0; i < runs.size(); i++) {
                RunRecord run = runs.get(i);
                runText[i * 3] = run.message().length() <= MAX_MESSAGE ? run.message()
                        : run.message().substring(0, MAX_MESSAGE - TRUNCATED.length()) + TRUNCATED;
                runText[i * 3 + 1] = MapCodec.encode(run.data());
                runText[i * 3 + 2] = MapCodec.encode(run.arguments());
            }
            List<PendingRun> accepted = batch.accepted();
            pendingText = new String[accepted.size() * 2];
            for (int i = 0; i < accepted.size(); i++) {
                pendingText[i * 2] = MapCodec.encode(accepted.get(i).arguments());
                pendingText[i * 2 + 1] = MapCodec.encodeSet(accepted.get(i).lockKeys());
            }
            List<DeadLetter> deadLetters = batch.deadLetters();
            deadLetterArguments = new String[deadLetters.size()];
            for (int i = 0; i < deadLetters.size(); i++) {
                deadLetterArguments[i] = MapCodec.encode(deadLetters.get(i).arguments());
            }
        }

        @Override
        public Void apply(WriterStatements statements) throws SQLException {
            if (!batch.runs().isEmpty()) {
                writeRuns(statements);
                recorded.addAndGet(finals);
            }
            if (!batch.accepted().isEmpty()) {
                writePending(statements);
            }
            if (!batch.deadLetters().isEmpty()) {
                PreparedStatement s = statements.statement(MERGE_DEAD_LETTER);
                List<DeadLetter> deadLetters = batch.deadLetters();
                for (int i = 0; i < deadLetters.size(); i++) {
                    DeadLetter d = deadLetters.get(i);
                    s.setString(1, d.runId());
                    s.setString(2, d.taskId().toString());
                    s.setString(3, deadLetterArguments[i]);
                    s.setString(4, d.lastError());
                    s.setInt(5, d.attempts());
                    s.setObject(6, d.firstAttempt());
                    s.setObject(7, d.lastAttempt());
                    s.addBatch();
                }
                executeBatch(s);
            }
            if (!batch.withdrawn().isEmpty()) {
                PreparedStatement s = statements.statement(DELETE_PENDING);
                for (String id : batch.withdrawn()) {
                    s.setString(1, id);
                    s.addBatch();
                }
                executeBatch(s);
            }
            return null;
        }

        private void writeRuns(WriterStatements statements) throws SQLException {
            List<RunRecord> runs = batch.runs();
            PreparedStatement s = statements.statement(MERGE_RUN);
            for (int i = 0; i < runs.size(); i++) {
                RunRecord run = runs.get(i);
                s.setString(1, run.runId());
                s.setString(2, run.taskId().toString());
                s.setString(3, run.taskId().tenant().orElse(null));
                s.setString(4, run.trigger().name());
                s.setInt(5, run.attempt());
                s.setString(6, run.status().name());
                s.setObject(7, run.scheduledTime());
                setInstant(s, 8, run.startTime());
                setInstant(s, 9, run.endTime());
                s.setString(10, runText[i * 3]);
                s.setString(11, runText[i * 3 + 1]);
                s.setString(12, runText[i * 3 + 2]);
                s.addBatch();
            }
            executeBatch(s);
            // a final record ends its run's pending run by itself (pendingRuns() leaves out every pending run whose
            // run has a final record): no deletion per run on the drain's hot path; ended rows go in bulk, see
            // deleteEndedPending
        }

        private void writePending(WriterStatements statements) throws SQLException {
            List<PendingRun> accepted = batch.accepted();
            PreparedStatement stale = null;
            for (PendingRun p : accepted) {
                if (!p.occurrence().equals("run:" + p.runId())) {
                    if (stale == null) {
                        stale = statements.statement(DELETE_ENDED_OCCURRENCE);
                    }
                    stale.setString(1, p.taskId().toString());
                    stale.setString(2, p.occurrence());
                    stale.setString(3, p.runId());
                    stale.addBatch();
                }
            }
            if (stale != null) { // an ended run's row, not yet deleted, must not keep its occurrence taken
                executeBatch(stale);
            }
            PreparedStatement s = statements.statement(MERGE_PENDING);
            for (int i = 0; i < accepted.size(); i++) {
                PendingRun p = accepted.get(i);
                s.setString(1, p.runId());
                s.setString(2, p.taskId().toString());
                s.setString(3, p.trigger().name());
                s.setString(4, p.occurrence());
                s.setObject(5, p.scheduledTime());
                s.setObject(6, p.due());
                s.setInt(7, p.attempt());
                s.setObject(8, p.chainStart());
                s.setString(9, pendingText[i * 2]);
                s.setString(10, pendingText[i * 2 + 1]);
                s.setString(11, p.owner().orElse(null));
                setInstant(s, 12, p.leaseUntil());
                s.addBatch();
            }
            try {
                executeBatch(s);
            } catch (BatchUpdateException e) {
                if (e.getErrorCode() != Failures.DUPLICATE_KEY_1) {
                    throw e;
                }
                throw occurrenceConflict(statements, e);
            }
        }

        /** @return the exception naming the first pending run whose (task, occurrence) is taken */
        private SQLException occurrenceConflict(WriterStatements statements, BatchUpdateException e)
                throws SQLException {
            List<PendingRun> accepted = batch.accepted();
            int[] counts = e.getUpdateCounts();
            for (int i = 0; i < accepted.size(); i++) {
                if (counts != null && i < counts.length && counts[i] != Statement.EXECUTE_FAILED) {
                    continue;
                }
                PendingRun p = accepted.get(i);
                PreparedStatement s = statements.statement("SELECT run_id FROM pending_runs WHERE task_id = ? AND "
                        + "occurrence = ? AND run_id <> ?");
                s.setString(1, p.taskId().toString());
                s.setString(2, p.occurrence());
                s.setString(3, p.runId());
                try (ResultSet r = s.executeQuery()) {
                    if (r.next()) {
                        SQLException conflict = new SQLException("pending run " + p.runId() + " of task "
                                + p.taskId() + ": occurrence '" + p.occurrence() + "' of that task is already "
                                + "pending as run " + r.getString(1) + " (a task occurrence is accepted once); "
                                + "nothing of the batch was written", e.getSQLState(), Failures.DUPLICATE_KEY_1, e);
                        return conflict;
                    }
                }
            }
            return e; // not a (task, occurrence) conflict: H2's own message says what
        }

        @Override
        public String description() {
            List<RunRecord> runs = batch.runs();
            if (runs.size() == 1 && batch.accepted().isEmpty() && batch.deadLetters().isEmpty()) {
                RunRecord first = runs.get(0);
                return "record run " + first.runId() + " of " + first.taskId() + " (" + first.status() + ")";
            }
            if (runs.isEmpty() && batch.accepted().size() == 1 && batch.deadLetters().isEmpty()) {
                PendingRun p = batch.accepted().get(0);
                return "save pending run " + p.runId() + " of " + p.taskId() + " (occurrence " + p.occurrence() + ")";
            }
            if (runs.isEmpty() && batch.accepted().isEmpty() && batch.deadLetters().size() == 1) {
                DeadLetter d = batch.deadLetters().get(0);
                return "add dead letter " + d.runId() + " of " + d.taskId();
            }
            List<String> parts = new ArrayList<>(3);
            if (!runs.isEmpty()) {
                parts.add(runs.size() + " run record" + (runs.size() == 1 ? "" : "s"));
            }
            if (!batch.accepted().isEmpty()) {
                parts.add(batch.accepted().size() + " pending run" + (batch.accepted().size() == 1 ? "" : "s"));
            }
            if (!batch.deadLetters().isEmpty()) {
                parts.add(batch.deadLetters().size() + " dead letter" + (batch.deadLetters().size() == 1 ? "" : "s"));
            }
            return "write a batch of " + String.join(", ", parts);
        }
    }

    /** Executes the statement's JDBC batch; a failed one is cleared, so the next write starts clean. */
    private static void executeBatch(PreparedStatement s) throws SQLException {
        boolean done = false;
        try {
            s.executeBatch();
            done = true;
        } finally {
            if (!done) {
                s.clearBatch();
            }
        }
    }

    // --- pending runs -----------------------------------------------------------------------------------------

    @Override
    public List<PendingRun> pendingRuns() {
        return read("read the pending runs", c -> {
            try (Statement s = c.createStatement();
                 ResultSet r = s.executeQuery("SELECT " + PENDING_COLUMNS + " FROM pending_runs p WHERE NOT " + ENDED
                         + " ORDER BY due, run_id")) {
                List<PendingRun> result = new ArrayList<>();
                while (r.next()) {
                    String runId = r.getString(1);
                    result.add(new PendingRun(runId, taskId(r.getString(2)), RunTrigger.valueOf(r.getString(3)),
                            r.getString(4), instant(r, 5).orElseThrow(), instant(r, 6).orElseThrow(), r.getInt(7),
                            instant(r, 8).orElseThrow(), map(r.getString(9), "arguments", runId),
                            set(r.getString(10), "lock keys", runId), Optional.ofNullable(r.getString(11)),
                            instant(r, 12)));
                }
                return List.copyOf(result);
            }
        });
    }

    /** One write: the pending runs are removed in one transaction. */
    @Override
    public void removePending(Collection<String> runIds) {
        if (runIds.isEmpty()) {
            return;
        }
        List<String> ids = List.copyOf(runIds);
        write(new GroupCommitWriter.Write<Void>() {
            @Override
            public Void apply(WriterStatements statements) throws SQLException {
                PreparedStatement s = statements.statement(DELETE_PENDING);
                for (String id : ids) {
                    s.setString(1, id);
                    s.addBatch();
                }
                executeBatch(s);
                return null;
            }

            @Override
            public String description() {
                return ids.size() == 1 ? "remove pending run " + ids.get(0) : "remove " + ids.size() + " pending runs";
            }
        });
    }

    @Override
    public List<RunRecord> runs(TaskId id, int limit) {
        if (limit <= 0) {
            return List.of();
        }
        return read("read the runs of " + id, c -> {
            // task_id leads the ORDER BY so that H2 reads the newest runs off the index and stops (EXPLAIN: index
            // sorted); without it, it sorted all the task's runs first
            try (PreparedStatement s = c.prepareStatement("SELECT " + RUN_COLUMNS + " FROM runs WHERE task_id = ? "
                    + "ORDER BY task_id DESC, scheduled_time DESC, run_id DESC FETCH FIRST ? ROWS ONLY")) {
                s.setString(1, id.toString());
                s.setInt(2, limit);
                return runs(s);
            }
        });
    }

    @Override
    public Optional<RunRecord> run(String runId) {
        return read("read run " + runId, c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT " + RUN_COLUMNS + " FROM runs WHERE run_id = ?")) {
                s.setString(1, runId);
                List<RunRecord> found = runs(s);
                return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
            }
        });
    }

    @Override
    public List<RunRecord> runningRuns() {
        return read("read the running runs", c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT " + RUN_COLUMNS + " FROM runs WHERE status = ?")) {
                s.setString(1, RunStatus.RUNNING.name());
                return runs(s);
            }
        });
    }

    /**
     * One full pass: task by task (the task ids come from the runs' index, one seek per task), the runs beyond the
     * newest {@code keepPerTask} and those that ended before {@code endedBefore}, deleted through the writer in
     * chunks of {@value #PRUNE_CHUNK}, so other writes interleave and nobody waits for a long deletion. A pass
     * costs a read of each task's runs, never one query over the whole table (that took minutes with millions of
     * runs and held the database's attention meanwhile). A run that became RUNNING again meanwhile is not deleted.
     */
    @Override
    public int pruneRuns(Instant endedBefore, int keepPerTask) {
        synchronized (pruning) {
            deleteEndedPending();
            recordedSinceChunk.set(0); // what is already recorded is what this pass finds, not a rate to match
            Doomed doomed = new Doomed();
            String task = "";
            while ((task = nextTaskWithRuns(task)) != null) {
                findPrunable(task, endedBefore, keepPerTask, doomed);
            }
            int pruned = doomed.flush();
            files.tightenFiles(); // H2 may have created a file since the last check (its trace file, at an error)
            return pruned;
        }
    }

    /**
     * Prunes only the tasks that recorded at least {@code written} runs since their runs were last pruned, as a
     * full pass would. Cheap when few tasks are busy: the pruner calls it every few seconds, so a task that runs
     * many times a second holds about {@code keepPerTask + written} runs, not a whole prune interval's worth.
     *
     * @return how many runs it deleted
     */
    int pruneBusyTasks(Instant endedBefore, int keepPerTask, int written) {
        synchronized (pruning) {
            recordedSinceChunk.set(0); // what is already recorded is what this pruning finds, not a rate to match
            Doomed doomed = new Doomed();
            for (Map.Entry<String, AtomicInteger> e : unpruned.entrySet()) {
                if (e.getValue().get() >= written) {
                    findPrunable(e.getKey(), endedBefore, keepPerTask, doomed);
                }
            }
            return doomed.flush();
        }
    }

    /**
     * Runs found to prune, deleted across tasks as they add up, in chunks of {@link #chunkSize()}. Each found run
     * counts as behind for its task ({@link #unpruned()}) until its chunk is deleted.
     */
    private final class Doomed {
        final List<String> ids = new ArrayList<>(PRUNE_CHUNK);
        final Map<String, Integer> perTask = new HashMap<>();
        int removed;

        void add(String task, String runId) {
            ids.add(runId);
            perTask.merge(task, 1, Integer::sum);
            if (ids.size() >= chunkSize()) {
                flush();
            }
        }

        int flush() {
            if (!ids.isEmpty()) {
                int deleted = deleteRuns(List.copyOf(ids));
                removed += deleted;
                prunedTotal.addAndGet(deleted);
                perTask.forEach((task, n) -> {
                    AtomicInteger behind = unpruned.get(task);
                    if (behind != null) {
                        behind.updateAndGet(v -> Math.max(0, v - n));
                    }
                });
                ids.clear();
                perTask.clear();
                afterChunk.run();
            }
            return removed;
        }
    }

    /**
     * @return how many runs the next deletion chunk holds: {@value #PRUNE_RATIO} times the runs the writer applied
     *         since it applied the last chunk, at least {@value #PRUNE_CHUNK}, at most {@value #MAX_PRUNE_CHUNK}
     */
    int chunkSize() {
        return chunkSize(recordedSinceChunk.get());
    }

    /** @return the deletion chunk for {@code recorded} runs applied since the last one (see {@link #chunkSize()}) */
    static int chunkSize(long recorded) {
        return (int) Math.min(MAX_PRUNE_CHUNK, Math.max(PRUNE_CHUNK, PRUNE_RATIO * recorded));
    }

    /** For tests: reads at most {@code limit} runs of a task to prune at a time (default {@value #PRUNE_READ}). */
    void pruneReadLimit(int limit) {
        pruneRead = limit;
    }

    /** For tests: {@code listener} runs on the pruning thread after each deletion chunk is committed. */
    void afterEachChunk(Runnable listener) {
        afterChunk = listener;
    }

    /**
     * @return how far pruning is behind, in total and for the task most behind: per task, the runs pruning found
     *         over the limits and has not deleted yet, plus the runs recorded since pruning last read the task
     *         (finished and skipped records, one per run). Runs held from before the store opened count once a
     *         pruning has read their task (the first full pass, 5 s after the start).
     */
    long[] unpruned() {
        long total = 0;
        long most = 0;
        for (AtomicInteger count : unpruned.values()) {
            int n = count.get();
            total += n;
            most = Math.max(most, n);
        }
        return new long[] {total, most};
    }

    /** @return runs pruned since this store opened: by the pruner and by {@code task:purge --history} alike */
    long pruned() {
        return prunedTotal.get();
    }

    /** @return the bytes of the database file; -1 if it is not a local file (or cannot be read) */
    long fileSize() {
        return failures.location().absoluteFile().map(f -> {
            try {
                return java.nio.file.Files.size(f);
            } catch (IOException | RuntimeException e) {
                return -1L;
            }
        }).orElse(-1L);
    }

    /**
     * @return the first task id after {@code after} that has runs, or null. Without waiting on the
     *         {@link CommitBarrier} (a pass asks once per task; each would wait for the commit under way): pruning
     *         only deletes, through the writer, after every commit it may have seen.
     */
    private String nextTaskWithRuns(String after) {
        return query("find the tasks to prune", c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT task_id FROM runs WHERE task_id > ? "
                    + "ORDER BY task_id FETCH FIRST 1 ROW ONLY")) {
                s.setString(1, after);
                try (ResultSet r = s.executeQuery()) {
                    return r.next() ? r.getString(1) : null;
                }
            }
        });
    }

    /**
     * Adds the task's runs to prune to {@code doomed}, with two queries that read the {@code runs_by_task} index and
     * rarely a row: the runs beyond the newest {@code keepPerTask} by position alone (the index holds task, time
     * and run id; the deletion skips a run that is RUNNING), and the runs scheduled before {@code endedBefore} that
     * ended before it (usually none). Reading whole rows instead meant one page per run, since a task's runs are
     * spread over the table in the order they were recorded, and a pass over a thousand busy tasks took minutes.
     * Reads without waiting on the {@link CommitBarrier}: what it finds is only deleted, through the writer, after
     * every commit it may have seen.
     */
    private void findPrunable(String task, Instant endedBefore, int keepPerTask, Doomed doomed) {
        AtomicInteger counted = unpruned.get(task);
        // before reading: runs recorded from now on count towards the next pruning; given back if the read fails
        int before = counted == null ? 0 : counted.getAndSet(0);
        int limit = pruneRead;
        boolean first = true;
        while (true) {
            Set<String> found = new LinkedHashSet<>();
            boolean full;
            try {
                full = readPrunable(task, endedBefore, keepPerTask, limit, found);
            } catch (RuntimeException e) {
                if (first && counted != null) {
                    counted.addAndGet(before);
                }
                throw e;
            }
            first = false;
            if (!found.isEmpty()) { // behind until deleted
                unpruned.computeIfAbsent(task, t -> new AtomicInteger()).addAndGet(found.size());
            }
            int removed = doomed.removed; // chunks flushed from here on hold this page (and what was found before)
            found.forEach(id -> doomed.add(task, id)); // deleted once the read is over: a deletion waits for a commit
            if (!full) {
                return; // what is left of the page shares a chunk with the next tasks' runs
            }
            if (doomed.flush() == removed) { // the next page is read once this one is deleted
                return; // a full page and nothing of it deletable (RUNNING runs): reading on would find it again
            }
        }
    }

    /**
     * Adds to {@code found} the newest {@code limit} runs beyond the newest {@code keepPerTask}, and {@code limit}
     * of those that ended before {@code endedBefore}.
     *
     * @return whether either read stopped at {@code limit}: there may be more
     */
    private boolean readPrunable(String task, Instant endedBefore, int keepPerTask, int limit, Set<String> found) {
        return query("prune the runs of " + task, c -> {
            // task_id leads the ORDER BY so that H2 reads the index in its order instead of sorting the task's runs
            try (PreparedStatement beyond = c.prepareStatement("SELECT run_id FROM runs WHERE task_id = ? "
                    + "ORDER BY task_id DESC, scheduled_time DESC, run_id DESC OFFSET ? ROWS FETCH NEXT ? ROWS ONLY");
                 PreparedStatement old = c.prepareStatement("SELECT run_id FROM runs WHERE task_id = ? "
                         + "AND scheduled_time < ? AND status <> 'RUNNING' "
                         + "AND (end_time < ? OR (end_time IS NULL AND status = 'SKIPPED')) FETCH FIRST ? ROWS ONLY")) {
                beyond.setString(1, task);
                beyond.setInt(2, Math.max(keepPerTask, 0));
                beyond.setInt(3, limit);
                int beyondRead = 0;
                try (ResultSet r = beyond.executeQuery()) {
                    while (r.next()) {
                        found.add(r.getString(1));
                        beyondRead++;
                    }
                }
                old.setString(1, task);
                old.setObject(2, endedBefore);
                old.setObject(3, endedBefore);
                old.setInt(4, limit);
                int oldRead = 0;
                try (ResultSet r = old.executeQuery()) {
                    while (r.next()) {
                        found.add(r.getString(1));
                        oldRead++;
                    }
                }
                return beyondRead == limit || oldRead == limit;
            }
        });
    }

    /**
     * Deletes the rows of ended pending runs (their runs have final records), in chunks of {@value #PRUNE_CHUNK}
     * through the writer, at every pruning (in the background). Until then they take space, nothing else:
     * {@link #pendingRuns} leaves them out.
     *
     * @return how many were deleted
     */
    int deleteEndedPending() {
        int deleted = 0;
        while (true) {
            int chunk = write(new GroupCommitWriter.Write<Integer>() {
                @Override
                public Integer apply(WriterStatements statements) throws SQLException {
                    PreparedStatement s = statements.statement("DELETE FROM pending_runs p WHERE " + ENDED
                            + " FETCH FIRST " + PRUNE_CHUNK + " ROWS ONLY");
                    return s.executeUpdate();
                }

                @Override
                public String description() {
                    return "delete the rows of ended pending runs";
                }
            });
            deleted += chunk;
            if (chunk < PRUNE_CHUNK) {
                return deleted;
            }
        }
    }

    private int deleteRuns(List<String> runIds) {
        return write(new GroupCommitWriter.Write<Integer>() {
            @Override
            public Integer apply(WriterStatements statements) throws SQLException {
                recordedSinceChunk.set(0); // what the writer applies from now on is matched by the next chunk
                PreparedStatement s = statements.statement("DELETE FROM runs WHERE run_id = ? AND status <> 'RUNNING'");
                for (String id : runIds) {
                    s.setString(1, id);
                    s.addBatch();
                }
                int[] counts = s.executeBatch();
                // a pruned run's pending row (ended, not yet deleted) goes with it: without its final record it
                // would count as pending again. A RUNNING run is not pruned, and keeps its pending row
                PreparedStatement pending = null;
                int removed = 0;
                for (int i = 0; i < counts.length; i++) {
                    if (counts[i] > 0) {
                        removed++;
                        if (pending == null) {
                            pending = statements.statement(DELETE_PENDING);
                        }
                        pending.setString(1, runIds.get(i));
                        pending.addBatch();
                    }
                }
                if (pending != null) {
                    pending.executeBatch();
                }
                return removed;
            }

            @Override
            public String description() {
                return "prune " + runIds.size() + " runs";
            }
        });
    }

    // --- dead letters -----------------------------------------------------------------------------------------

    @Override
    public void addDeadLetter(DeadLetter deadLetter) {
        write(new RunBatch(List.of(), List.of(), List.of(deadLetter)));
    }

    @Override
    public List<DeadLetter> deadLetters() {
        return read("read the dead letters", c -> {
            try (Statement s = c.createStatement();
                 ResultSet r = s.executeQuery("SELECT " + DEAD_LETTER_COLUMNS + " FROM dead_letters "
                         + "ORDER BY last_attempt DESC, run_id DESC")) {
                List<DeadLetter> result = new ArrayList<>();
                while (r.next()) {
                    result.add(new DeadLetter(r.getString(1), taskId(r.getString(2)), map(r.getString(3), "arguments",
                            r.getString(1)), r.getString(4), r.getInt(5), instant(r, 6).orElseThrow(),
                            instant(r, 7).orElseThrow()));
                }
                return List.copyOf(result);
            }
        });
    }

    @Override
    public boolean removeDeadLetter(String runId) {
        return write(new GroupCommitWriter.Write<Boolean>() {
            @Override
            public Boolean apply(WriterStatements statements) throws SQLException {
                PreparedStatement s = statements.statement("DELETE FROM dead_letters WHERE run_id = ?");
                s.setString(1, runId);
                return s.executeUpdate() > 0;
            }

            @Override
            public String description() {
                return "remove dead letter " + runId;
            }
        });
    }

    // --- life cycle -------------------------------------------------------------------------------------------

    /**
     * Commits what is queued, then closes every connection; H2 closes the database with the last one. Then makes
     * sure H2's files are readable by their owner only.
     */
    @Override
    public void close() {
        closed = true;
        writer.close();
        readers.close();
        files.tightenFiles();
    }

    @Override
    public String toString() {
        return "H2TaskStore[" + failures.location().resource() + "]";
    }

    // --- plumbing ---------------------------------------------------------------------------------------------

    private <R> R write(GroupCommitWriter.Write<R> write) {
        return writer.submit(write);
    }

    /**
     * Runs a query on a pooled connection and returns its result once everything it may have seen is durable
     * ({@link CommitBarrier}). If a commit it may have seen failed, the writer first stores whatever is visible
     * ({@link #flush}), and the query runs once more: the first result may hold what only that commit made visible.
     */
    private <R> R read(String action, ConnectionPool.Work<R> work) {
        R result = query(action, work);
        try {
            awaitDurable(action);
            return result;
        } catch (CommitBarrier.NotDurableException e) {
            LOG.warn("H2 task store: a commit failed while a read ran ({}); storing what is visible and reading "
                    + "again", action);
            flush(action);
        }
        R again = query(action, work);
        try {
            awaitDurable(action);
            return again;
        } catch (CommitBarrier.NotDurableException e) {
            throw new TaskStoreException(failures.location().resource() + ": could not " + action + ": commits "
                    + "keep failing while it reads, so what it read may not be on disk; see the earlier errors", e);
        }
    }

    private <R> R query(String action, ConnectionPool.Work<R> work) {
        if (closed) {
            throw new StoreClosedException(failures.location().resource() + ": could not " + action
                    + ": the store is closed");
        }
        try {
            return readers.with(work);
        } catch (SQLException e) {
            throw failures.failed(action, e);
        } catch (IllegalArgumentException e) { // a task id, status or trigger this version cannot read
            throw new TaskStoreException(failures.location().resource() + ": could not " + action + ": a stored row "
                    + "is not readable (" + e.getMessage() + "); was it edited by hand or written by a newer version?",
                    e);
        }
    }

    private void awaitDurable(String action) throws CommitBarrier.NotDurableException {
        try {
            commits.awaitDurable(GroupCommitWriter.WRITE_TIMEOUT);
        } catch (TimeoutException e) {
            throw new TaskStoreException(failures.location().resource() + ": could not " + action + ": the commit "
                    + "under way while it read was not confirmed within " + GroupCommitWriter.WRITE_TIMEOUT.toSeconds()
                    + " s, so what it read may not be on disk: is the disk stalled?", e);
        }
    }

    /**
     * Stores everything visible, through the writer: {@code CHECKPOINT} (H2 writes all changed pages, those of a
     * failed commit included) in a write of its own, whose commit then settles durable. After a failed commit
     * nothing else might commit for a while (an idle scheduler), and every read would fail until something did.
     */
    private void flush(String action) {
        writer.submit(new GroupCommitWriter.Write<Void>() {
            @Override
            public Void apply(WriterStatements statements) throws SQLException {
                try (Statement s = statements.connection().createStatement()) {
                    s.execute("CHECKPOINT");
                }
                return null;
            }

            @Override
            public String description() {
                return "store what is visible after a failed commit (to " + action + ")";
            }
        });
    }

    private List<RunRecord> runs(PreparedStatement s) throws SQLException {
        List<RunRecord> result = new ArrayList<>();
        try (ResultSet r = s.executeQuery()) {
            while (r.next()) {
                String runId = r.getString(1);
                result.add(new RunRecord(runId, taskId(r.getString(2)), RunTrigger.valueOf(r.getString(4)),
                        r.getInt(5), RunStatus.valueOf(r.getString(6)), instant(r, 7).orElseThrow(), instant(r, 8),
                        instant(r, 9), r.getString(10), map(r.getString(11), "data", runId),
                        map(r.getString(12), "arguments", runId)));
            }
        }
        return List.copyOf(result);
    }

    private static StoredTask task(ResultSet r) throws SQLException {
        boolean enabled = r.getBoolean(6);
        Optional<Boolean> enabledSetting = r.wasNull() ? Optional.empty() : Optional.of(enabled);
        return new StoredTask(taskId(r.getString(1)), r.getString(2), r.getString(3), r.getString(4),
                Optional.ofNullable(r.getString(5)), enabledSetting, r.getBoolean(7), r.getBoolean(8),
                instant(r, 9), instant(r, 10), Optional.ofNullable(r.getString(11)).map(RunStatus::valueOf));
    }

    private static TaskId taskId(String text) {
        return TaskId.parse(text);
    }

    private Set<String> set(String text, String column, String runId) {
        try {
            return MapCodec.decodeSet(text);
        } catch (IllegalArgumentException e) {
            throw new TaskStoreException(failures.location().resource() + ": the " + column + " of " + runId
                    + " are not readable (" + e.getMessage() + "); was the row edited by hand?", e);
        }
    }

    private Map<String, String> map(String text, String column, String runId) {
        try {
            return MapCodec.decode(text);
        } catch (IllegalArgumentException e) {
            throw new TaskStoreException(failures.location().resource() + ": the " + column + " of " + runId
                    + " is not readable (" + e.getMessage() + "); was the row edited by hand?", e);
        }
    }

    private static Optional<Instant> instant(ResultSet r, int column) throws SQLException {
        return Optional.ofNullable(r.getObject(column, Instant.class));
    }

    private static void setInstant(PreparedStatement s, int index, Optional<Instant> value) throws SQLException {
        if (value.isPresent()) {
            s.setObject(index, value.get());
        } else {
            s.setNull(index, Types.TIMESTAMP_WITH_TIMEZONE);
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.debug("Closing after a failed open failed", e);
            }
        }
    }
}
