package org.pluginscheduler.impl.core;

import java.time.Clock;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * What every part of the core shares, and nothing else: the clock, the one lock that guards the core's mutable
 * state (each piece of it owned by one part), the current settings, the control thread, the plugin-call threads,
 * whether the core is stopping, and the {@link FailureLog} that limits what failing runs write to the log. A part's
 * method that must run under the lock asserts {@link #locked()}; none calls a store, a provider or task code while
 * holding it.
 *
 * <p>The control thread runs the core's own work only (applying task lists that were read, records of runs
 * cancelled before they started, hand-overs): no plugin code ever runs on it, so a plugin that blocks cannot stop
 * registration, stuck-run handling or crash recovery. Work that calls plugin code goes elsewhere: providers'
 * {@code tasks()} to {@link ProviderReads}, failure handlers (a stuck run's outcome, abandoned runs' decisions) to
 * the plugin-call executor.
 */
final class CoreContext {

    final Clock clock;
    /** Guards the state of every part (registry, plans, launcher); held briefly, never around foreign code. */
    final Object lock = new Object();
    /** The core's own work that must not run on the timer or a worker thread; never plugin code. */
    private final Executor control;
    /** Work that calls plugin code (failure handlers) and must not run on the control thread. */
    private final Executor pluginCalls;
    private volatile Settings settings;
    private volatile boolean stopped;
    /** What runs' failures write to the log: a repeated failure once in full, then summaries. */
    final FailureLog failures;

    CoreContext(Clock clock, Executor control, Executor pluginCalls, Settings settings) {
        this.clock = clock;
        this.control = control;
        this.pluginCalls = pluginCalls;
        this.settings = settings;
        this.failures = new FailureLog(clock, FailureLog.slf4j());
    }

    /** @return whether this thread holds the lock: {@code assert ctx.locked()} in methods that need it */
    boolean locked() {
        return Thread.holdsLock(lock);
    }

    Settings settings() {
        return settings;
    }

    void settings(Settings newSettings) {
        settings = newSettings;
    }

    boolean stopped() {
        return stopped;
    }

    /** The core stops: also writes what the failure log has not told yet (from then on it writes every line). */
    void stop() {
        stopped = true;
        failures.close();
    }

    /**
     * Runs {@code work}, which must not call plugin code, on the control thread.
     *
     * @throws RejectedExecutionException once it has stopped
     */
    void control(Runnable work) {
        control.execute(work);
    }

    /** Runs {@code work}, which must not call plugin code, on the control thread, or here if that one has stopped. */
    void controlOrHere(Runnable work) {
        try {
            control.execute(work);
        } catch (RejectedExecutionException stopping) {
            work.run();
        }
    }

    /**
     * Runs {@code work} that may call plugin code (failure handlers: a stuck run's outcome) off the caller's thread
     * and never on the control thread: on a plugin-call thread, or here if those have stopped.
     */
    void offLock(Runnable work) {
        try {
            pluginCalls.execute(work);
        } catch (RejectedExecutionException stopping) {
            work.run();
        }
    }

    /**
     * Runs {@code work} that calls plugin code on a plugin-call thread, never on the control thread.
     *
     * @throws RejectedExecutionException once those have stopped
     */
    void pluginCall(Runnable work) {
        pluginCalls.execute(work);
    }
}
