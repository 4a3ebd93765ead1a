package org.pluginscheduler.impl.core;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.store.StoredTask;
import org.pluginscheduler.api.store.TaskStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The only path of task-state writes and deletes to the store. Parts mark a task's latest state under the core
 * lock; one writer thread writes the marked states in a batch, outside the lock, so a persistent store's commit
 * latency never holds up firing or registration. Owns the states marked but not yet written.
 *
 * <p>Called by the registry, planner, completion and admin (marking, under the lock) and by the store binding
 * (waiting for writes before a switch).
 */
final class TaskStateWriter {

    private static final Logger LOG = LoggerFactory.getLogger(TaskStateWriter.class);

    private final CoreContext ctx;
    private final Executor writer;
    private final StoreBinding stores;
    /** Task states to write, latest snapshot per task. Guarded by the core lock. */
    private final Map<TaskId, StoredTask> dirty = new LinkedHashMap<>();
    /** Tasks to delete (state and history), before the states marked after. Guarded by the core lock. */
    private final Set<TaskId> deletes = new LinkedHashSet<>();
    private boolean flushQueued; // guarded by the core lock

    /** @param writer runs its tasks one at a time, in order */
    TaskStateWriter(CoreContext ctx, Executor writer, StoreBinding stores) {
        this.ctx = ctx;
        this.writer = writer;
        this.stores = stores;
    }

    /** Marks a task's state for writing. Under the lock. */
    void save(StoredTask state) {
        assert ctx.locked();
        dirty.put(state.id(), state);
        flushSoon();
    }

    /**
     * Marks a task's state and history for deletion, dropping what is marked for it; a state marked afterwards (the
     * task registered again) is written after the delete. Under the lock; {@link #awaitWrites()} after it makes it
     * durable.
     */
    void delete(TaskId id) {
        assert ctx.locked();
        dirty.remove(id);
        deletes.add(id);
        flushSoon();
    }

    /** Queues one write of the marked states on the writer, unless one is queued already. Under the lock. */
    void flushSoon() {
        assert ctx.locked();
        if ((!dirty.isEmpty() || !deletes.isEmpty()) && !flushQueued) {
            flushQueued = true;
            try {
                writer.execute(this::flush);
            } catch (RejectedExecutionException stopping) {
                flushQueued = false; // awaitWrites() writes them on the caller's thread
            }
        }
    }

    /** Writes the marked states; on the writer thread. */
    private void flush() {
        List<StoredTask> batch;
        List<TaskId> deleted;
        TaskStore target;
        synchronized (ctx.lock) {
            batch = List.copyOf(dirty.values());
            deleted = List.copyOf(deletes);
            dirty.clear();
            deletes.clear();
            flushQueued = false;
            target = stores.store();
        }
        ObserverHub observers = stores.observers();
        for (TaskId id : deleted) {
            long start = observers.start();
            try {
                target.deleteTask(id);
                observers.storeWrite(start, 1);
            } catch (RuntimeException e) {
                LOG.error("Could not delete task {} from the task store: {}", id, e.getMessage(), e);
                observers.storeWriteFailed(start, 1, e);
            }
        }
        if (batch.isEmpty()) {
            return;
        }
        long start = observers.start();
        try {
            target.saveTasks(batch);
            observers.storeWrite(start, batch.size());
        } catch (RuntimeException e) {
            LOG.error("Could not save the state of {} task(s) in the task store: {}", batch.size(), e.getMessage(), e);
            observers.storeWriteFailed(start, batch.size(), e);
        }
    }

    /**
     * Waits until every state marked so far is written: administrative changes are durable when the call
     * returns. Not under the lock.
     *
     * @throws IllegalStateException if the store did not confirm within 30 s
     */
    void awaitWrites() {
        assert !ctx.locked();
        CompletableFuture<Void> written = new CompletableFuture<>();
        try {
            writer.execute(() -> written.complete(null));
            written.get(30, TimeUnit.SECONDS);
        } catch (RejectedExecutionException stopping) {
            flush();
        } catch (ExecutionException | TimeoutException e) {
            throw new org.pluginscheduler.api.store.TaskStoreException(
                    "the task store did not confirm the change within 30 s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the change was being stored", e);
        }
    }

    /** Writes what is marked now and waits for it. Not under the lock. */
    void flushAndWait() {
        synchronized (ctx.lock) {
            flushSoon();
        }
        awaitWrites();
    }
}
