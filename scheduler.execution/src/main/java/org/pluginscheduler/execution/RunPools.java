package org.pluginscheduler.execution;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

import org.pluginscheduler.api.Priority;
import org.pluginscheduler.api.SchedulerStats;
import org.pluginscheduler.api.execution.ExecutableRun;
import org.pluginscheduler.api.execution.ExecutionStats;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The execution service without OSGi: one thread pool per {@link Priority}, shares per owner (bulkheads), a
 * deadline watch, stuck-run replacement threads and an orderly shutdown, as the
 * {@link org.pluginscheduler.api.execution.RunExecutor} contract asks.
 *
 * <ul>
 * <li><b>Pools.</b> A fixed-size {@link ThreadPoolExecutor} per priority: no priority waits for another's threads.
 * Threads are daemons named {@code task-realtime-N}, {@code task-normal-N}, {@code task-background-N}; REALTIME
 * threads run at {@link Thread#MAX_PRIORITY}. Sizes change live ({@link #reconfigure}); no queued run is lost across
 * a resize.</li>
 * <li><b>Shares per owner.</b> A run counts against its owner ({@code taskId().owner()}). An owner holds at most
 * {@link ExecutionSettings#share its share} of a pool's threads at once (by default half, at least one); its further
 * runs wait in its own FIFO queue. A pool hands a free thread to the next owner in turn among those that have runs
 * waiting and are under their share (round robin across owners, FIFO within one), so one owner's backlog never
 * delays another's runs by more than one run per thread. The pool's executor is only ever handed as many runs as it
 * has threads: its own queue stays (nearly) empty, and the order is decided here. A run declared stuck keeps counting
 * against its owner's share until its thread returns, though its pool got a replacement thread: a hostile owner's
 * stuck runs cannot grow the pool for itself. A run on its caller's thread ({@link #executeHere}) counts against no
 * share.</li>
 * <li><b>Exactly once.</b> Each accepted run is wrapped in one object whose state (queued, started, handed back,
 * refused) changes by compare-and-set only, so {@code run()} and {@code rejected()} exclude each other whatever the
 * pools' threads and a shutdown do concurrently.</li>
 * <li><b>Deadlines.</b> When a run with a timeout enters {@code run()} its deadline is armed on the {@link Timer};
 * still inside at the deadline, it gets {@code timedOut}; still inside the stuck delay after that (the delay in force
 * when it timed out), it is declared stuck: its pool may grow by one thread, as long as the pool's extra threads do
 * not exceed its configured size (so a pool at most doubles), and it gets {@code stuck}. When its thread returns,
 * the extra thread goes. A thread whose run was declared stuck is retired when the run finally returns, never handed
 * another run (the task code may have left it in any state); its pool starts a fresh one.</li>
 * <li><b>Shutdown</b> ({@link #shutdown()}): refuses new runs, hands every queued run back with {@code rejected},
 * waits up to the grace period for running runs, calls {@code cancel} on those still running, waits up to
 * {@value #AFTER_CANCEL_SECONDS} s more, and lets the threads end. Threads still held by task code that ignores
 * its interruption are not interrupted again; they are daemons and end when the task code returns.</li>
 * <li><b>Callbacks</b> ({@code rejected}, {@code timedOut}, {@code stuck}, {@code cancel}) are called without
 * holding the lock (asserted); an exception from one is logged and changes nothing here.</li>
 * </ul>
 *
 * <p>Thread-safety: every method may be called from any thread. A run that neither times out nor is stuck takes
 * only its pool's dispatch monitor on its way, twice and briefly (to be queued and dispatched, and to free its
 * owner's slot on return); the main lock is not taken per run. The per-owner queues and counts of a pool are guarded
 * by its dispatch monitor; the deadline bookkeeping of a run with a timeout by that run's own monitor; stuck runs,
 * pool sizes, settings and the shutdown by one lock. Lock order: the lock, then a run's monitor or a pool's dispatch
 * monitor; none is ever held while task code or a callback runs. Waiters (the shutdown, tests) are signalled on every
 * change only while there are any.
 */
final class RunPools {

    /** The reason given to {@code rejected} and {@code cancel} on shutdown. */
    static final String STOPPING = "the execution service is stopping";

    static final int AFTER_CANCEL_SECONDS = 1;

    /** A timeout longer than this means no limit (and would overflow as a deadline). */
    static final Duration NO_LIMIT = Duration.ofDays(36_500);

    /** How long in real time a wait for the timer may overrun before it is given up: a broken timer must not hang. */
    private static final Duration BACKSTOP = Duration.ofSeconds(30);

    private static final Logger LOG = LoggerFactory.getLogger(RunPools.class);

    /** {@code Accepted.state}, changed only by compare-and-set. */
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(Accepted.class, "state", Accepted.Phase.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private enum State { RUNNING, STOPPING, STOPPED }

    private final Timer timer;
    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled on every change of the state below. */
    private final Condition changed = lock.newCondition();
    private final Map<Priority, Pool> pools = new EnumMap<>(Priority.class);

    /** Changed under the lock; read without it. */
    private volatile ExecutionSettings settings;
    /** Changed under the lock; read without it. */
    private volatile State state = State.RUNNING;
    private final Set<Accepted> queued = ConcurrentHashMap.newKeySet();
    private final Set<Running> running = ConcurrentHashMap.newKeySet();
    /** Which ends of pool threads by a throwable are logged in full (a plugin can end one on every run). */
    private final ThreadEnds threadEnds = new ThreadEnds(System::nanoTime);
    private int stuck; // guarded by lock
    /** Threads waiting on {@link #changed}; changes signal only while there are any. */
    private final AtomicInteger waiters = new AtomicInteger();
    /**
     * Runs between being taken (by a pool thread, or by a caller of {@link #executeHere}) and being registered as
     * running: a stop waits for them too, else it could return while one is about to enter {@code run()}.
     */
    private final AtomicInteger starting = new AtomicInteger();

    /**
     * Creates the pools; their threads start as runs arrive.
     *
     * @param settings pool sizes, stuck delay and grace period
     * @param timer    the time source of deadlines, stuck delays and the shutdown's waits; owned by the caller, who
     *                 closes it after {@link #shutdown()}
     */
    RunPools(ExecutionSettings settings, Timer timer) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.timer = Objects.requireNonNull(timer, "timer");
        for (Priority priority : Priority.values()) {
            pools.put(priority, new Pool(priority, settings.threads(priority), settings.ownerSharePercent()));
        }
    }

    // --- the executor ---------------------------------------------------------------------------------------

    /**
     * Queues {@code run} for its priority's pool.
     *
     * @throws RejectedExecutionException if shutting down (or no thread could be created): not accepted, never
     *                                    called
     */
    void execute(ExecutableRun run) {
        Objects.requireNonNull(run, "run");
        Pool pool = pools.get(Objects.requireNonNull(run.priority(), "priority"));
        Accepted accepted = new Accepted(run, pool, run.timeout(),
                Objects.requireNonNull(run.taskId(), "taskId").owner());
        if (state != State.RUNNING) {
            throw new RejectedExecutionException(STOPPING + ": " + accepted + " is not accepted");
        }
        // in the set before its owner's queue: a shutdown stops the pools first, then hands back what the set holds
        queued.add(accepted);
        pool.queued.incrementAndGet();
        Throwable failure = pool.enqueue(accepted);
        // the pool's executor refused a run this call dispatched (stopped meanwhile, or no thread could be created):
        // if it was this run and it is still in its owner's queue, it is refused unless a shutdown handed it back
        // already; any other run stays queued for the next dispatch
        if (failure != null && pool.withdraw(accepted) && accepted.to(Accepted.Phase.REFUSED)) {
            queued.remove(accepted);
            pool.queued.decrementAndGet();
            signalIfWaited();
            if (failure instanceof Error error) {
                throw error;
            }
            throw new RejectedExecutionException(accepted + " is not accepted: " + failure, failure);
        }
        logDispatchFailure(pool, failure);
        signalIfWaited();
    }

    /**
     * Runs {@code run} on the calling thread with the same deadline watch as a pooled run (no replacement thread
     * when it is stuck: the thread is not a pool's). An interrupt the caller had before is kept; one that arrived
     * during the run (the core's, at its deadline or cancel) is cleared.
     *
     * @throws RejectedExecutionException if shutting down: {@code run} was not called
     */
    void executeHere(ExecutableRun run) {
        Objects.requireNonNull(run, "run");
        Optional<Duration> timeout = run.timeout();
        starting.incrementAndGet(); // before the state is read: a stop after the read waits for it
        Running started;
        try {
            if (state != State.RUNNING) {
                throw new RejectedExecutionException(STOPPING + ": " + label(run) + " is not run");
            }
            started = start(run, null, null, timeout);
        } finally {
            starting.decrementAndGet();
            signalIfWaited();
        }
        invoke(started, false);
    }

    /**
     * A pool thread took {@code accepted} from its queue.
     *
     * @throws Retired after a run that was declared stuck returned: the thread ends
     */
    private void runQueued(Accepted accepted) {
        starting.incrementAndGet(); // before the compare-and-set: a stop that finds it started waits for it
        Running started;
        try {
            if (!accepted.to(Accepted.Phase.STARTED)) {
                // handed back on shutdown: it holds its owner's slot no longer
                logDispatchFailure(accepted.pool, accepted.pool.release(accepted.owner, false));
                return;
            }
            queued.remove(accepted);
            accepted.pool.queued.decrementAndGet();
            accepted.pool.active.incrementAndGet();
            started = start(accepted.run, accepted.pool, accepted.owner, accepted.timeout);
        } finally {
            starting.decrementAndGet();
            signalIfWaited();
        }
        if (invoke(started, true)) {
            throw new Retired(started.threadName);
        }
    }

    /** Registers a run entering {@code run()} on this thread and arms its deadline. */
    private Running start(ExecutableRun run, Pool pool, Owner owner, Optional<Duration> timeout) {
        Optional<Duration> limit = timeout.filter(t -> t.compareTo(NO_LIMIT) <= 0);
        Running started = new Running(run, pool, owner, Thread.currentThread(), limit.isPresent());
        running.add(started);
        limit.ifPresent(t -> {
            synchronized (started) { // before the timer can call deadlinePassed, which takes this monitor too
                started.deadline = arm(t.isNegative() ? Duration.ZERO : t, () -> deadlinePassed(started, t));
            }
        });
        signalIfWaited();
        return started;
    }

    /**
     * Calls {@code run()} and does the bookkeeping of its return, whatever happens.
     *
     * @return whether the run had been declared stuck
     */
    private boolean invoke(Running started, boolean poolThread) {
        boolean interruptedBefore = !poolThread && Thread.currentThread().isInterrupted();
        VirtualMachineError fatal = null;
        boolean wasStuck = false;
        try {
            started.run.run();
        } catch (StackOverflowError e) {
            LOG.error("{} threw {}, which its contract does not allow; the thread goes on", started, e.toString(), e);
        } catch (VirtualMachineError e) {
            fatal = e; // out of memory and the like: the JVM's own handling comes after the bookkeeping
        } catch (RuntimeException | Error e) {
            LOG.error("{} threw {}, which its contract does not allow; the thread goes on", started, e.toString(), e);
        } finally {
            Thread.interrupted(); // a thread is handed to the next run only with its interrupt flag cleared
            if (interruptedBefore) {
                Thread.currentThread().interrupt(); // the caller's own interrupt is not ours to swallow
            }
            wasStuck = returned(started);
        }
        if (fatal != null) {
            throw fatal;
        }
        return wasStuck;
    }

    /**
     * A run's thread came back from {@code run()}.
     *
     * @return whether it had been declared stuck
     */
    private boolean returned(Running returned) {
        boolean mayBeStuck;
        synchronized (returned) { // excludes deadlinePassed and abandon: they see the return, or this sees them
            returned.returned = true;
            mayBeStuck = returned.timedOut || returned.abandoned;
            if (returned.watched) {
                returned.stopWatching();
            }
        }
        boolean wasStuck = false;
        if (mayBeStuck) { // only a run that timed out or was abandoned can have been declared stuck (under the lock)
            lock.lock();
            try {
                wasStuck = returned.stuck;
                if (wasStuck) {
                    stuck--;
                    if (returned.replaced) {
                        returned.pool.shrink();
                    }
                }
            } finally {
                lock.unlock();
            }
        }
        running.remove(returned);
        if (returned.pool != null) {
            returned.pool.active.decrementAndGet();
            logDispatchFailure(returned.pool, returned.pool.release(returned.owner, wasStuck));
        }
        signalIfWaited();
        if (wasStuck) {
            LOG.info("{} finally returned on thread {} after it was declared stuck{}", returned, returned.threadName,
                    returned.pool == null ? ""
                            : "; the thread is retired, never handed another run"
                            + (returned.replaced ? ", and its replacement thread stays in its place" : ""));
        }
        return wasStuck;
    }

    /** Logs that a pool's executor refused a run it was handed (the run stays queued), unless shutting down. */
    private void logDispatchFailure(Pool pool, Throwable failure) {
        if (failure != null && state == State.RUNNING) {
            LOG.error("The {} pool could not start a run: {}; it stays queued", pool.priority, failure.toString());
        }
    }

    // --- the deadline watch -----------------------------------------------------------------------------------

    /** The timer thread: {@code timeout} passed since the run entered {@code run()}. */
    private void deadlinePassed(Running late, Duration timeout) {
        Duration stuckAfter;
        synchronized (late) {
            late.deadline = null;
            if (late.returned || late.timedOut || late.abandoned || state == State.STOPPED) {
                return; // an abandoned run is stuck already: the core gave up on it, no timeout to report
            }
            late.timedOut = true;
            stuckAfter = settings.stuckAfter(); // the delay in force when it times out applies to it
        }
        LOG.debug("{} is still running on thread {} at its deadline ({})", late, late.threadName, timeout);
        callback(late.run, "timedOut", () -> late.run.timedOut(timeout));
        synchronized (late) {
            // armed only after timedOut returned: stuck always comes after it, whatever the timer's threads
            if (!late.returned && state != State.STOPPED) {
                late.stuckCheck = arm(stuckAfter, () -> stuckCheck(late));
            }
        }
    }

    /**
     * The core gave up waiting for a run it cancelled (its provider went away): if it is still inside {@code run()}
     * it is declared stuck now, as if it had timed out and ignored that, except that the core is not called back.
     * Its pool may get a replacement thread; its owner keeps counting it until it returns.
     */
    void abandon(ExecutableRun run) {
        Running late = running.stream().filter(r -> r.run == run).findFirst().orElse(null);
        if (late == null) {
            return; // returned meanwhile, or never started here
        }
        Boolean replaced = declareStuck(late, true);
        if (replaced == null) {
            return;
        }
        LOG.warn("{} ignored its cancellation (its task's provider went away) and still holds thread {}: declared "
                + "stuck; {}", late, late.threadName, late.pool == null ? "it runs on its caller's thread"
                : replaced ? "a replacement thread was added to its pool"
                : "no replacement thread: its pool already has as many extra threads as it is configured with");
    }

    /**
     * Declares a run stuck: it no longer counts against its pool (which may grow by one replacement thread, within
     * its bound) but keeps its owner's slot until its thread returns.
     *
     * @param abandoned the core gave up on it (its provider went away) rather than its stuck delay passing
     * @return whether a replacement thread was added; null if the run returned, was stuck already, or the pools
     *         stopped (nothing was declared)
     */
    private Boolean declareStuck(Running late, boolean abandoned) {
        lock.lock();
        try {
            synchronized (late) { // the lock, then a run's monitor: the one order in this class
                if (!abandoned) {
                    late.stuckCheck = null; // this is that check
                }
                if (late.returned || late.stuck || state == State.STOPPED) {
                    return null;
                }
                late.stuck = true;
                if (abandoned) {
                    late.abandoned = true;
                    late.stopWatching(); // its deadline and stuck check would only repeat this
                }
            }
            stuck++;
            if (late.pool != null) {
                late.pool.stuck(late.owner);
            }
            boolean replaced = late.pool != null && state == State.RUNNING && late.pool.grow();
            late.replaced = replaced;
            changed.signalAll();
            return replaced;
        } finally {
            lock.unlock();
        }
    }

    /** The timer thread: a timed-out run is still inside {@code run()} the stuck delay later. */
    private void stuckCheck(Running late) {
        Boolean replaced = declareStuck(late, false);
        if (replaced == null) {
            return;
        }
        LOG.warn("{} ignored its interruption and still holds thread {}: declared stuck; {}", late, late.threadName,
                late.pool == null ? "it runs on its caller's thread, which is not replaced"
                        : replaced ? "a replacement thread was added to its pool"
                        : "no replacement thread: its pool already has as many extra threads as it is configured with");
        callback(late.run, "stuck", () -> late.run.stuck(late.threadName, replaced));
    }

    /** Arms a timer action; may be called under the lock (see {@link Timer}: it never calls back holding its own). */
    private Timer.Cancellable arm(Duration delay, Runnable action) {
        try {
            return timer.schedule(delay, action);
        } catch (RejectedExecutionException closed) {
            LOG.warn("The deadline watch is closed: an action due in {} is dropped", delay);
            return () -> { };
        }
    }

    /** Calls a callback of a run: never under the lock, and what it throws changes nothing here. */
    private void callback(ExecutableRun run, String name, Runnable call) {
        assert !lock.isHeldByCurrentThread() : name + " called under the executor's lock";
        try {
            call.run();
        } catch (RuntimeException e) {
            LOG.error("{} of {} threw, which its contract does not allow; ignored", name, label(run), e);
        }
    }

    // --- configuration and stats ------------------------------------------------------------------------------

    /**
     * Applies new settings live: pools are resized (no queued or running run is lost or repeated; a smaller pool
     * shrinks as its threads finish their runs), a new share applies to the next dispatch (a smaller one stops
     * nothing that runs: the owner's queued runs wait until it is below it), a new stuck delay applies to runs that
     * time out afterwards, a new grace period to the next shutdown. Ignored once shutting down.
     */
    void reconfigure(ExecutionSettings newSettings) {
        Objects.requireNonNull(newSettings, "newSettings");
        lock.lock();
        try {
            if (state != State.RUNNING) {
                return;
            }
            settings = newSettings;
            pools.values().forEach(pool -> pool.configure(newSettings.threads(pool.priority),
                    newSettings.ownerSharePercent()));
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** @return the settings in force */
    ExecutionSettings settings() {
        lock.lock();
        try {
            return settings;
        } finally {
            lock.unlock();
        }
    }

    /**
     * @return per priority: configured size, active runs, queued runs, extra threads; stuck runs; and per pool each
     *         owner holding threads or with runs waiting
     */
    ExecutionStats stats() {
        lock.lock();
        try {
            List<SchedulerStats.Pool> result = new ArrayList<>();
            List<SchedulerStats.OwnerUsage> owners = new ArrayList<>();
            pools.values().forEach(pool -> {
                result.add(new SchedulerStats.Pool(pool.priority, pool.configured, pool.active.get(),
                        pool.queued.get(), pool.extraThreads()));
                owners.addAll(pool.usage());
            });
            return new ExecutionStats(result, stuck, owners);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Reports what is left of an owner that is gone (its bundle was uninstalled): its runs declared stuck still hold
     * their threads until the task code returns; each such thread is then retired, never reused. Logs a WARN if
     * there are any.
     *
     * @return the names of the threads its stuck runs hold, in the pools and on callers' threads
     */
    List<String> ownerGone(String owner) {
        List<String> threads;
        lock.lock();
        try {
            threads = running.stream().filter(r -> r.stuck && r.ownerName.equals(owner)).map(r -> r.threadName)
                    .sorted().toList();
        } finally {
            lock.unlock();
        }
        if (!threads.isEmpty()) {
            LOG.warn("{} is gone while {} of its runs are stuck on threads {}: they count against its share until "
                    + "the task code returns, then each thread is retired, never reused", owner, threads.size(),
                    threads);
        }
        return threads;
    }

    // --- shutdown ---------------------------------------------------------------------------------------------

    /**
     * Refuses new runs, hands back queued ones ({@code rejected}), waits up to the grace period for running ones,
     * cancels those still running ({@code cancel}) and waits up to {@value #AFTER_CANCEL_SECONDS} s more, then lets
     * the threads end. Returns when done; a second call waits for the first. Runs on the calling thread itself (a
     * task that stops the service) are not waited for: they cannot return while it waits.
     */
    void shutdown() {
        List<Accepted> handBack;
        Duration grace;
        lock.lock();
        try {
            if (state != State.RUNNING) {
                awaitStopped();
                return;
            }
            state = State.STOPPING;
            grace = settings.gracePeriod();
            for (Pool pool : pools.values()) {
                pool.executor.shutdown(); // refuses new runs; idle threads end now, the others when their run returns
                pool.close(); // its owners' queues take no more runs: a run queued from now on is refused
            }
            // every run the pools accepted is in the set by now (added before its owner's queue): each is handed
            // back here, or was taken by a thread (started), or refused; the compare-and-set decides
            handBack = new ArrayList<>();
            for (Accepted accepted : queued) {
                if (accepted.to(Accepted.Phase.HANDED_BACK)) {
                    handBack.add(accepted);
                    queued.remove(accepted);
                    accepted.pool.queued.decrementAndGet();
                }
            }
            for (Pool pool : pools.values()) {
                // dispatched but not started, now handed back: no thread will take them, so their owners' slots
                // are freed here (what a thread took meanwhile, it skips and frees itself)
                List<Accepted> skipped = new ArrayList<>();
                pool.executor.getQueue().removeIf(r -> !((Accepted) r).isQueued() && skipped.add((Accepted) r));
                skipped.forEach(a -> pool.release(a.owner, false));
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        for (Accepted accepted : handBack) {
            callback(accepted.run, "rejected", () -> accepted.run.rejected(STOPPING));
        }
        int runningAtStop = runningElsewhere().size();
        LOG.info("Execution service stopping: {} queued runs handed back; {} running, given up to {} s to finish",
                handBack.size(), runningAtStop, grace.toSeconds());
        if (!awaitRunningReturned(grace)) {
            List<Running> late = runningElsewhere();
            LOG.warn("Execution service stopping: the grace period passed; cancelling {} runs still running: {}",
                    late.size(), late);
            for (Running run : late) {
                callback(run.run, "cancel", () -> run.run.cancel(STOPPING));
            }
            if (!awaitRunningReturned(Duration.ofSeconds(AFTER_CANCEL_SECONDS))) {
                List<Running> left = runningElsewhere();
                LOG.warn("Execution service stopped with {} runs still holding their threads (they end when the "
                        + "task code returns): {}", left.size(), left);
            }
        }
        lock.lock();
        try {
            state = State.STOPPED;
            for (Running left : running) { // whoever is left was cancelled: no more watching
                synchronized (left) {
                    left.stopWatching();
                }
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        LOG.info("Execution service stopped");
    }

    /** Under the lock: waits until the shutdown in progress is done. */
    private void awaitStopped() {
        while (state != State.STOPPED) {
            try {
                changed.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** @return the runs inside {@code run()} on threads other than this one */
    private List<Running> runningElsewhere() {
        return running.stream().filter(r -> r.thread != Thread.currentThread()).toList();
    }

    /**
     * Waits until no run is inside {@code run()} on another thread, or {@code limit} passed on the timer (or the
     * waiting thread is interrupted).
     *
     * @return whether they all returned
     */
    private boolean awaitRunningReturned(Duration limit) {
        boolean[] expired = {limit.isZero()};
        Timer.Cancellable alarm = expired[0] ? () -> { } : arm(limit, () -> {
            lock.lock();
            try {
                expired[0] = true;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        });
        lock.lock();
        waiters.incrementAndGet(); // before the condition is read: a change after it signals
        try {
            long backstop = limit.plus(BACKSTOP).toNanos();
            while (!expired[0] && (!runningElsewhere().isEmpty() || starting.get() > 0)) {
                if (backstop <= 0) {
                    LOG.warn("The deadline watch did not end a wait of {} within {} more; waiting no longer", limit,
                            BACKSTOP);
                    break;
                }
                backstop = changed.awaitNanos(backstop);
            }
            return runningElsewhere().isEmpty() && starting.get() == 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return runningElsewhere().isEmpty();
        } finally {
            waiters.decrementAndGet();
            lock.unlock();
            alarm.cancel();
        }
    }

    // --- test seams -------------------------------------------------------------------------------------------

    /** @return whether the calling thread holds the lock (callbacks assert it does not) */
    boolean holdsLock() {
        return lock.isHeldByCurrentThread();
    }

    /** @return how many threads of the pool of {@code priority} are alive */
    int liveThreads(Priority priority) {
        lock.lock();
        try {
            return pools.get(priority).liveThreads;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits, on this class's own signals and not on time, until {@code condition} holds (it may call
     * {@link #stats()} or {@link #liveThreads}).
     *
     * @param patience real time to give up after (a failing test must not hang)
     * @return whether it holds
     */
    boolean awaitUntil(BooleanSupplier condition, Duration patience) throws InterruptedException {
        long left = patience.toNanos();
        lock.lock();
        waiters.incrementAndGet(); // before the condition is read: a change after it signals
        try {
            while (!condition.getAsBoolean()) {
                if (left <= 0) {
                    return false;
                }
                left = changed.awaitNanos(left);
            }
            return true;
        } finally {
            waiters.decrementAndGet();
            lock.unlock();
        }
    }

    /** Signals a change to whoever waits on {@link #changed}; costs a volatile read when nobody does. */
    private void signalIfWaited() {
        if (waiters.get() > 0) {
            lock.lock();
            try {
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    private static String label(ExecutableRun run) {
        return "run " + run.runId() + " of " + run.taskId();
    }

    // --- the pieces -------------------------------------------------------------------------------------------

    /**
     * One priority's pool: its executor, its counts and its owners' queues. {@code configured}, {@code replacements}
     * and {@code liveThreads} are guarded by the lock; the owners, the ready ring, {@code dispatched},
     * {@code capacity}, {@code share} and {@code closed} by {@link #dispatch}.
     */
    private final class Pool {
        final Priority priority;
        final ThreadPoolExecutor executor;
        private final String threadPrefix;
        private final AtomicInteger threadNumber = new AtomicInteger();
        int configured;
        /** Stuck runs that got a replacement thread and have not returned. */
        int replacements;
        /** Accepted and not started: in an owner's queue, or dispatched and not yet taken by a thread. */
        final AtomicInteger queued = new AtomicInteger();
        final AtomicInteger active = new AtomicInteger();
        int liveThreads; // guarded by lock

        /** Guards the dispatch state below; taken after the lock, never before it. */
        private final Object dispatch = new Object();
        /** Owners with runs queued or holding threads; an owner with neither is dropped. */
        private final Map<String, Owner> owners = new HashMap<>();
        /** Owners with queued runs that are under their share, in turn: the next run comes from the head. */
        private final ArrayDeque<Owner> ready = new ArrayDeque<>();
        /** Runs handed to the executor and not returned (stuck ones included): at most {@link #capacity}. */
        private int dispatched;
        /** The executor's size: configured plus extra threads. */
        private int capacity;
        /** The most threads one owner may hold. */
        private int share;
        /** Shutting down: owners' queues take no more runs. */
        private boolean closed;

        Pool(Priority priority, int configured, int sharePercent) {
            this.priority = priority;
            this.configured = configured;
            this.threadPrefix = "task-" + priority.name().toLowerCase(java.util.Locale.ROOT) + "-";
            this.executor = new ThreadPoolExecutor(configured, configured, 60, TimeUnit.SECONDS,
                    new LinkedBlockingQueue<>(), this::newThread);
            this.capacity = configured;
            this.share = ExecutionSettings.share(configured, sharePercent);
        }

        /**
         * @return the extra threads for stuck runs; capped at the configured size, which a smaller configuration can
         *         put below the replacements already handed out
         */
        int extraThreads() {
            return Math.min(replacements, configured);
        }

        /** Under the lock: a new size or share. */
        void configure(int threads, int sharePercent) {
            configured = threads;
            synchronized (dispatch) {
                share = ExecutionSettings.share(threads, sharePercent);
                requeueAll(); // owners a bigger share makes eligible again
            }
            resize();
        }

        /** @return whether the pool grew by one thread for a stuck run: it may, up to twice its configured size */
        boolean grow() {
            if (replacements >= configured) {
                return false;
            }
            replacements++;
            resize();
            return true;
        }

        /** A stuck run that got a replacement returned. */
        void shrink() {
            replacements--;
            if (state != State.STOPPED) {
                resize();
            }
        }

        /** Sets the executor's size, then dispatches what it makes room for; under the lock. */
        private void resize() {
            assert lock.isHeldByCurrentThread();
            int size = configured + extraThreads();
            // the order of the two calls keeps core ≤ maximum at every step
            if (size > executor.getMaximumPoolSize()) {
                executor.setMaximumPoolSize(size);
                executor.setCorePoolSize(size);
            } else {
                executor.setCorePoolSize(size);
                executor.setMaximumPoolSize(size);
            }
            Throwable failure;
            synchronized (dispatch) {
                capacity = size;
                failure = pump();
            }
            logDispatchFailure(this, failure);
        }

        /**
         * Puts an accepted run at the end of its owner's queue and dispatches what can start.
         *
         * @return what the executor threw when handed a run (that run is back at the head of its owner's queue), or
         *         a refusal if the pool is closed ({@code accepted} was not queued); null if all went well
         */
        Throwable enqueue(Accepted accepted) {
            synchronized (dispatch) {
                if (closed) {
                    return new RejectedExecutionException(STOPPING);
                }
                Owner owner = owners.computeIfAbsent(accepted.ownerName, Owner::new);
                accepted.owner = owner;
                owner.queue.add(accepted);
                requeue(owner);
                return pump();
            }
        }

        /**
         * Takes back a run that was never dispatched, after the executor refused a run.
         *
         * @return whether it had not been dispatched (it is in no queue now); false if a thread may run it
         */
        boolean withdraw(Accepted accepted) {
            synchronized (dispatch) {
                if (accepted.dispatched) {
                    return false;
                }
                Owner owner = accepted.owner;
                if (owner != null && owner.queue.remove(accepted)) {
                    if (owner.queue.isEmpty() && owner.ready) {
                        ready.remove(owner);
                        owner.ready = false;
                    }
                    forgetIfIdle(owner);
                }
                return true;
            }
        }

        /**
         * A dispatched run returned, or was skipped: its owner's slot and its thread are free; dispatches what can
         * start now.
         *
         * @param wasStuck whether it had been declared stuck ({@link #stuck})
         * @return what the executor threw when handed a run, or null
         */
        Throwable release(Owner owner, boolean wasStuck) {
            synchronized (dispatch) {
                owner.held--;
                dispatched--;
                if (wasStuck) {
                    owner.stuck--;
                }
                requeue(owner);
                forgetIfIdle(owner);
                return pump();
            }
        }

        /** A run of {@code owner} was declared stuck: it still holds its owner's slot. */
        void stuck(Owner owner) {
            synchronized (dispatch) {
                owner.stuck++;
            }
        }

        /** Shutting down: its owners' queues take no more runs and are emptied (the shutdown hands them back). */
        void close() {
            synchronized (dispatch) {
                closed = true;
                ready.clear();
                for (Owner owner : List.copyOf(owners.values())) {
                    owner.queue.clear();
                    owner.ready = false;
                    forgetIfIdle(owner);
                }
            }
        }

        /** @return each owner's use of this pool, by owner */
        List<SchedulerStats.OwnerUsage> usage() {
            synchronized (dispatch) {
                return owners.values().stream()
                        .map(o -> new SchedulerStats.OwnerUsage(o.name, priority, o.held, o.queue.size(), o.stuck,
                                share))
                        .sorted(Comparator.comparing(SchedulerStats.OwnerUsage::owner)).toList();
            }
        }

        /**
         * Hands the executor runs while it has a free thread: each from the next owner in turn that has runs
         * queued and is under its share. Under {@link #dispatch}; the executor only queues (and may start a
         * thread), it never runs task code on this thread.
         *
         * @return what the executor threw (the run is put back at the head of its owner's queue), or null
         */
        private Throwable pump() {
            assert Thread.holdsLock(dispatch);
            while (dispatched < capacity && state == State.RUNNING) {
                Owner owner = ready.poll();
                if (owner == null) {
                    return null;
                }
                owner.ready = false;
                if (owner.held >= share || owner.queue.isEmpty()) {
                    continue; // at its share since (a smaller share): back in turn when one of its runs returns
                }
                Accepted next = owner.queue.poll();
                owner.held++;
                dispatched++;
                next.dispatched = true;
                requeue(owner); // to the end of the ring: the other owners come first
                try {
                    executor.execute(next);
                } catch (RuntimeException | Error e) {
                    next.dispatched = false;
                    owner.held--;
                    dispatched--;
                    owner.queue.addFirst(next);
                    if (!owner.ready) {
                        ready.addFirst(owner);
                        owner.ready = true;
                    }
                    return e;
                }
            }
            return null;
        }

        /** Puts {@code owner} in the ring if it has runs queued, is under its share and is not in it. */
        private void requeue(Owner owner) {
            if (!owner.ready && !owner.queue.isEmpty() && owner.held < share) {
                ready.add(owner);
                owner.ready = true;
            }
        }

        private void requeueAll() {
            owners.values().stream().sorted(Comparator.comparing(o -> o.name)).forEach(this::requeue);
        }

        private void forgetIfIdle(Owner owner) {
            if (owner.held == 0 && owner.queue.isEmpty() && !owner.ready) {
                owners.remove(owner.name, owner);
            }
        }

        private Thread newThread(Runnable worker) {
            Thread thread = new Thread(() -> {
                threadStarted(this);
                try {
                    worker.run();
                } finally {
                    threadEnded(this);
                }
            }, threadPrefix + threadNumber.incrementAndGet());
            thread.setDaemon(true);
            if (priority == Priority.REALTIME) {
                thread.setPriority(Thread.MAX_PRIORITY);
            }
            thread.setUncaughtExceptionHandler((t, e) -> {
                if (e instanceof Retired) {
                    return; // a retired thread was logged when its stuck run returned
                }
                int since = threadEnds.ended();
                if (since >= 0) {
                    LOG.error("Thread {} ended by {}; its pool starts another{}", t.getName(), e.toString(),
                            since == 0 ? "" : " (" + since + " more pool thread(s) ended by a throwable since the "
                                    + "last such line; each run's failure is in its record)", e);
                }
            });
            return thread;
        }
    }

    private void threadStarted(Pool pool) {
        lock.lock();
        try {
            pool.liveThreads++;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void threadEnded(Pool pool) {
        lock.lock();
        try {
            pool.liveThreads--;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * One owner's use of one pool: its queued runs (FIFO) and the threads it holds. Guarded by the pool's dispatch
     * monitor.
     */
    private static final class Owner {
        final String name;
        final ArrayDeque<Accepted> queue = new ArrayDeque<>();
        /** Runs dispatched and not returned: starting, running or stuck. */
        int held;
        /** Of {@code held}, runs declared stuck. */
        int stuck;
        /** In its pool's ready ring. */
        boolean ready;

        Owner(String name) {
            this.name = name;
        }
    }

    /**
     * Ends a pool thread whose run had been declared stuck and has now returned: the thread is not handed another
     * run (the executor starts a fresh one). Thrown out of the pool's task, caught by no one but the thread's
     * handler, which ignores it.
     */
    private static final class Retired extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Retired(String thread) {
            super("thread " + thread + " retired after its stuck run returned", null, false, false);
        }
    }

    /** An accepted run, as it waits in its owner's queue and then, briefly, in its pool's executor. */
    private final class Accepted implements Runnable {
        enum Phase { QUEUED, STARTED, HANDED_BACK, REFUSED }

        final ExecutableRun run;
        final Pool pool;
        final Optional<Duration> timeout;
        final String ownerName;
        /** Its owner's entry in its pool; set when queued, guarded by the pool's dispatch monitor. */
        Owner owner;
        /** Handed to the pool's executor; guarded by the pool's dispatch monitor. */
        boolean dispatched;
        /** Leaves QUEUED once, by compare-and-set ({@link #to}). */
        private volatile Phase state = Phase.QUEUED;

        Accepted(ExecutableRun run, Pool pool, Optional<Duration> timeout, String ownerName) {
            this.run = run;
            this.pool = pool;
            this.timeout = Objects.requireNonNull(timeout, "timeout");
            this.ownerName = Objects.requireNonNull(ownerName, "owner");
        }

        /** @return whether this call moved it from QUEUED to {@code next}; only one ever does */
        boolean to(Phase next) {
            return STATE.compareAndSet(this, Phase.QUEUED, next);
        }

        boolean isQueued() {
            return state == Phase.QUEUED;
        }

        @Override
        public void run() {
            runQueued(this);
        }

        @Override
        public String toString() { // only for logs and errors: no string is built per run
            return label(run);
        }
    }

    /**
     * A run inside {@code run()}, with its deadline watch. {@code deadline}, {@code stuckCheck}, {@code returned},
     * {@code timedOut} and {@code abandoned} are guarded by its monitor ({@code returned} is also read without it);
     * {@code stuck} and {@code replaced} by the lock, and set under both.
     */
    private static final class Running {
        final ExecutableRun run;
        /** Null for {@link #executeHere}. */
        final Pool pool;
        /** The owner slot it holds in its pool; null for {@link #executeHere}. */
        final Owner owner;
        final String ownerName;
        final Thread thread;
        final String threadName;
        /** Has a deadline: only then is the monitor needed. */
        final boolean watched;
        Timer.Cancellable deadline;
        Timer.Cancellable stuckCheck;
        volatile boolean returned;
        boolean timedOut;
        /** The core gave up waiting for it after cancelling it ({@link #abandon}). */
        boolean abandoned;
        boolean stuck;
        boolean replaced;

        Running(ExecutableRun run, Pool pool, Owner owner, Thread thread, boolean watched) {
            this.run = run;
            this.pool = pool;
            this.owner = owner;
            this.ownerName = run.taskId().owner();
            this.thread = thread;
            this.threadName = thread.getName();
            this.watched = watched;
        }

        /**
         * Disarms its deadline and stuck check. Under its monitor (or the lock, at the end of a shutdown), so that
         * once a return is booked nothing of it is left on the timer; an action already firing finds the run
         * returned and does nothing.
         */
        void stopWatching() {
            if (deadline != null) {
                deadline.cancel();
                deadline = null;
            }
            if (stuckCheck != null) {
                stuckCheck.cancel();
                stuckCheck = null;
            }
        }

        @Override
        public String toString() {
            return label(run);
        }
    }
}
