package org.pluginscheduler.store.h2;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;

/**
 * The writer's connection (auto-commit off) and its statements, each prepared once: the writer runs the same few
 * statements thousands of times a second. Writer thread only.
 */
final class WriterStatements implements AutoCloseable {

    private final Connection connection;
    private final Map<String, PreparedStatement> prepared = new HashMap<>();

    WriterStatements(Connection connection) throws SQLException {
        this.connection = connection;
        connection.setAutoCommit(false);
    }

    Connection connection() {
        return connection;
    }

    /** @return the statement for {@code sql}, prepared on first use */
    PreparedStatement statement(String sql) throws SQLException {
        PreparedStatement s = prepared.get(sql);
        if (s == null) {
            s = connection.prepareStatement(sql);
            prepared.put(sql, s);
        }
        return s;
    }

    /** Drops every statement's pending JDBC batch, after a failed write, so the next write starts clean. */
    void clearBatches() {
        for (PreparedStatement s : prepared.values()) {
            try {
                s.clearBatch();
            } catch (SQLException e) {
                // a broken statement: the connection is checked and replaced next
            }
        }
    }

    @Override
    public void close() throws SQLException {
        try {
            for (PreparedStatement s : prepared.values()) {
                s.close();
            }
        } finally {
            prepared.clear();
            connection.close();
        }
    }
}
