package org.pluginscheduler.impl;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.store.TaskStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes run records in batches: one thread drains every record queued while the previous batch was being
 * committed and hands them to {@link TaskStore#recordRuns} as one batch, so a persistent store commits once for
 * many runs however few workers there are. Records are written in the order they were queued (a RUNNING record
 * always before its final one).
 *
 * <p>{@link #record} waits until its batch is stored: a finished run is acknowledged only once it is durable.
 * {@link #recordLater} does not wait (RUNNING and SKIPPED records acknowledge nothing). Without a thread (unit
 * tests) every record is written at once on the caller's thread.
 */
final class RunRecorder {

    private static final Logger LOG = LoggerFactory.getLogger(RunRecorder.class);
    private static final int MAX_BATCH = 4096;

    private record Item(RunRecord run, CompletableFuture<Void> stored) {
    }

    private final Supplier<TaskStore> store;
    /** Held while a batch is written: {@link #exclusive} never interleaves with a write. */
    private final Object writing = new Object();
    private final LinkedBlockingQueue<Item> queue = new LinkedBlockingQueue<>();
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
        if (!enqueue(new Item(run, null))) {
            write(List.of(run));
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
        if (!enqueue(new Item(run, stored))) {
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
            List<Item> batch = new ArrayList<>();
            batch.add(first);
            queue.drainTo(batch, MAX_BATCH - 1);
            List<RunRecord> runs = new ArrayList<>(batch.size());
            batch.forEach(i -> runs.add(i.run()));
            boolean ok = write(runs);
            for (Item item : batch) {
                if (item.stored() != null) {
                    if (ok) {
                        item.stored().complete(null);
                    } else {
                        item.stored().completeExceptionally(new IllegalStateException("not stored"));
                    }
                }
            }
        }
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

    /** Writes what is queued, then stops the thread. */
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
