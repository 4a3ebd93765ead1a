package org.pluginscheduler.impl.core;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
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
        /** In the queue (guarded by the timer's lock). */
        private boolean queued;
        /** Cancelled while queued: skipped when it reaches the head (guarded by the timer's lock). */
        private boolean cancelled;

        private Entry(Instant at, long sequence, Due due) {
            this.at = at;
            this.sequence = sequence;
            this.due = due;
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

    /** Arms {@code due} to fire at {@code at}. */
    Entry schedule(Instant at, Due due) {
        Entry entry = new Entry(at, sequence.incrementAndGet(), due);
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

    /**
     * Fires every entry due at the clock's current instant, earliest first.
     *
     * @return when the next entry is due, if any
     */
    Optional<Instant> runDue() {
        Instant now = clock.instant(); // read once per batch of due entries, again only when one seems not due
        while (true) {
            Entry due;
            lock.lock();
            try {
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
                due = queue.poll();
                due.queued = false;
            } finally {
                lock.unlock();
            }
            fire(due);
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
