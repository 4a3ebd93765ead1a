package org.pluginscheduler.impl.core;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.store.TaskStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes run records in batches: one thread drains every record queued while the previous batch was being
 * committed and hands them to {@link TaskStore#recordRuns} as one batch, so a persistent store commits once for
 * many runs however few workers there are. Records are written in the order they were queued (a RUNNING record
 * always before its final one); a RUNNING record whose final record is in the same batch is not written at all
 * (the final one replaces it in the same commit).
 *
 * <p>Three ways in: {@link #recordLater} queues and returns (RUNNING and SKIPPED records acknowledge nothing);
 * {@link #record} waits until its batch is stored; {@link #recordThen} queues and returns at once, and the
 * recorder thread runs the given completion once the batch holding the record is stored. A finished run is
 * acknowledged in that completion, so it is acknowledged only once durable, while the worker that ran it is
 * already running the next one: throughput is bounded by how many records the store commits per second, not by
 * workers ÷ commit latency. At most {@value #MAX_PENDING} records wait for their completion; beyond that
 * {@link #recordThen} waits (back-pressure from a slow store to the workers).
 *
 * <p>Without a thread (unit tests) every record is written at once on the caller's thread, and a completion runs
 * there right after.
 */
final class RunRecorder {

    private static final Logger LOG = LoggerFactory.getLogger(RunRecorder.class);
    static final int MAX_BATCH = 4096;
    static final int MAX_PENDING = 2 * MAX_BATCH;

    /** What to do once a record's batch was written. */
    @FunctionalInterface
    interface Completion {
        /** @param stored false if the store failed (logged with the batch) */
        void stored(boolean stored);
    }

    /** @param permit whether {@code then} holds one of the {@link #pending} permits */
    private record Item(RunRecord run, CompletableFuture<Void> stored, Completion then, boolean permit) {
    }

    private final Supplier<TaskStore> store;
    /** Held while a batch is written: {@link #exclusive} never interleaves with a write. */
    private final Object writing = new Object();
    private final LinkedBlockingQueue<Item> queue = new LinkedBlockingQueue<>();
    private final Semaphore pending = new Semaphore(MAX_PENDING);
    private final Thread thread;
    private volatile boolean open = true;

    RunRecorder(Supplier<TaskStore> store, boolean background) {
        this.store = store;
        if (background) {
            thread = new Thread(this::loop, "task-run-recorder");
            thread.setDaemon(true);
            thread.start();
        } else {
            thread = null;
        }
    }

    /** Queues a record without waiting for it to be stored. */
    void recordLater(RunRecord run) {
        if (!enqueue(new Item(run, null, null, false))) {
            write(List.of(run));
        }
    }

    /**
     * Queues a record; {@code then} runs on the recorder thread once it is stored (or the store failed). Runs
     * {@code then} on this thread, after writing, once the recorder is closed or has no thread. {@code then} must
     * not wait for another record.
     */
    void recordThen(RunRecord run, Completion then) {
        boolean permit = false;
        if (thread != null && open && Thread.currentThread() != thread) { // once closed, the caller writes itself
            try {
                pending.acquire();
                permit = true;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // queued all the same: nothing is lost
            }
        }
        if (!enqueue(new Item(run, null, then, permit))) {
            if (permit) {
                pending.release();
            }
            then.stored(write(List.of(run)));
        }
    }

    /** @return false once closed (or without a thread): the caller writes itself */
    private synchronized boolean enqueue(Item item) {
        if (thread == null || !open) {
            return false;
        }
        queue.add(item);
        return true;
    }

    /**
     * Records and waits until the record is stored.
     *
     * @return false if the store failed (logged with the run)
     */
    boolean record(RunRecord run) {
        CompletableFuture<Void> stored = new CompletableFuture<>();
        if (!enqueue(new Item(run, stored, null, false))) {
            return write(List.of(run));
        }
        try {
            stored.get(60, TimeUnit.SECONDS);
            return true;
        } catch (ExecutionException e) {
            return false; // logged by the writer
        } catch (TimeoutException e) {
            LOG.error("Run {} of {} ({}) was not confirmed stored within 60 s; it may or may not be in the task "
                    + "store", run.runId(), run.taskId(), run.status());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void loop() {
        List<Item> batch = new ArrayList<>();
        while (open || !queue.isEmpty()) {
            Item first;
            try {
                first = queue.poll(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                continue; // close() decides when to stop
            }
            if (first == null) {
                continue;
            }
            batch.clear();
            batch.add(first);
            queue.drainTo(batch, MAX_BATCH - 1);
            boolean ok;
            try {
                ok = write(runsOf(batch));
            } catch (Throwable e) { // out of memory and the like: the batch is not stored, but every run is still
                // acknowledged below; a dead recorder thread would leave every later run unacknowledged
                LOG.error("Could not record {} runs: {}", batch.size(), e.toString(), e);
                ok = false;
            }
            for (Item item : batch) {
                if (item.stored() != null) {
                    if (ok) {
                        item.stored().complete(null);
                    } else {
                        item.stored().completeExceptionally(new IllegalStateException("not stored"));
                    }
                } else if (item.then() != null) {
                    complete(item, ok);
                }
            }
        }
    }

    private void complete(Item item, boolean ok) {
        try {
            item.then().stored(ok);
        } catch (Throwable e) { // the recorder thread must survive whatever a completion throws
            LOG.error("Completing a recorded run failed: {}", e.toString(), e);
        } finally {
            if (item.permit()) {
                pending.release();
            }
        }
    }

    /** The batch's records in order, without the RUNNING records whose final record is in the batch too. */
    static List<RunRecord> runsOf(List<Item> batch) {
        Set<String> ended = null;
        for (Item item : batch) {
            if (item.run().status() != RunStatus.RUNNING) {
                if (ended == null) {
                    ended = new HashSet<>();
                }
                ended.add(item.run().runId());
            }
        }
        List<RunRecord> runs = new ArrayList<>(batch.size());
        for (Item item : batch) {
            RunRecord run = item.run();
            if (ended == null || run.status() != RunStatus.RUNNING || !ended.contains(run.runId())) {
                runs.add(run);
            }
        }
        return runs;
    }

    /**
     * Runs {@code action} while no batch is being written: a batch either was written before (to the store that
     * was current then) or is written after, to the store current then. For switching stores. The action must not
     * wait for a record to be stored.
     */
    void exclusive(Runnable action) {
        synchronized (writing) {
            action.run();
        }
    }

    private boolean write(List<RunRecord> runs) {
        if (runs.isEmpty()) {
            return true;
        }
        try {
            synchronized (writing) {
                store.get().recordRuns(runs);
            }
            return true;
        } catch (RuntimeException | LinkageError | AssertionError e) { // the recorder thread must survive a bad store
            RunRecord first = runs.get(0);
            LOG.error("Could not record {} in the task store: {}", runs.size() == 1 ? "run " + first.runId() + " of "
                    + first.taskId() + " (" + first.status() + ")" : runs.size() + " runs", e.getMessage(), e);
            return false;
        }
    }

    /** Writes what is queued and runs its completions, then stops the thread. */
    void close() {
        synchronized (this) {
            open = false; // nothing is queued after this; the thread drains what was
        }
        if (thread != null) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
