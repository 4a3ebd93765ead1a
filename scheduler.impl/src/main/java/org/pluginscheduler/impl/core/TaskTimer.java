package org.pluginscheduler.impl.core;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One timer for every task: a priority queue of next fires and a single thread that sleeps until the earliest
 * one. No polling tick: arming or cancelling an entry that changes the head wakes the thread to re-plan.
 *
 * <p>The thread only hands due entries to their callbacks, which must be quick (compute the next fire, hand the
 * run to a worker pool); task code never runs here. Tests do not start the thread: they advance their clock and
 * call {@link #runDue()}.
 */
final class TaskTimer {

    private static final Logger LOG = LoggerFactory.getLogger(TaskTimer.class);
    /** Upper bound on one sleep, so a changed system clock is noticed. */
    private static final long MAX_SLEEP_NANOS = TimeUnit.SECONDS.toNanos(10);

    /**
     * Called when an entry is due, with that entry: its {@link Entry#at} is when it was due, and its identity tells
     * a callback that was re-armed meanwhile whether this is still its current entry.
     */
    @FunctionalInterface
    interface Due {
        void fire(Entry due);
    }

    /** An armed fire; cancel it with {@link TaskTimer#cancel(Entry)}. */
    static final class Entry implements Comparable<Entry> {
        final Instant at;
        final long sequence;
        final Due due;
        /** Whose fire it is (a task's owner), for fairness among entries due together; null: the core's own. */
        final String key;
        /** In the queue (guarded by the timer's lock). */
        private boolean queued;
        /** Taken off the queue, due, waiting in {@link #runDue}'s round to fire (guarded by the timer's lock). */
        private boolean waiting;
        /** Cancelled while queued or waiting: skipped (guarded by the timer's lock). */
        private boolean cancelled;

        private Entry(Instant at, long sequence, Due due, String key) {
            this.at = at;
            this.sequence = sequence;
            this.due = due;
            this.key = key;
        }

        @Override
        public int compareTo(Entry o) {
            int c = at.compareTo(o.at);
            return c != 0 ? c : Long.compare(sequence, o.sequence);
        }
    }

    private final Clock clock;
    private final PriorityQueue<Entry> queue = new PriorityQueue<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final AtomicLong sequence = new AtomicLong();
    /** Cancelled entries still in the queue. Guarded by the lock. */
    private int cancelled;
    private Thread thread;
    private volatile boolean running;

    TaskTimer(Clock clock) {
        this.clock = clock;
    }

    /** Arms {@code due}, the core's own work, to fire at {@code at}. */
    Entry schedule(Instant at, Due due) {
        return schedule(at, null, due);
    }

    /**
     * Arms {@code due} to fire at {@code at}, on behalf of {@code key} (a task's owner): when many entries are due
     * at once, keys take turns (see {@link #runDue}).
     */
    Entry schedule(Instant at, String key, Due due) {
        Entry entry = new Entry(at, sequence.incrementAndGet(), due, key);
        lock.lock();
        try {
            entry.queued = true;
            queue.add(entry);
            if (queue.peek() == entry) {
                changed.signal();
            }
        } finally {
            lock.unlock();
        }
        return entry;
    }

    /**
     * Disarms an entry; a no-op if it already fired or was cancelled. O(1): the entry is marked and dropped when it
     * reaches the head, or when cancelled entries are half the queue ({@code PriorityQueue.remove(Object)} is a
     * linear scan, which made unregistering n tasks O(n²)).
     */
    void cancel(Entry entry) {
        if (entry == null) {
            return;
        }
        lock.lock();
        try {
            if (entry.waiting) {
                entry.cancelled = true; // taken off the queue already: runDue skips it
                return;
            }
            if (entry.queued && !entry.cancelled) {
                entry.cancelled = true;
                cancelled++;
                if (cancelled > 64 && cancelled > queue.size() / 2) {
                    queue.removeIf(e -> {
                        if (e.cancelled) {
                            e.queued = false;
                            return true;
                        }
                        return false;
                    });
                    cancelled = 0;
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** @return how many entries are armed */
    int size() {
        lock.lock();
        try {
            return queue.size() - cancelled;
        } finally {
            lock.unlock();
        }
    }

    /** @return the earliest entry that is not cancelled, dropping cancelled ones from the head. Under the lock. */
    private Entry head() {
        Entry head = queue.peek();
        while (head != null && head.cancelled) {
            queue.poll();
            head.queued = false;
            cancelled--;
            head = queue.peek();
        }
        return head;
    }

    /** How many entries fire between two looks at the queue for entries that became due meanwhile. */
    static final int FIRES_PER_ROUND = 32;

    /**
     * Fires every entry due at the clock's current instant. The due entries of one key (one owner) fire earliest
     * first; keys take turns, one entry each, and every {@value #FIRES_PER_ROUND} fires the queue is looked at again
     * for entries that became due meanwhile. So a plugin with 10,000 tasks due at the same instant does not hold
     * another plugin's fire back until all 10,000 were handed out: that one fires within a round.
     *
     * @return when the next entry is due, if any
     */
    Optional<Instant> runDue() {
        Map<String, ArrayDeque<Entry>> byKey = new HashMap<>();
        ArrayDeque<String> turns = new ArrayDeque<>(); // keys with waiting entries, in the order they take turns
        int fired = FIRES_PER_ROUND;
        while (true) {
            if (fired >= FIRES_PER_ROUND || turns.isEmpty()) {
                Optional<Instant> next = gather(byKey, turns);
                fired = 0;
                if (turns.isEmpty()) {
                    return next;
                }
            }
            String key = turns.poll();
            ArrayDeque<Entry> entries = byKey.get(key);
            Entry entry = entries.poll();
            if (entries.isEmpty()) {
                byKey.remove(key);
            } else {
                turns.add(key);
            }
            boolean cancelledMeanwhile;
            lock.lock();
            try {
                entry.waiting = false;
                cancelledMeanwhile = entry.cancelled;
            } finally {
                lock.unlock();
            }
            if (!cancelledMeanwhile) {
                fire(entry);
                fired++;
            }
        }
    }

    /** Stands for the core's own entries (key null) among the keys that take turns. */
    private static final String CORE = "(the scheduler core)"; // no bundle symbolic name looks like this

    /**
     * Takes every entry due now off the queue into its key's turn.
     *
     * @return when the next entry is due, if none is due now
     */
    private Optional<Instant> gather(Map<String, ArrayDeque<Entry>> byKey, ArrayDeque<String> turns) {
        Instant now = clock.instant();
        lock.lock();
        try {
            while (true) {
                Entry head = head();
                if (head == null) {
                    return Optional.empty();
                }
                if (head.at.isAfter(now)) {
                    now = clock.instant();
                    if (head.at.isAfter(now)) {
                        return Optional.of(head.at);
                    }
                }
                Entry due = queue.poll();
                due.queued = false;
                due.waiting = true;
                String key = due.key == null ? CORE : due.key;
                ArrayDeque<Entry> entries = byKey.get(key);
                if (entries == null) {
                    entries = new ArrayDeque<>();
                    byKey.put(key, entries);
                    turns.add(key);
                }
                entries.add(due);
            }
        } finally {
            lock.unlock();
        }
    }

    private void fire(Entry entry) {
        try {
            entry.due.fire(entry);
        } catch (RuntimeException | Error e) {
            LOG.error("Timer callback failed for a fire due at {}; the timer keeps running", entry.at, e);
        }
    }

    /** Starts the timer thread. */
    void start(String name) {
        running = true;
        thread = new Thread(this::loop, name);
        thread.setDaemon(true);
        thread.setPriority(Thread.MAX_PRIORITY);
        thread.start();
    }

    /** Stops the timer thread and waits for it to end. Armed entries stay armed. */
    void stop() {
        running = false;
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        if (thread != null && thread != Thread.currentThread()) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * @return nanoseconds until {@code at}, at most {@link #MAX_SLEEP_NANOS}; an instant centuries away (a one-shot
     *         at:2999-01-01T00:00:00Z) would overflow {@code Duration.toNanos()} and end the timer thread
     */
    private long nanosUntil(Instant at) {
        Duration until = Duration.between(clock.instant(), at);
        if (until.isNegative()) {
            return 0; // due (centuries in the past would overflow too)
        }
        return until.compareTo(Duration.ofNanos(MAX_SLEEP_NANOS)) >= 0 ? MAX_SLEEP_NANOS : until.toNanos();
    }

    private void loop() {
        while (running) {
            runDue();
            lock.lock();
            try {
                if (!running) {
                    return;
                }
                Entry head = head();
                long wait = head == null ? MAX_SLEEP_NANOS : nanosUntil(head.at);
                if (wait > 0) {
                    changed.awaitNanos(wait);
                }
            } catch (InterruptedException e) {
                if (!running) {
                    return;
                }
            } finally {
                lock.unlock();
            }
        }
    }
}
