package org.pluginscheduler.impl.core;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;
import java.util.function.Supplier;

import org.pluginscheduler.api.DeadLetter;
import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.RunTrigger;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.store.PendingRun;
import org.pluginscheduler.api.store.RunBatch;
import org.pluginscheduler.api.store.TaskStore;
import org.pluginscheduler.api.store.TaskStoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes run records in batches: one thread drains every record queued while the previous batch was being
 * committed and hands them to {@link TaskStore#write} as one batch (one transaction), with the pending runs and dead
 * letters queued alongside, so a persistent store commits once for many runs however few workers there are.
 * Records are written in the order they were queued (a RUNNING record always before its final one); a RUNNING
 * record whose final record is in the same batch is not written at all (the final one replaces it in the same
 * commit). A RUNNING record queued while a batch is being written goes into the next batch: that bounds how long a
 * started run can go unrecorded.
 *
 * <p>Accepted work that a caller waits for ({@link #accept}) is written on the caller's thread, concurrently with
 * the recorder's batches (a persistent store's group commit joins them). Accepted work nobody waits for
 * ({@link #acceptLater}) is queued like a record.
 *
 * <p>Three ways in for records: {@link #recordLater} queues and returns (RUNNING and SKIPPED records acknowledge nothing);
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

    /**
     * One queued write: a run record, pending runs it accepts (a retry; or alone, with no record: accepted work)
     * and its dead letter, all written in one batch.
     *
     * @param permit whether {@code then} holds one of the {@link #pending} permits
     */
    private record Item(RunRecord run, List<PendingRun> accepted, DeadLetter deadLetter,
                        CompletableFuture<Void> stored, Completion then, boolean permit, List<String> withdrawn,
                        Skips skips) {
        Item(RunRecord run, List<PendingRun> accepted, DeadLetter deadLetter, CompletableFuture<Void> stored,
             Completion then, boolean permit, List<String> withdrawn) {
            this(run, accepted, deadLetter, stored, then, permit, withdrawn, null);
        }

        Item(RunRecord run, CompletableFuture<Void> stored, Completion then, boolean permit) {
            this(run, List.of(), null, stored, then, permit, List.of());
        }

        Item(RunRecord run, List<PendingRun> accepted, DeadLetter deadLetter, CompletableFuture<Void> stored,
             Completion then, boolean permit) {
            this(run, accepted, deadLetter, stored, then, permit, List.of());
        }
    }

    /**
     * The skipped fires of one task queued as one record: the first skipped fire, and how many more there were
     * (and the last one) before the recorder took it. Guarded by {@link #queuedSkips}' lock on its task.
     */
    static final class Skips {
        private final RunRecord first;
        private int more;
        private Instant last;

        Skips(RunRecord first) {
            this.first = first;
            this.last = first.scheduledTime();
        }

        void add(RunRecord skipped) {
            more++;
            if (skipped.scheduledTime().isAfter(last)) {
                last = skipped.scheduledTime();
            }
        }

        /** @return the first skip's record; if more followed, saying how many fires it stands for and until when */
        RunRecord record() {
            if (more == 0) {
                return first;
            }
            Map<String, String> data = new LinkedHashMap<>(first.data());
            data.put(SKIPPED_FIRES, Integer.toString(more + 1));
            data.put(LAST_SKIPPED_FIRE, last.toString());
            return new RunRecord(first.runId(), first.taskId(), first.trigger(), first.attempt(), first.status(),
                    first.scheduledTime(), first.startTime(), first.endTime(), first.message() + " (" + (more + 1)
                    + " fires skipped, the last at " + last + ")", data, first.arguments());
        }
    }

    /** In a coalesced SKIPPED record's data: how many fires it stands for. */
    static final String SKIPPED_FIRES = "skipped.fires";
    /** In a coalesced SKIPPED record's data: the scheduled time of the last fire it stands for. */
    static final String LAST_SKIPPED_FIRE = "skipped.last";

    /** Per task, its SKIPPED record queued and not yet taken by the recorder thread. */
    private final ConcurrentHashMap<TaskId, Skips> queuedSkips = new ConcurrentHashMap<>();

    private final Supplier<TaskStore> store;
    /** Told of every batch written (its duration and rows) and of the final records in it. */
    private final ObserverHub observers;
    /**
     * Writes (the recorder's batches, and callers' own {@link #accept} writes, which may run concurrently and share
     * a persistent store's group commit) hold the read lock; {@link #exclusive} the write lock, so a store switch
     * never interleaves with a write.
     */
    private final ReadWriteLock writing = new ReentrantReadWriteLock();
    private final LinkedBlockingQueue<Item> queue = new LinkedBlockingQueue<>();
    private final Semaphore pending = new Semaphore(MAX_PENDING);
    private final Thread thread;
    private volatile boolean open = true;

    RunRecorder(Supplier<TaskStore> store, boolean background) {
        this(store, background, new ObserverHub(System::nanoTime));
    }

    RunRecorder(Supplier<TaskStore> store, boolean background, ObserverHub observers) {
        this.store = store;
        this.observers = observers;
        if (background) {
            thread = new Thread(this::loop, "task-run-recorder");
            thread.setDaemon(true);
            thread.start();
        } else {
            thread = null;
        }
    }

    /**
     * Queues the SKIPPED record of a scheduled fire refused by its task's overlap policy (it has no pending run and
     * nobody was given its run id). It joins the one of its task still in the queue, if there is one: under
     * overload (every fire of a busy task skipped, faster than the store writes) the queue then holds at most one
     * such skip per task, and the store writes one row for those fires, which says how many there were
     * ({@link #SKIPPED_FIRES}) and the last one's time ({@link #LAST_SKIPPED_FIRE}). Without that, skips outran the
     * store, the final records of runs waited behind them, their tasks stayed busy, and nearly every fire was
     * skipped. Any other skipped run (a refused trigger whose caller holds its run id, a pending run skipped by its
     * misfire policy) is recorded by {@link #recordLater}, as it is.
     */
    void recordSkippedFireLater(RunRecord skipped) {
        if (skipped.status() != RunStatus.SKIPPED || skipped.trigger() != RunTrigger.SCHEDULE) {
            throw new IllegalArgumentException("not the skip of a scheduled fire: " + skipped);
        }
        if (thread != null) {
            boolean[] queued = {true};
            queuedSkips.compute(skipped.taskId(), (id, waiting) -> {
                if (waiting != null) {
                    waiting.add(skipped);
                    return waiting;
                }
                Skips skips = new Skips(skipped);
                queued[0] = enqueue(new Item(null, List.of(), null, null, null, false, List.of(), skips));
                return queued[0] ? skips : null;
            });
            if (queued[0]) {
                return;
            }
        }
        recordLater(skipped);
    }

    /** Queues a record without waiting for it to be stored. */
    void recordLater(RunRecord run) {
        Item item = new Item(run, null, null, false);
        if (!enqueue(item)) {
            writeDirectly(List.of(item));
        }
    }

    /**
     * Queues accepted work without waiting for it to be stored: pending runs nobody waits for (a fire queued
     * behind a running one, missed fires to catch up, a scheduled fire that waits for a lock). Written before
     * anything queued after it, so before the run's own final record.
     */
    void acceptLater(List<PendingRun> accepted) {
        Item item = new Item(null, List.copyOf(accepted), null, null, null, false);
        if (!enqueue(item)) {
            writeDirectly(List.of(item));
        }
    }

    /**
     * Queues the end of pending runs that will never run (their task was deleted while they were being accepted),
     * after everything queued before, so after their own acceptance.
     */
    void withdrawLater(List<String> runIds) {
        Item item = new Item(null, List.of(), null, null, null, false, List.copyOf(runIds));
        if (!enqueue(item)) {
            writeDirectly(List.of(item));
        }
    }

    /**
     * Stores accepted work and waits until it is stored: the caller that accepted it returns only then.
     *
     * @throws TaskStoreException if it could not be stored; it is not accepted
     */
    void accept(List<PendingRun> accepted) {
        // on the caller's thread: nothing of the run is queued yet, so no queued write must come first; concurrent
        // callers share a persistent store's group commit, and an in-memory store is written at once
        Throwable failure = failureOf(List.of(new Item(null, List.copyOf(accepted), null, null, null, false)));
        if (failure != null) {
            throw notAccepted(accepted, failure);
        }
    }

    /**
     * Queues accepted work that may start before the caller returns (a fire queued behind a running one): queued
     * under the caller's lock, so before any record of the run; the caller then {@linkplain #awaitAccepted waits}
     * for it outside the lock.
     */
    CompletableFuture<Void> acceptQueued(List<PendingRun> accepted) {
        CompletableFuture<Void> stored = new CompletableFuture<>();
        Item item = new Item(null, List.copyOf(accepted), null, stored, null, false);
        if (!enqueue(item)) {
            Throwable failure = failureOf(List.of(item));
            if (failure == null) {
                stored.complete(null);
            } else {
                stored.completeExceptionally(failure);
            }
        }
        return stored;
    }

    /** Waits for {@link #acceptQueued}. @throws TaskStoreException if it could not be stored */
    void awaitAccepted(CompletableFuture<Void> stored, List<PendingRun> accepted) {
        await(stored, cause -> notAccepted(accepted, cause));
    }

    private static TaskStoreException notAccepted(List<PendingRun> accepted, Throwable cause) {
        PendingRun first = accepted.get(0);
        return new TaskStoreException("run " + first.runId() + " of " + first.taskId() + " was not accepted: the "
                + "task store could not store it" + (cause == null ? " (see the log)" : ": " + cause.getMessage()),
                cause);
    }

    /**
     * Queues a record; {@code then} runs on the recorder thread once it is stored (or the store failed). Runs
     * {@code then} on this thread, after writing, once the recorder is closed or has no thread. {@code then} must
     * not wait for another record.
     */
    void recordThen(RunRecord run, Completion then) {
        recordThen(run, List.of(), null, then);
    }

    /**
     * As {@link #recordThen(RunRecord, Completion)}, with what follows from the run written in the same batch, so
     * in the same transaction: the pending runs it leads to (its retry) and its dead letter.
     */
    void recordThen(RunRecord run, List<PendingRun> accepted, DeadLetter deadLetter, Completion then) {
        boolean permit = false;
        if (thread != null && open && Thread.currentThread() != thread) { // once closed, the caller writes itself
            try {
                pending.acquire();
                permit = true;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // queued all the same: nothing is lost
            }
        }
        Item item = new Item(run, List.copyOf(accepted), deadLetter, null, then, permit);
        if (!enqueue(item)) {
            if (permit) {
                pending.release();
            }
            then.stored(writeDirectly(List.of(item)));
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
        Item item = new Item(run, stored, null, false);
        if (!enqueue(item)) {
            return writeDirectly(List.of(item));
        }
        try {
            await(stored, cause -> new TaskStoreException("not stored", cause));
            return true;
        } catch (TaskStoreException e) {
            return false; // logged by the writer
        }
    }

    /** Waits for a queued item's batch; an interrupt does not abandon the wait (it is restored on return). */
    private void await(CompletableFuture<Void> stored, Function<Throwable, TaskStoreException> failure) {
        boolean interrupted = false;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        try {
            while (true) {
                try {
                    stored.get(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                    return;
                } catch (ExecutionException e) {
                    throw failure.apply(e.getCause());
                } catch (TimeoutException e) {
                    LOG.error("A write was not confirmed stored within 60 s; it may or may not be in the task store");
                    throw failure.apply(new TaskStoreException("not confirmed stored within 60 s"));
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
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
            takeSkips(batch);
            Throwable failure;
            try {
                failure = failureOf(batch);
            } catch (Throwable e) { // out of memory and the like: the batch is not stored, but every run is still
                // acknowledged below; a dead recorder thread would leave every later run unacknowledged
                LOG.error("Could not record {} runs: {}", batch.size(), e.toString(), e);
                failure = e;
            }
            if (failure != null && batch.size() > 1) { // one bad write must not fail the others: each alone
                for (Item item : batch) {
                    Throwable alone;
                    try {
                        alone = failureOf(List.of(item));
                    } catch (Throwable e) { // the recorder thread must survive (see above)
                        LOG.error("Could not record a run: {}", e.toString(), e);
                        alone = e;
                    }
                    settle(item, alone);
                }
                continue;
            }
            for (Item item : batch) {
                settle(item, failure);
            }
        }
    }

    /** Replaces each queued skip by its record: later skips of its task are queued anew. */
    private void takeSkips(List<Item> batch) {
        for (int i = 0; i < batch.size(); i++) {
            Item item = batch.get(i);
            if (item.skips() != null) {
                Skips skips = item.skips();
                RunRecord[] record = new RunRecord[1];
                queuedSkips.compute(skips.first.taskId(), (id, queued) -> {
                    record[0] = skips.record();
                    return queued == skips ? null : queued;
                });
                batch.set(i, new Item(record[0], null, null, false));
            }
        }
    }

    private void settle(Item item, Throwable failure) {
        if (item.stored() != null) {
            if (failure == null) {
                item.stored().complete(null);
            } else {
                item.stored().completeExceptionally(failure);
            }
        } else if (item.then() != null) {
            complete(item, failure == null);
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

    /**
     * The items as one store batch: records in order, without the RUNNING records whose final record is in the
     * batch too; accepted pending runs, without those whose final record is in the batch (the store applies
     * records before pending runs, so such a pending run would outlive its own end); dead letters.
     */
    static RunBatch batchOf(List<Item> batch) {
        Set<String> ended = null;
        for (Item item : batch) {
            if (item.run() != null && item.run().status() != RunStatus.RUNNING) {
                if (ended == null) {
                    ended = new HashSet<>();
                }
                ended.add(item.run().runId());
            }
        }
        List<RunRecord> runs = new ArrayList<>(batch.size());
        List<PendingRun> accepted = List.of();
        List<DeadLetter> letters = List.of();
        List<String> withdrawn = List.of();
        for (Item item : batch) {
            RunRecord run = item.run();
            if (run != null && (ended == null || run.status() != RunStatus.RUNNING || !ended.contains(run.runId()))) {
                runs.add(run);
            }
            for (PendingRun p : item.accepted()) {
                if (ended == null || !ended.contains(p.runId())) {
                    if (accepted.isEmpty()) {
                        accepted = new ArrayList<>();
                    }
                    accepted.add(p);
                }
            }
            if (item.deadLetter() != null) {
                if (letters.isEmpty()) {
                    letters = new ArrayList<>();
                }
                letters.add(item.deadLetter());
            }
            if (!item.withdrawn().isEmpty()) {
                if (withdrawn.isEmpty()) {
                    withdrawn = new ArrayList<>();
                }
                withdrawn.addAll(item.withdrawn());
            }
        }
        return new RunBatch(runs, accepted, letters, withdrawn);
    }

    /**
     * Runs {@code action} while no batch is being written: a batch either was written before (to the store that
     * was current then) or is written after, to the store current then. For switching stores. The action must not
     * wait for a record to be stored.
     */
    void exclusive(Runnable action) {
        writing.writeLock().lock();
        try {
            action.run();
        } finally {
            writing.writeLock().unlock();
        }
    }

    private boolean write(List<Item> items) {
        return failureOf(items) == null;
    }

    /**
     * Writes on the caller's thread, once the recorder is closed (or has no thread): after the recorder thread has
     * written what was queued before, so a record is never overtaken by an older one of the same run (a RUNNING
     * record queued before close written after the run's final record would make the run RUNNING again).
     */
    private boolean writeDirectly(List<Item> items) {
        Thread t = thread;
        if (t != null && t != Thread.currentThread()) {
            try {
                t.join(TimeUnit.SECONDS.toMillis(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return write(items);
    }

    /** @return null if written, else why not (logged) */
    private Throwable failureOf(List<Item> items) {
        RunBatch batch = batchOf(items);
        if (batch.isEmpty()) {
            return null;
        }
        long start = 0;
        try {
            writing.readLock().lock();
            try {
                start = observers.start(); // the store call's time, not the wait for a store switch
                store.get().write(batch);
                observers.storeWrite(start, rows(batch));
            } finally {
                writing.readLock().unlock();
            }
            // the write returned: every read path shows these runs as finished, so they are acknowledged to
            // observers (the engine's own acknowledgement follows on this thread)
            observers.runsFinished(batch.runs());
            return null;
        } catch (RuntimeException | LinkageError | AssertionError e) { // the recorder thread must survive a bad store
            LOG.error("Could not write {} to the task store: {}", describe(batch), e.getMessage(), e);
            observers.storeWriteFailed(start, rows(batch), e);
            return e;
        }
    }

    /** @return how many rows a batch writes */
    static int rows(RunBatch batch) {
        return batch.runs().size() + batch.accepted().size() + batch.deadLetters().size() + batch.withdrawn().size();
    }

    private static String describe(RunBatch batch) {
        if (batch.runs().size() == 1 && batch.accepted().isEmpty()) {
            RunRecord run = batch.runs().get(0);
            return "run " + run.runId() + " of " + run.taskId() + " (" + run.status() + ")";
        }
        if (batch.runs().isEmpty() && batch.accepted().size() == 1) {
            PendingRun p = batch.accepted().get(0);
            return "accepted run " + p.runId() + " of " + p.taskId();
        }
        return batch.runs().size() + " run record(s), " + batch.accepted().size() + " accepted run(s) and "
                + batch.deadLetters().size() + " dead letter(s)";
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
