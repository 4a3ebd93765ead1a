package org.pluginscheduler.store.h2;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import org.pluginscheduler.api.store.TaskStoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store's only writer: one thread, one connection, group commit.
 *
 * <p>A caller {@linkplain #submit submits} a write and blocks. The writer thread takes the first queued write,
 * drains whatever else is queued (up to the batch limit, optionally waiting a little for more), applies the batch
 * in queue order in ONE transaction, makes that transaction durable with one {@link Durability#commit}, and only
 * then releases every caller of the batch. Many concurrent writers thus share one commit; a lone writer pays one
 * commit and no added wait.
 *
 * <p>Ordering: a caller's write is queued before it returns, and one queue feeds one thread, so writes are applied
 * in the order they were submitted; two writes from one thread are never reordered.
 *
 * <p>Failure: if the batch fails (a bad row, or the commit itself), it is rolled back and each write is retried in
 * a transaction of its own, so one bad write cannot fail the others; every write that still fails fails its caller
 * with a {@link TaskStoreException}. A write is the unit: whatever one write applies (a whole
 * {@link org.pluginscheduler.api.store.RunBatch}) is committed or rolled back together, never split. No caller is told of success before its write was committed durably. (If a
 * commit fails, the write may or may not be on disk; it is reported failed, never the reverse.)
 */
final class GroupCommitWriter implements AutoCloseable {

    /** One write: statements on the writer's connection, inside the batch's transaction. */
    interface Write<R> {
        R apply(WriterStatements statements) throws SQLException;

        /** @return what the write does, for error messages, e.g. {@code record run 42 of a:b} */
        String description();
    }

    /** The writer's connection and its prepared statements; replaced after the connection breaks. */
    interface ConnectionFactory {
        WriterStatements open() throws SQLException;
    }

    /** Makes the current transaction durable. */
    interface Durability {
        void commit(Connection connection) throws SQLException;
    }

    /** How long a caller waits for its commit before it is told the write's fate is unknown. */
    static final Duration WRITE_TIMEOUT = Duration.ofSeconds(30);

    private static final Logger LOG = LoggerFactory.getLogger(GroupCommitWriter.class);
    private static final Pending<Void> STOP = new Pending<>(null);

    private final BlockingQueue<Pending<?>> queue = new LinkedBlockingQueue<>();
    private final ReadWriteLock closing = new ReentrantReadWriteLock();
    private final ConnectionFactory connections;
    private final Durability durability;
    private final Failures failures;
    private final Thread thread;
    private final AtomicLong commits = new AtomicLong();
    private final AtomicLong writes = new AtomicLong();
    private final AtomicLong largestBatch = new AtomicLong();
    private volatile int maxBatch;
    private volatile long maxWaitNanos;
    private volatile java.util.function.Consumer<Connection> maintenance;
    private volatile long maintenanceEveryNanos;
    private int maintenanceFailures; // consecutive; on the writer thread only
    private boolean closed; // guarded by closing's write lock
    private WriterStatements statements; // writer thread only

    /**
     * @param first the writer's first connection, already open (so a database that cannot open fails the
     *              caller of the constructor, not the first write)
     */
    GroupCommitWriter(WriterStatements first, ConnectionFactory connections, Durability durability,
                      Failures failures, int maxBatch, int maxWaitMillis) {
        this.statements = first;
        this.connections = connections;
        this.durability = durability;
        this.failures = failures;
        settings(maxBatch, maxWaitMillis);
        this.thread = new Thread(this::run, "h2-task-store-writer");
        thread.setDaemon(true);
        thread.start();
    }

    /** Changes the batch limits; applies from the next batch. */
    void settings(int maxBatch, int maxWaitMillis) {
        this.maxBatch = maxBatch;
        this.maxWaitNanos = TimeUnit.MILLISECONDS.toNanos(maxWaitMillis);
    }

    /**
     * Queues a write and waits until it is committed durably. An interrupt does not abandon the write: the wait
     * goes on and the interrupt status is restored on return.
     *
     * @return the write's result
     * @throws StoreClosedException if the writer is closed; the write was not queued and may be retried elsewhere
     * @throws TaskStoreException   if the write failed or its fate is unknown
     */
    <R> R submit(Write<R> write) {
        Pending<R> pending = new Pending<>(write);
        closing.readLock().lock();
        try {
            if (closed) {
                throw new StoreClosedException(failures.location().resource() + ": could not "
                        + write.description() + ": the store is closed");
            }
            queue.add(pending);
        } finally {
            closing.readLock().unlock();
        }
        return await(pending);
    }

    private <R> R await(Pending<R> pending) {
        boolean interrupted = false;
        long deadline = System.nanoTime() + WRITE_TIMEOUT.toNanos();
        try {
            while (true) {
                try {
                    return pending.future.get(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    // a fresh exception, so the caller's stack shows where the write came from
                    throw new TaskStoreException(e.getCause().getMessage(), e.getCause());
                } catch (TimeoutException e) {
                    throw new TaskStoreException(failures.location().resource() + ": could not "
                            + pending.write.description() + ": the write was not confirmed within "
                            + WRITE_TIMEOUT.toSeconds() + " s, so it may or may not be stored: is the disk stalled?");
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Runs {@code task} on the writer's thread about every {@code every}, between batches (and when idle), with the
     * writer's connection (no transaction of it open): so it never competes with a commit for H2's store lock, and
     * a commit waits for it at most one turn. A task that throws is logged (the first failure in a row, then one in
     * 240, about once a minute at 250 ms); it runs again at its next turn.
     */
    void maintenance(java.util.function.Consumer<Connection> task, Duration every) {
        maintenanceEveryNanos = every.toNanos();
        maintenance = task;
    }

    /** @return how many writes wait in the queue, not yet taken into a batch */
    int queued() {
        return queue.size();
    }

    /** @return how many durable commits the writer has made */
    long commits() {
        return commits.get();
    }

    /** @return how many writes have been committed */
    long writes() {
        return writes.get();
    }

    /** @return the most writes one commit has carried */
    long largestBatch() {
        return largestBatch.get();
    }

    /** Rejects new writes, commits every queued one, stops the thread and closes the connection. */
    @Override
    public void close() {
        closing.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            queue.add(STOP);
        } finally {
            closing.writeLock().unlock();
        }
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true; // the queued writes' callers are waiting for them: finish first
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        List<Pending<?>> batch = new ArrayList<>();
        boolean stop = false;
        long nextMaintenance = System.nanoTime();
        while (!stop) {
            if (maintenance != null && System.nanoTime() - nextMaintenance >= 0) {
                maintain();
                nextMaintenance = System.nanoTime() + maintenanceEveryNanos;
            }
            try {
                // never blocked for long: housekeeping set after the thread started must get its turns while idle
                long wait = maintenance == null ? TimeUnit.SECONDS.toNanos(1)
                        : Math.max(0, nextMaintenance - System.nanoTime());
                Pending<?> first = queue.poll(wait, TimeUnit.NANOSECONDS);
                if (first == null) {
                    continue; // time for maintenance, or for looking again
                }
                batch.add(first);
            } catch (InterruptedException e) {
                LOG.warn("The H2 task store's writer was interrupted; it goes on until the store closes");
                continue; // nothing was taken
            }
            collect(batch);
            stop = batch.remove(STOP);
            try {
                if (!batch.isEmpty()) {
                    execute(batch);
                }
            } catch (Throwable t) { // never let the thread die with callers waiting
                batch.forEach(p -> p.future.completeExceptionally(new TaskStoreException(
                        failures.location().resource() + ": could not " + p.write.description() + ": " + t, t)));
                LOG.error("The H2 task store's writer failed a batch of {} writes", batch.size(), t);
            } finally {
                batch.clear();
            }
        }
        closeConnection();
    }

    private void maintain() {
        if (statements == null) {
            return; // no connection (the last one failed): the next write opens one; housekeeping waits for it
        }
        try {
            maintenance.accept(statements.connection());
            maintenanceFailures = 0;
        } catch (RuntimeException | LinkageError e) { // the writer must go on
            if (maintenanceFailures++ % 240 == 0) {
                LOG.warn("H2 task store on {}: housekeeping of the file failed ({} time(s) in a row); it is tried "
                        + "again: {}", failures.location().resource(), maintenanceFailures,
                        failures.scrub(String.valueOf(e.getMessage())), e);
            }
        }
    }

    /**
     * Adds what is queued to {@code batch}, waiting up to the maximum wait for it to fill. An interrupt ends the
     * wait; what was taken is kept, its callers are waiting for it.
     */
    private void collect(List<Pending<?>> batch) {
        int max = maxBatch;
        queue.drainTo(batch, max - batch.size());
        long wait = maxWaitNanos;
        if (wait > 0 && batch.size() < max && !batch.contains(STOP)) {
            long deadline = System.nanoTime() + wait;
            try {
                while (batch.size() < max) {
                    Pending<?> next = queue.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                    if (next == null) {
                        break;
                    }
                    batch.add(next);
                    if (next == STOP) {
                        break;
                    }
                    queue.drainTo(batch, max - batch.size());
                }
            } catch (InterruptedException e) {
                LOG.warn("The H2 task store's writer was interrupted while it waited for a batch to fill");
            }
        }
    }

    private void execute(List<Pending<?>> batch) {
        Object[] results = new Object[batch.size()];
        try {
            WriterStatements s = statements();
            for (int i = 0; i < batch.size(); i++) {
                results[i] = batch.get(i).write.apply(s);
            }
            durability.commit(s.connection());
        } catch (SQLException | RuntimeException e) {
            rollback();
            if (batch.size() == 1) {
                fail(batch.get(0), e);
            } else {
                LOG.debug("A batch of {} writes failed ({}); retrying them one by one", batch.size(), e.toString());
                batch.forEach(this::executeAlone);
            }
            return;
        }
        committed(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            complete(batch.get(i), results[i]);
        }
    }

    private void executeAlone(Pending<?> pending) {
        Object result;
        try {
            WriterStatements s = statements();
            result = pending.write.apply(s);
            durability.commit(s.connection());
        } catch (SQLException | RuntimeException e) {
            rollback();
            fail(pending, e);
            return;
        }
        committed(1);
        complete(pending, result);
    }

    private void committed(int count) {
        commits.incrementAndGet();
        writes.addAndGet(count);
        largestBatch.accumulateAndGet(count, Math::max);
    }

    @SuppressWarnings("unchecked")
    private static <R> void complete(Pending<R> pending, Object result) {
        pending.future.complete((R) result);
    }

    private void fail(Pending<?> pending, Exception e) {
        TaskStoreException failure = e instanceof SQLException sql
                ? failures.failed(pending.write.description(), sql)
                : new TaskStoreException(failures.location().resource() + ": could not "
                        + pending.write.description() + ": " + failures.scrub(e.toString()), e);
        // the caller gets the exception and decides how loud to be; this records that the store saw it
        LOG.warn("H2 task store: {}", failure.getMessage());
        LOG.debug("Cause", failure.getCause());
        pending.future.completeExceptionally(failure);
    }

    /** @return the writer's statements, reconnecting if the last failure broke the connection */
    private WriterStatements statements() throws SQLException {
        if (statements == null) {
            statements = connections.open();
        }
        return statements;
    }

    private void rollback() {
        if (statements == null) {
            return;
        }
        statements.clearBatches();
        try {
            statements.connection().rollback();
            if (statements.connection().isValid(1)) {
                return;
            }
        } catch (SQLException | RuntimeException e) {
            LOG.debug("Rollback failed; reconnecting", e);
        }
        closeConnection();
    }

    private void closeConnection() {
        if (statements != null) {
            try {
                statements.close();
            } catch (SQLException | RuntimeException e) {
                LOG.debug("Closing the writer's connection failed", e);
            }
            statements = null;
        }
    }

    private static final class Pending<R> {
        final Write<R> write;
        final CompletableFuture<R> future = new CompletableFuture<>();

        Pending(Write<R> write) {
            this.write = write;
        }
    }
}
