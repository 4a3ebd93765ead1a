package org.pluginscheduler.store.h2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.pluginscheduler.store.h2.TestStores.task;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pluginscheduler.api.DeadLetter;
import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.RunTrigger;
import org.pluginscheduler.api.store.PendingRun;
import org.pluginscheduler.api.store.StoredTask;
import org.pluginscheduler.api.store.TaskStoreException;

class SchemaTest {

    @TempDir
    Path dir;

    private JdbcDataSource dataSource() {
        return TestStores.dataSource(TestStores.url(dir), TestStores.PASSWORD);
    }

    @Test
    void aNewDatabaseGetsTheCurrentSchemaAndItsVersion() throws SQLException {
        try (H2TaskStore store = TestStores.open(dir)) {
            assertEquals(0, store.schemaVersionFound());
        }
        assertEquals(List.of("1 tasks, runs and dead letters", "2 pending runs"), versions(dataSource()));
        try (H2TaskStore store = TestStores.open(dir)) {
            assertEquals(2, store.schemaVersionFound(), "nothing to migrate the second time");
        }
        assertEquals(2, versions(dataSource()).size());
    }

    /**
     * H2 2.4 lists a stored WRITE_DELAY setting, if any, before the effective one in INFORMATION_SCHEMA.SETTINGS,
     * and applies the URL's value (default 500) whenever it opens a database, whatever was stored. This pins both
     * facts, so an H2 upgrade that changes them shows up here.
     */
    @Test
    void theStoreMakesEveryCommitSynchronous() throws SQLException {
        String effective = "SELECT SETTING_VALUE FROM INFORMATION_SCHEMA.SETTINGS WHERE SETTING_NAME = 'WRITE_DELAY'";
        try (Connection c = dataSource().getConnection()) {
            assertEquals("500", last(query(c, effective)), "H2's default");
            try (H2TaskStore store = TestStores.open(dir)) {
                assertEquals("0", last(query(c, effective)), "with a write delay H2 acknowledges commits early");
            }
            assertEquals("0", last(query(c, effective)), "the database stayed open: our connection");
        }
        try (Connection c = dataSource().getConnection()) {
            assertEquals("500", last(query(c, effective)), "reopened: the URL's default again, not the stored 0");
        }
    }

    @Test
    void aVersion0DatabaseWithForeignTablesIsMigrated() throws SQLException {
        execute(dataSource(), "CREATE TABLE someone_elses (x INT)", "INSERT INTO someone_elses VALUES (7)");
        try (H2TaskStore store = TestStores.open(dir)) {
            assertEquals(0, store.schemaVersionFound());
            store.saveTask(StoredTask.fresh(task("a"), "b", "d", "s"));
        }
        assertEquals(2, versions(dataSource()).size());
        assertEquals(List.of("7"), query(dataSource(), "SELECT x FROM someone_elses"), "left alone");
    }

    /** A database written by version 1 of this bundle, spelled out by hand, so a changed step 1 shows up here. */
    @Test
    void aHandMadeVersion1DatabaseOpensWithItsData() throws SQLException {
        String ts = "TIMESTAMP(9) WITH TIME ZONE";
        execute(dataSource(),
                "CREATE TABLE schema_version (version INT NOT NULL PRIMARY KEY, description VARCHAR NOT NULL, "
                        + "applied_at TIMESTAMP(3) WITH TIME ZONE NOT NULL)",
                "INSERT INTO schema_version VALUES (1, 'tasks, runs and dead letters', TIMESTAMP WITH TIME ZONE "
                        + "'2026-01-01 00:00:00Z')",
                "CREATE TABLE tasks (task_id VARCHAR NOT NULL PRIMARY KEY, owner_bundle VARCHAR NOT NULL, "
                        + "definition_digest VARCHAR NOT NULL, schedule_text VARCHAR NOT NULL, schedule_override "
                        + "VARCHAR, enabled BOOLEAN, paused BOOLEAN NOT NULL, dormant BOOLEAN NOT NULL, next_fire "
                        + ts + ", last_fire " + ts + ", last_status VARCHAR(20))",
                "CREATE TABLE runs (run_id VARCHAR NOT NULL PRIMARY KEY, task_id VARCHAR NOT NULL, tenant VARCHAR, "
                        + "run_trigger VARCHAR(20) NOT NULL, attempt INT NOT NULL, status VARCHAR(20) NOT NULL, "
                        + "scheduled_time " + ts + " NOT NULL, start_time " + ts + ", end_time " + ts + ", "
                        + "message VARCHAR NOT NULL, data CHARACTER LARGE OBJECT NOT NULL, arguments CHARACTER LARGE "
                        + "OBJECT NOT NULL)",
                "CREATE INDEX runs_by_task ON runs (task_id, scheduled_time, run_id)",
                "CREATE TABLE dead_letters (run_id VARCHAR NOT NULL PRIMARY KEY, task_id VARCHAR NOT NULL, "
                        + "arguments CHARACTER LARGE OBJECT NOT NULL, last_error VARCHAR NOT NULL, attempts INT NOT "
                        + "NULL, first_attempt " + ts + " NOT NULL, last_attempt " + ts + " NOT NULL)",
                "CREATE INDEX dead_letters_by_task ON dead_letters (task_id)",
                "INSERT INTO tasks VALUES ('p:a@t1', 'p 1.0', 'dg', 'cron:* * * * *', NULL, NULL, FALSE, TRUE, "
                        + "TIMESTAMP WITH TIME ZONE '2026-01-02 03:04:05.5Z', NULL, 'SUCCEEDED')",
                "INSERT INTO runs VALUES ('r1', 'p:a@t1', 't1', 'RETRY', 2, 'FAILED', "
                        + "TIMESTAMP WITH TIME ZONE '2026-01-02 03:00:00Z', TIMESTAMP WITH TIME ZONE "
                        + "'2026-01-02 03:00:01Z', TIMESTAMP WITH TIME ZONE '2026-01-02 03:00:02Z', 'boom', "
                        + "'k=v' || CHAR(10) || 'x=1', '')",
                "INSERT INTO dead_letters VALUES ('r1', 'p:a@t1', 'arg=1', 'boom', 3, "
                        + "TIMESTAMP WITH TIME ZONE '2026-01-02 02:00:00Z', TIMESTAMP WITH TIME ZONE "
                        + "'2026-01-02 03:00:02Z')");

        try (H2TaskStore store = TestStores.open(dir)) {
            assertEquals(1, store.schemaVersionFound());
            var id = org.pluginscheduler.api.TaskId.parse("p:a@t1");
            assertEquals(Optional.of(new StoredTask(id, "p 1.0", "dg", "cron:* * * * *", Optional.empty(),
                    Optional.empty(), false, true, Optional.of(Instant.parse("2026-01-02T03:04:05.5Z")),
                    Optional.empty(), Optional.of(RunStatus.SUCCEEDED))), store.loadTask(id));
            assertEquals(Optional.of(new RunRecord("r1", id, RunTrigger.RETRY, 2, RunStatus.FAILED,
                    Instant.parse("2026-01-02T03:00:00Z"), Optional.of(Instant.parse("2026-01-02T03:00:01Z")),
                    Optional.of(Instant.parse("2026-01-02T03:00:02Z")), "boom", Map.of("k", "v", "x", "1"),
                    Map.of())), store.run("r1"));
            assertEquals(List.of(new DeadLetter("r1", id, Map.of("arg", "1"), "boom", 3,
                    Instant.parse("2026-01-02T02:00:00Z"), Instant.parse("2026-01-02T03:00:02Z"))),
                    store.deadLetters());
            assertEquals(List.of(), store.pendingRuns(), "version 2 added the pending runs");
            PendingRun p = PendingRun.of("r2", id, RunTrigger.RETRY, "retry:r1:3", Instant.parse(
                    "2026-01-02T03:01:00Z"), Instant.parse("2026-01-02T03:01:00Z"), 3, Instant.parse(
                    "2026-01-02T02:00:00Z"), Map.of("arg", "1"), Set.of("db"));
            store.savePending(List.of(p));
            assertEquals(List.of(p), store.pendingRuns());
        }
        assertEquals(List.of("1 tasks, runs and dead letters", "2 pending runs"), versions(dataSource()));
        assertEquals(List.of("PENDING_RUNS_OCCURRENCE"), query(dataSource(), "SELECT CONSTRAINT_NAME FROM "
                + "INFORMATION_SCHEMA.TABLE_CONSTRAINTS WHERE TABLE_NAME = 'PENDING_RUNS' AND CONSTRAINT_TYPE = "
                + "'UNIQUE'"));
    }

    /**
     * H2 commits each DDL statement on its own, so a crash can cut a step short: the next start runs the whole step
     * again, and every statement of it must cope with what is already there.
     */
    @Test
    void aStepCutShortByACrashRunsAgainOnTheNextStart() throws SQLException {
        try (H2TaskStore store = TestStores.open(dir)) {
            store.recordRun(TestStores.run("r1", task("a"), RunStatus.SUCCEEDED, Instant.parse("2026-01-01T00:00:00Z")));
        }
        // step 2 ran, but the crash came before it was recorded: the next start runs it again over what is there
        execute(dataSource(), "DELETE FROM schema_version WHERE version = 2");
        try (H2TaskStore store = TestStores.open(dir)) {
            assertEquals(1, store.schemaVersionFound());
            assertTrue(store.run("r1").isPresent());
            assertEquals(List.of(), store.pendingRuns());
        }
        assertEquals(List.of("1 tasks, runs and dead letters", "2 pending runs"), versions(dataSource()));
    }

    @Test
    void theNextVersionIsOneMoreStepAndKeepsTheData() throws SQLException {
        try (H2TaskStore store = TestStores.open(dir)) {
            store.recordRun(TestStores.run("r1", task("a"), RunStatus.SUCCEEDED, Instant.parse("2026-01-01T00:00:00Z")));
        }
        List<Schema.Migration> withV3 = new ArrayList<>(Schema.MIGRATIONS);
        withV3.add(new Schema.Migration(3, "runs remember their worker", List.of(
                "ALTER TABLE runs ADD COLUMN IF NOT EXISTS worker VARCHAR",
                "CREATE INDEX IF NOT EXISTS runs_by_status ON runs (status)")));
        String url = TestStores.url(dir);
        try (H2TaskStore store = H2TaskStore.open(dataSource(), TestStores.settings(url), new Schema(withV3))) {
            assertEquals(2, store.schemaVersionFound());
            assertTrue(store.run("r1").isPresent());
        }
        assertEquals(List.of("1 tasks, runs and dead letters", "2 pending runs", "3 runs remember their worker"),
                versions(dataSource()));
        assertEquals(List.of("null"), query(dataSource(), "SELECT worker FROM runs"));
    }

    @Test
    void aNewerSchemaIsRefusedWithTheRemedy() throws SQLException {
        try (H2TaskStore store = TestStores.open(dir)) {
            assertEquals(0, store.schemaVersionFound());
        }
        execute(dataSource(), "INSERT INTO schema_version VALUES (7, 'from the future', CURRENT_TIMESTAMP)");
        TaskStoreException e = assertThrows(TaskStoreException.class, () -> TestStores.open(dir));
        assertTrue(e.getMessage().contains("scheduler.mv.db has schema version 7, newer than this "
                + "scheduler.store.h2 supports (2)"), e.getMessage());
        assertTrue(e.getMessage().contains("etc/org.pluginscheduler.store.h2.cfg"), e.getMessage());
        assertFalse(e.getMessage().contains(TestStores.PASSWORD));
    }

    @Test
    void stepsMustBeNumberedFromOneWithoutGaps() {
        assertThrows(IllegalArgumentException.class, () -> new Schema(List.of(
                new Schema.Migration(2, "skips 1", List.of()))));
        assertEquals(Schema.MIGRATIONS.size(), Schema.current().latestVersion());
    }

    private static String last(List<String> rows) {
        return rows.get(rows.size() - 1);
    }

    private static List<String> versions(JdbcDataSource ds) throws SQLException {
        return query(ds, "SELECT version || ' ' || description FROM schema_version ORDER BY version");
    }

    private static List<String> query(JdbcDataSource ds, String sql) throws SQLException {
        try (Connection c = ds.getConnection()) {
            return query(c, sql);
        }
    }

    private static List<String> query(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
            List<String> rows = new ArrayList<>();
            while (r.next()) {
                rows.add(String.valueOf(r.getString(1)));
            }
            return rows;
        }
    }

    private static void execute(JdbcDataSource ds, String... statements) throws SQLException {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
            }
        }
    }
}
