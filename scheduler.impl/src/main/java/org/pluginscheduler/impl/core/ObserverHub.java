package org.pluginscheduler.impl.core;

import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.SchedulerAdmin;
import org.pluginscheduler.api.SchedulerObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands finished runs and timed store writes to the registered {@link SchedulerObserver}s without ever making the
 * engine wait for one: each observer has its own bounded queue, drained in order by its own daemon thread, and an
 * event that does not fit is dropped and counted (the first drop of each observer is logged as a WARN, later ones
 * are only counted). An observer that throws is logged, once per exception class and then at most every
 * {@link #REPEAT_LOG_INTERVAL} with how often it threw meanwhile, and keeps receiving. An observer that blocks only
 * fills its own queue.
 *
 * <p>The engine calls {@link #runsFinished}/{@link #runFinished} once a run's final record has been written (the
 * store write returned), and {@link #start()} and {@link #storeWrite} around each write of a batch. With no
 * observer each call costs a volatile read. Store writes are timed with the given ticker (nanoseconds,
 * {@link System#nanoTime()} in production), not the scheduler's clock, which a test may hold still.
 */
public final class ObserverHub {

    private static final Logger LOG = LoggerFactory.getLogger(ObserverHub.class);
    /** How long an observer's thread lets events gather after delivering what was there (at most ~100 wake-ups/s). */
    static final long PACE_MS = 10;
    /** How many events one observer's queue holds before further events are dropped. */
    static final int QUEUE_CAPACITY = 8192;
    /** How often, at most, an observer's repeated exception of one class is logged again. */
    static final Duration REPEAT_LOG_INTERVAL = Duration.ofMinutes(5);
    private static final Registration[] NONE = new Registration[0];

    /** What an observer is told, in the order it happened. */
    private sealed interface Event {
    }

    /** Runs finished together (one store write): one queue entry, so a burst of runs does not fill the queue. */
    private record Finished(List<RunRecord> runs) implements Event {
    }

    private record Written(Duration took, int records) implements Event {
    }

    private record WriteFailed(Duration took, int records, String error) implements Event {
    }

    private final LongSupplier ticker;
    private final int capacity;
    /** Copy on write, replaced under this: the engine's threads read it without a lock. */
    private volatile Registration[] registrations = NONE;
    private boolean closed; // guarded by this
    private final AtomicLong sequence = new AtomicLong();

    /** @param ticker nanoseconds for timing store writes ({@code System::nanoTime}) */
    public ObserverHub(LongSupplier ticker) {
        this(ticker, QUEUE_CAPACITY);
    }

    ObserverHub(LongSupplier ticker, int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be positive: " + capacity);
        }
        this.ticker = ticker;
        this.capacity = capacity;
    }

    /**
     * Registers an observer: from now on it gets every finished run and store write, on a thread of its own.
     *
     * @throws IllegalStateException once the hub is closed (the scheduler stopped)
     */
    public Registration observe(SchedulerObserver observer) {
        if (observer == null) {
            throw new NullPointerException("observer");
        }
        Registration registration;
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("the scheduler is stopped: no observer can be registered");
            }
            registration = new Registration(observer, sequence.incrementAndGet());
            Registration[] more = Arrays.copyOf(registrations, registrations.length + 1);
            more[more.length - 1] = registration;
            registrations = more;
        }
        registration.thread.start();
        return registration;
    }

    private synchronized void remove(Registration registration) {
        Registration[] now = registrations;
        for (int i = 0; i < now.length; i++) {
            if (now[i] == registration) {
                Registration[] fewer = new Registration[now.length - 1];
                System.arraycopy(now, 0, fewer, 0, i);
                System.arraycopy(now, i + 1, fewer, i, now.length - i - 1);
                registrations = fewer;
                return;
            }
        }
    }

    /** Closes every registration (the scheduler stops); none can be added afterwards. */
    public void close() {
        Registration[] all;
        synchronized (this) {
            closed = true;
            all = registrations;
        }
        for (Registration r : all) {
            r.close();
        }
    }

    /** @return how many observers are registered */
    int observers() {
        return registrations.length;
    }

    /** @return the ticker now: pass it to {@link #storeWrite} once the write returned */
    long start() {
        return ticker.getAsLong();
    }

    /** A store write that began at {@code startTicks} ({@link #start()}) has returned, with {@code records} rows. */
    void storeWrite(long startTicks, int records) {
        Registration[] now = registrations;
        if (now.length == 0) {
            return;
        }
        Written event = new Written(Duration.ofNanos(Math.max(0, ticker.getAsLong() - startTicks)), records);
        for (Registration r : now) {
            r.offer(event);
        }
    }

    /** A store write that began at {@code startTicks} failed with {@code error}. */
    void storeWriteFailed(long startTicks, int records, Throwable error) {
        Registration[] now = registrations;
        if (now.length == 0) {
            return;
        }
        String message = error.getMessage() != null ? error.getMessage() : error.getClass().getName();
        WriteFailed event = new WriteFailed(Duration.ofNanos(Math.max(0, ticker.getAsLong() - startTicks)), records,
                message);
        for (Registration r : now) {
            r.offer(event);
        }
    }

    /** The records of a store write that returned: each that is not {@link RunStatus#RUNNING} is a finished run. */
    void runsFinished(List<RunRecord> written) {
        Registration[] now = registrations;
        if (now.length == 0) {
            return;
        }
        List<RunRecord> finished = written.stream().filter(r -> r.status() != RunStatus.RUNNING).toList();
        if (finished.isEmpty()) {
            return;
        }
        Finished event = new Finished(finished);
        for (Registration r : now) {
            r.offer(event);
        }
    }

    /** A run's final record was written (the store write returned). A RUNNING record is ignored. */
    void runFinished(RunRecord run) {
        Registration[] now = registrations;
        if (now.length == 0 || run.status() == RunStatus.RUNNING) {
            return;
        }
        Finished event = new Finished(List.of(run));
        for (Registration r : now) {
            r.offer(event);
        }
    }

    /** One observer's queue and thread; the {@link SchedulerAdmin.Subscription} its registrant holds. */
    public final class Registration implements SchedulerAdmin.Subscription {

        private final SchedulerObserver observer;
        private final String name;
        private final BlockingQueue<Event> queue = new ArrayBlockingQueue<>(capacity);
        private final Thread thread;
        private final AtomicLong dropped = new AtomicLong();
        private final AtomicLong delivered = new AtomicLong();
        private final AtomicLong failures = new AtomicLong();
        private final AtomicBoolean dropping = new AtomicBoolean();
        private volatile boolean cancelled;
        /** Per exception class: when it was last logged and how often it was thrown since. Delivery thread only. */
        private final Map<Class<?>, long[]> thrown = new HashMap<>();

        private Registration(SchedulerObserver observer, long number) {
            this.observer = observer;
            this.name = describe(observer);
            this.thread = new Thread(this::deliver, "scheduler-observer-" + number + " " + name);
            this.thread.setDaemon(true);
        }

        private void offer(Event event) {
            if (cancelled) {
                return;
            }
            if (!queue.offer(event)) {
                dropped.incrementAndGet();
                if (dropping.compareAndSet(false, true)) {
                    LOG.warn("Scheduler observer {} is not keeping up: its queue of {} events is full, so events for "
                            + "it are dropped (and counted) from now on; the scheduler does not wait for it", name,
                            capacity);
                }
            }
        }

        private void deliver() {
            while (!cancelled) {
                Event event;
                try {
                    event = queue.take();
                } catch (InterruptedException e) {
                    continue; // close() interrupts: the loop condition decides
                }
                if (cancelled) {
                    return;
                }
                do {
                    if (!handle(event)) {
                        return;
                    }
                    event = queue.poll();
                } while (event != null && !cancelled);
                // Let the next events gather before looking again: while this thread sleeps, the engine's offers
                // wake no one. Woken for every event, an observer's thread took CPU the engine's threads needed on
                // two cores (HostilePluginsIT: a well-behaved plugin's fire lag beside a 10,000-task plugin).
                try {
                    Thread.sleep(PACE_MS);
                } catch (InterruptedException e) {
                    // close() interrupts: the loop condition decides
                }
            }
        }

        /** @return {@code false} if closed while delivering */
        private boolean handle(Event event) {
            if (event instanceof Finished f) {
                for (RunRecord run : f.runs()) {
                    if (cancelled) {
                        return false; // closed: the run being delivered was the last one
                    }
                    deliver(() -> observer.runFinished(run));
                }
            } else if (event instanceof Written w) {
                deliver(() -> observer.storeWrite(w.took(), w.records()));
            } else if (event instanceof WriteFailed f) {
                deliver(() -> observer.storeWriteFailed(f.took(), f.records(), f.error()));
            }
            return true;
        }

        /** One call of the observer: counted as delivered, or as a failure (logged); it keeps receiving. */
        private void deliver(Runnable call) {
            try {
                call.run();
                delivered.incrementAndGet();
            } catch (Throwable e) { // whatever it throws, it keeps receiving
                failures.incrementAndGet();
                logFailure(e);
            }
        }

        private void logFailure(Throwable e) {
            long now = ticker.getAsLong();
            long[] seen = thrown.get(e.getClass());
            if (seen == null) {
                thrown.put(e.getClass(), new long[] {now, 0});
                LOG.warn("Scheduler observer {} threw {}; it keeps receiving events, and this is logged again at "
                        + "most every {}", name, e, REPEAT_LOG_INTERVAL, e);
            } else if (now - seen[0] >= REPEAT_LOG_INTERVAL.toNanos()) {
                LOG.warn("Scheduler observer {} threw {} again ({} more time(s) since it was last logged)", name, e,
                        seen[1] + 1);
                seen[0] = now;
                seen[1] = 0;
            } else {
                seen[1]++;
            }
        }

        /** Stops delivery: queued events are discarded; an event being delivered now is the last one. */
        @Override
        public void close() {
            synchronized (this) {
                if (cancelled) {
                    return;
                }
                cancelled = true;
            }
            remove(this);
            queue.clear();
            thread.interrupt();
            if (dropped.get() > 0) {
                LOG.info("Scheduler observer {} removed; {} event(s) were dropped for it", name, dropped.get());
            }
        }

        /** @return how many events did not fit its queue and were dropped */
        @Override
        public long dropped() {
            return dropped.get();
        }

        /** @return how many events it received without throwing */
        public long delivered() {
            return delivered.get();
        }

        /** @return how many events it threw on */
        public long failures() {
            return failures.get();
        }

        /** @return how many events wait in its queue */
        int queued() {
            return queue.size();
        }

        /** @return whether it was closed */
        public boolean isClosed() {
            return cancelled;
        }

        /** Waits up to {@code timeout} for its delivery thread to end (after {@link #close()}). For tests. */
        boolean awaitStopped(Duration timeout) throws InterruptedException {
            thread.join(TimeUnit.NANOSECONDS.toMillis(timeout.toNanos()) + 1);
            return !thread.isAlive();
        }

        @Override
        public String toString() {
            return "observer " + name + (cancelled ? " (closed)" : "") + ": " + delivered.get() + " delivered, "
                    + dropped.get() + " dropped, " + failures.get() + " thrown";
        }
    }

    /** @return a short name for an observer, whatever its toString does */
    private static String describe(SchedulerObserver observer) {
        String text;
        try {
            text = String.valueOf(observer);
        } catch (RuntimeException e) {
            text = observer.getClass().getName();
        }
        return text.length() <= 100 ? text : text.substring(0, 100) + "...";
    }
}
