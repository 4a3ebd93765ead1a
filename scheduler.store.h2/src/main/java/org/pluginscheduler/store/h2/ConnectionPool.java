package org.pluginscheduler.store.h2;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

import javax.sql.DataSource;

/**
 * A few idle read connections kept open, so a read costs a query and not a login. Readers run in auto-commit and
 * see committed data. Not a general pool: no limit on connections in use, no validation beyond dropping a
 * connection whose use failed.
 */
final class ConnectionPool implements AutoCloseable {

    /** Work on a borrowed connection. */
    interface Work<R> {
        R apply(Connection connection) throws SQLException;
    }

    private final DataSource dataSource;
    private final BlockingQueue<Connection> idle;
    private volatile boolean closed;

    ConnectionPool(DataSource dataSource, int maxIdle) {
        this.dataSource = dataSource;
        this.idle = new ArrayBlockingQueue<>(maxIdle);
    }

    /** Runs {@code work} on an idle (or new) connection and returns the connection afterwards. */
    <R> R with(Work<R> work) throws SQLException {
        if (closed) {
            throw new SQLException("the connection pool is closed");
        }
        Connection c = idle.poll();
        if (c == null) {
            c = dataSource.getConnection();
        }
        boolean healthy = false;
        try {
            R result = work.apply(c);
            healthy = true;
            return result;
        } finally {
            if (!healthy || closed || !idle.offer(c)) {
                closeQuietly(c);
            } else if (closed && idle.remove(c)) {
                closeQuietly(c); // close() ran while we offered
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        Connection c;
        while ((c = idle.poll()) != null) {
            closeQuietly(c);
        }
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException | RuntimeException e) {
            // the connection is gone either way
        }
    }
}
