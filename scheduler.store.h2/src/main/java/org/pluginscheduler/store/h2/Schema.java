package org.pluginscheduler.store.h2;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;

/**
 * The database schema and its forward migrations, applied in order at start-up. The version reached is recorded
 * in {@code schema_version}, one row per applied step: version 1 holds tasks, runs and dead letters, version 2 adds
 * pending runs. A new version is one more {@link Migration} appended to {@link #MIGRATIONS}; a released step is
 * never edited.
 *
 * <p>H2 commits every DDL statement on its own, so a step cannot be atomic: every statement of a step must be
 * safe to run again ({@code IF NOT EXISTS}, {@code ADD COLUMN IF NOT EXISTS}) in case a crash cut a step short.
 */
final class Schema {

    /**
     * One forward step.
     *
     * @param version     the version the database has after this step
     * @param description what the step does, for {@code schema_version} and the log
     * @param statements  idempotent SQL statements
     */
    record Migration(int version, String description, List<String> statements) {
        Migration {
            statements = List.copyOf(statements);
        }
    }

    private static final String TIMESTAMP = "TIMESTAMP(9) WITH TIME ZONE";

    /** Every migration, oldest first. */
    static final List<Migration> MIGRATIONS = List.of(
            new Migration(1, "tasks, runs and dead letters", List.of(
                    """
                    CREATE TABLE IF NOT EXISTS tasks (
                        task_id VARCHAR NOT NULL PRIMARY KEY,
                        owner_bundle VARCHAR NOT NULL,
                        definition_digest VARCHAR NOT NULL,
                        schedule_text VARCHAR NOT NULL,
                        schedule_override VARCHAR,
                        enabled BOOLEAN,
                        paused BOOLEAN NOT NULL,
                        dormant BOOLEAN NOT NULL,
                        next_fire %1$s,
                        last_fire %1$s,
                        last_status VARCHAR(20)
                    )""".formatted(TIMESTAMP),
                    """
                    CREATE TABLE IF NOT EXISTS runs (
                        run_id VARCHAR NOT NULL PRIMARY KEY,
                        task_id VARCHAR NOT NULL,
                        tenant VARCHAR,
                        run_trigger VARCHAR(20) NOT NULL,
                        attempt INT NOT NULL,
                        status VARCHAR(20) NOT NULL,
                        scheduled_time %1$s NOT NULL,
                        start_time %1$s,
                        end_time %1$s,
                        message VARCHAR NOT NULL,
                        data CHARACTER LARGE OBJECT NOT NULL,
                        arguments CHARACTER LARGE OBJECT NOT NULL
                    )""".formatted(TIMESTAMP),
                    "CREATE INDEX IF NOT EXISTS runs_by_task ON runs (task_id, scheduled_time, run_id)",
                    """
                    CREATE TABLE IF NOT EXISTS dead_letters (
                        run_id VARCHAR NOT NULL PRIMARY KEY,
                        task_id VARCHAR NOT NULL,
                        arguments CHARACTER LARGE OBJECT NOT NULL,
                        last_error VARCHAR NOT NULL,
                        attempts INT NOT NULL,
                        first_attempt %1$s NOT NULL,
                        last_attempt %1$s NOT NULL
                    )""".formatted(TIMESTAMP),
                    "CREATE INDEX IF NOT EXISTS dead_letters_by_task ON dead_letters (task_id)")),
            // one statement creates the table with its unique (task, occurrence) constraint, so a crash cannot leave
            // the table without it. No index on the due time: every pending run is inserted once and deleted once
            // (with its final record) and each index is one more tree to update each time, on the hot path of a
            // durable drain; pendingRuns() is read once per start and sorts in memory
            new Migration(2, "pending runs", List.of(
                    """
                    CREATE TABLE IF NOT EXISTS pending_runs (
                        run_id VARCHAR NOT NULL PRIMARY KEY,
                        task_id VARCHAR NOT NULL,
                        run_trigger VARCHAR(20) NOT NULL,
                        occurrence VARCHAR NOT NULL,
                        scheduled_time %1$s NOT NULL,
                        due %1$s NOT NULL,
                        attempt INT NOT NULL,
                        chain_start %1$s NOT NULL,
                        arguments CHARACTER LARGE OBJECT NOT NULL,
                        lock_keys CHARACTER LARGE OBJECT NOT NULL,
                        owner VARCHAR,
                        lease_until %1$s,
                        CONSTRAINT pending_runs_occurrence UNIQUE (task_id, occurrence)
                    )""".formatted(TIMESTAMP))));

    private final List<Migration> migrations;

    /** @param migrations the steps, versions 1, 2, … in order */
    Schema(List<Migration> migrations) {
        for (int i = 0; i < migrations.size(); i++) {
            if (migrations.get(i).version() != i + 1) {
                throw new IllegalArgumentException("migration " + i + " has version " + migrations.get(i).version()
                        + ", expected " + (i + 1));
            }
        }
        this.migrations = List.copyOf(migrations);
    }

    /** @return the schema of this bundle */
    static Schema current() {
        return new Schema(MIGRATIONS);
    }

    /** @return the version this schema migrates to */
    int latestVersion() {
        return migrations.size();
    }

    /**
     * Brings the database to {@link #latestVersion()}.
     *
     * @return the version the database had before (0: no schema yet)
     * @throws NewerSchemaException if the database has a newer schema than this bundle knows
     */
    int migrate(Connection connection) throws SQLException {
        boolean autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(true);
        try (Statement s = connection.createStatement()) {
            s.execute("""
                    CREATE TABLE IF NOT EXISTS schema_version (
                        version INT NOT NULL PRIMARY KEY,
                        description VARCHAR NOT NULL,
                        applied_at TIMESTAMP(3) WITH TIME ZONE NOT NULL
                    )""");
            int found = version(connection);
            if (found > latestVersion()) {
                throw new NewerSchemaException(found, latestVersion());
            }
            for (Migration m : migrations.subList(found, migrations.size())) {
                for (String sql : m.statements()) {
                    s.execute(sql);
                }
                try (PreparedStatement p = connection.prepareStatement(
                        "INSERT INTO schema_version (version, description, applied_at) VALUES (?, ?, ?)")) {
                    p.setInt(1, m.version());
                    p.setString(2, m.description());
                    p.setObject(3, OffsetDateTime.now(ZoneOffset.UTC));
                    p.executeUpdate();
                }
            }
            return found;
        } finally {
            connection.setAutoCommit(autoCommit);
        }
    }

    /** @return the database's schema version; 0 before the first migration */
    static int version(Connection connection) throws SQLException {
        try (Statement s = connection.createStatement();
             ResultSet r = s.executeQuery("SELECT COALESCE(MAX(version), 0) FROM schema_version")) {
            r.next();
            return r.getInt(1);
        }
    }

    /** The database was migrated by a newer version of this bundle. */
    static final class NewerSchemaException extends SQLException {
        private static final long serialVersionUID = 1L;
        final int found;
        final int supported;

        NewerSchemaException(int found, int supported) {
            super("schema version " + found + " is newer than this bundle supports (" + supported + ")");
            this.found = found;
            this.supported = supported;
        }
    }
}
