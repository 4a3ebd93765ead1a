package org.pluginscheduler.execution;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.PriorityQueue;

/**
 * A {@link Timer} whose time moves only when the test calls {@link #advance}: due actions then run on the test's
 * thread, earliest first, each at its own instant (an action that arms another sees time at its own due instant).
 */
final class ManualTimer implements Timer {

    private record Entry(Duration at, long sequence, Runnable action) implements Comparable<Entry> {
        @Override
        public int compareTo(Entry o) {
            int c = at.compareTo(o.at);
            return c != 0 ? c : Long.compare(sequence, o.sequence);
        }
    }

    private final Object monitor = new Object();
    private final PriorityQueue<Entry> entries = new PriorityQueue<>();
    private Duration now = Duration.ZERO;
    private long sequence;

    @Override
    public Cancellable schedule(Duration delay, Runnable action) {
        synchronized (monitor) {
            if (delay.isNegative()) {
                fail("negative delay " + delay);
            }
            Entry entry = new Entry(now.plus(delay), sequence++, action);
            entries.add(entry);
            monitor.notifyAll();
            return () -> {
                synchronized (monitor) {
                    entries.remove(entry);
                    monitor.notifyAll();
                }
            };
        }
    }

    /** Moves time forward by {@code step}, running every action that falls due on this thread, in order. */
    void advance(Duration step) {
        Duration target;
        synchronized (monitor) {
            target = now.plus(step);
        }
        while (true) {
            Entry due;
            synchronized (monitor) {
                due = entries.peek();
                if (due == null || due.at.compareTo(target) > 0) {
                    now = target;
                    return;
                }
                entries.poll();
                now = due.at;
            }
            due.action.run(); // outside the monitor, like a real timer thread
        }
    }

    void advanceSeconds(long seconds) {
        advance(Duration.ofSeconds(seconds));
    }

    /** @return the actions armed and not yet run or cancelled */
    int pending() {
        synchronized (monitor) {
            return entries.size();
        }
    }

    /** Waits (for another thread, up to 10 s of real time) until at least {@code count} actions are armed. */
    void awaitPending(int count) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        synchronized (monitor) {
            while (entries.size() < count) {
                long left = end - System.nanoTime();
                if (left <= 0) {
                    fail("expected " + count + " armed timer actions, found " + entries.size());
                }
                monitor.wait(Math.max(1, left / 1_000_000));
            }
        }
    }
}
