package org.pluginscheduler.store.h2;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import javax.sql.DataSource;

import org.pluginscheduler.api.DeadLetter;
import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.RunTrigger;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.store.StoredTask;
import org.pluginscheduler.api.store.TaskStore;
import org.pluginscheduler.api.store.TaskStoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link TaskStore} on H2, without OSGi: give it a {@link DataSource}.
 *
 * <p>Writes ({@link #saveTask}, {@link #recordRun}, {@link #addDeadLetter}, {@link #deleteTask},
 * {@link #removeDeadLetter} and the deletions of {@link #pruneRuns}) go through one {@link GroupCommitWriter} and
 * return once committed durably. Reads go straight to the database on pooled connections and see committed data,
 * including every write whose call has returned.
 *
 * <p>Durability: the store sets the database's {@code WRITE_DELAY} to 0 on its writer connection. H2 2.4 then writes
 * every commit of a transaction with changes to the file before {@code commit()} returns, on the committing
 * thread: the writer's one commit per batch is the durable point. (With a write delay, H2 stores from a background
 * thread and two executors; an explicit {@code CHECKPOINT} after the commit is not enough, because it returns at
 * once when a background store has already taken the changes but not yet written them.) With
 * {@code sync.to.disk}, each batch is also forced to the device ({@code CHECKPOINT SYNC}).
 *
 * <p>Semantics follow the in-memory store: runs newest first by scheduled time then run id; pruning never touches
 * RUNNING runs; deleting a task deletes its runs and dead letters.
 */
final class H2TaskStore implements TaskStore, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(H2TaskStore.class);

    /** H2 keeps at most this many characters in a VARCHAR; longer messages are cut. */
    static final int MAX_MESSAGE = 1_000_000;
    /** Pruning deletes in chunks of this many runs, so other writes interleave. */
    static final int PRUNE_CHUNK = 500;
    private static final String TRUNCATED = " … [truncated by the H2 task store]";

    private static final String TASK_COLUMNS = "task_id, owner_bundle, definition_digest, schedule_text, "
            + "schedule_override, enabled, paused, dormant, next_fire, last_fire, last_status";
    private static final String RUN_COLUMNS = "run_id, task_id, tenant, run_trigger, attempt, status, scheduled_time, "
            + "start_time, end_time, message, data, arguments";
    private static final String DEAD_LETTER_COLUMNS = "run_id, task_id, arguments, last_error, attempts, "
            + "first_attempt, last_attempt";

    private static final String MERGE_TASK = "MERGE INTO tasks (" + TASK_COLUMNS + ") KEY (task_id) "
            + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    private static final String MERGE_RUN = "MERGE INTO runs (" + RUN_COLUMNS + ") KEY (run_id) "
            + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    private static final String MERGE_DEAD_LETTER = "MERGE INTO dead_letters (" + DEAD_LETTER_COLUMNS + ") "
            + "KEY (run_id) VALUES (?, ?, ?, ?, ?, ?, ?)";

    private final Failures failures;
    private final ConnectionPool readers;
    private final GroupCommitWriter writer;
    private final int schemaVersionFound;
    private volatile boolean closed;

    private H2TaskStore(Failures failures, ConnectionPool readers, GroupCommitWriter writer, int schemaVersionFound) {
        this.failures = failures;
        this.readers = readers;
        this.writer = writer;
        this.schemaVersionFound = schemaVersionFound;
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
        Failures failures = new Failures(settings.location(), settings.user(), settings.password());
        GroupCommitWriter.Durability durability = settings.syncToDisk() ? c -> {
            c.commit();
            try (Statement s = c.createStatement()) {
                s.execute("CHECKPOINT SYNC");
            }
        } : Connection::commit;
        WriterStatements first = null;
        try {
            first = new WriterStatements(dataSource.getConnection());
            synchronousCommits(first.connection());
            int found = schema.migrate(first.connection());
            durability.commit(first.connection());
            if (found < schema.latestVersion()) {
                LOG.info("H2 task store: {} migrated from schema version {} to {}", failures.location().resource(),
                        found, schema.latestVersion());
            }
            GroupCommitWriter writer = new GroupCommitWriter(first, () -> {
                WriterStatements reconnected = new WriterStatements(dataSource.getConnection());
                synchronousCommits(reconnected.connection()); // the database may have been closed and reopened
                return reconnected;
            }, durability, failures, settings.maxBatch(), settings.maxWaitMillis());
            return new H2TaskStore(failures, new ConnectionPool(dataSource, 4), writer, found);
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
    private static void synchronousCommits(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("SET WRITE_DELAY 0");
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
                for (String table : List.of("tasks", "runs", "dead_letters")) {
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
    }

    // --- runs -------------------------------------------------------------------------------------------------

    @Override
    public void recordRun(RunRecord run) {
        recordRuns(List.of(run));
    }

    /** One write for the whole list: one transaction, one commit. */
    @Override
    public void recordRuns(List<RunRecord> runs) {
        if (runs.isEmpty()) {
            return;
        }
        List<Object[]> rows = new ArrayList<>(runs.size());
        for (RunRecord run : runs) {
            String message = run.message().length() <= MAX_MESSAGE ? run.message()
                    : run.message().substring(0, MAX_MESSAGE - TRUNCATED.length()) + TRUNCATED;
            rows.add(new Object[] {run, message, MapCodec.encode(run.data()), MapCodec.encode(run.arguments())});
        }
        write(new GroupCommitWriter.Write<Void>() {
            @Override
            public Void apply(WriterStatements statements) throws SQLException {
                PreparedStatement s = statements.statement(MERGE_RUN);
                for (Object[] row : rows) {
                    RunRecord run = (RunRecord) row[0];
                    s.setString(1, run.runId());
                    s.setString(2, run.taskId().toString());
                    s.setString(3, run.taskId().tenant().orElse(null));
                    s.setString(4, run.trigger().name());
                    s.setInt(5, run.attempt());
                    s.setString(6, run.status().name());
                    s.setObject(7, run.scheduledTime());
                    setInstant(s, 8, run.startTime());
                    setInstant(s, 9, run.endTime());
                    s.setString(10, (String) row[1]);
                    s.setString(11, (String) row[2]);
                    s.setString(12, (String) row[3]);
                    s.executeUpdate();
                }
                return null;
            }

            @Override
            public String description() {
                RunRecord first = runs.get(0);
                return runs.size() == 1 ? "record run " + first.runId() + " of " + first.taskId() + " ("
                        + first.status() + ")" : "record " + runs.size() + " runs";
            }
        });
    }

    @Override
    public List<RunRecord> runs(TaskId id, int limit) {
        if (limit <= 0) {
            return List.of();
        }
        return read("read the runs of " + id, c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT " + RUN_COLUMNS + " FROM runs WHERE task_id = ? "
                    + "ORDER BY scheduled_time DESC, run_id DESC FETCH FIRST ? ROWS ONLY")) {
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
     * Finds the runs to prune with one query on a read connection, then deletes them through the writer in chunks
     * of {@value #PRUNE_CHUNK}, so writes of other callers interleave and nobody waits for a long deletion. A run
     * that became RUNNING again meanwhile is not deleted.
     */
    @Override
    public int pruneRuns(Instant endedBefore, int keepPerTask) {
        return read("prune runs", c -> {
            try (PreparedStatement s = c.prepareStatement("""
                    SELECT run_id FROM (
                        SELECT run_id, status, scheduled_time, end_time, ROW_NUMBER() OVER (
                            PARTITION BY task_id ORDER BY scheduled_time DESC, run_id DESC) AS position
                        FROM runs) ranked
                    WHERE status <> 'RUNNING' AND (position > ? OR end_time < ?
                        OR (end_time IS NULL AND status = 'SKIPPED' AND scheduled_time < ?))""")) {
                s.setInt(1, Math.max(keepPerTask, 0));
                s.setObject(2, endedBefore);
                s.setObject(3, endedBefore);
                int removed = 0;
                try (ResultSet r = s.executeQuery()) {
                    List<String> chunk = new ArrayList<>(PRUNE_CHUNK);
                    while (r.next()) {
                        chunk.add(r.getString(1));
                        if (chunk.size() == PRUNE_CHUNK) {
                            removed += deleteRuns(List.copyOf(chunk));
                            chunk.clear();
                        }
                    }
                    if (!chunk.isEmpty()) {
                        removed += deleteRuns(List.copyOf(chunk));
                    }
                }
                return removed;
            }
        });
    }

    private int deleteRuns(List<String> runIds) {
        return write(new GroupCommitWriter.Write<Integer>() {
            @Override
            public Integer apply(WriterStatements statements) throws SQLException {
                PreparedStatement s = statements.statement("DELETE FROM runs WHERE run_id = ? AND status <> 'RUNNING'");
                for (String id : runIds) {
                    s.setString(1, id);
                    s.addBatch();
                }
                int removed = 0;
                for (int count : s.executeBatch()) {
                    removed += Math.max(count, 0);
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
        String arguments = MapCodec.encode(deadLetter.arguments());
        write(new GroupCommitWriter.Write<Void>() {
            @Override
            public Void apply(WriterStatements statements) throws SQLException {
                PreparedStatement s = statements.statement(MERGE_DEAD_LETTER);
                s.setString(1, deadLetter.runId());
                s.setString(2, deadLetter.taskId().toString());
                s.setString(3, arguments);
                s.setString(4, deadLetter.lastError());
                s.setInt(5, deadLetter.attempts());
                s.setObject(6, deadLetter.firstAttempt());
                s.setObject(7, deadLetter.lastAttempt());
                s.executeUpdate();
                return null;
            }

            @Override
            public String description() {
                return "add dead letter " + deadLetter.runId() + " of " + deadLetter.taskId();
            }
        });
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

    /** Commits what is queued, then closes every connection; H2 closes the database with the last one. */
    @Override
    public void close() {
        closed = true;
        writer.close();
        readers.close();
    }

    @Override
    public String toString() {
        return "H2TaskStore[" + failures.location().resource() + "]";
    }

    // --- plumbing ---------------------------------------------------------------------------------------------

    private <R> R write(GroupCommitWriter.Write<R> write) {
        return writer.submit(write);
    }

    private <R> R read(String action, ConnectionPool.Work<R> work) {
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
