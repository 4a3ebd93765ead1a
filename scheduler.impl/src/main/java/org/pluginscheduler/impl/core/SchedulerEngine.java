package org.pluginscheduler.impl.core;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.LongSupplier;

import org.pluginscheduler.api.DeadLetter;
import org.pluginscheduler.api.ProviderProblem;
import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.RunTrigger;
import org.pluginscheduler.api.Schedule;
import org.pluginscheduler.api.SchedulerObserver;
import org.pluginscheduler.api.SchedulerStats;
import org.pluginscheduler.api.TaskAction;
import org.pluginscheduler.api.TaskDefinition;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.TaskInfo;
import org.pluginscheduler.api.execution.RunExecutor;
import org.pluginscheduler.api.store.PendingRun;
import org.pluginscheduler.api.store.StoredTask;
import org.pluginscheduler.api.store.TaskStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scheduler core, independent of OSGi so it can be tested with a fake clock and a hand-driven executor. It wires
 * the parts, each of which owns one concern and its state, and is their one entry point for the OSGi components;
 * it holds no state of its own beyond them. The path of one scheduled run:
 * {@link TaskRegistry} (the task exists) → {@link Planner} (its next fire, armed on the {@link TaskTimer}) →
 * {@link Launcher} (overlap, locks, limits: the run is created) → the execution service ({@link RunExecutor}:
 * threads, deadlines) → {@link RunShell} (task code) → {@link Completion} (retry decision, dead letters, record, acknowledge) → the store, through the
 * {@link RunRecorder} and the {@link TaskStateWriter} of the {@link StoreBinding}. {@link TaskAdmin} serves the
 * {@code TaskScheduler} service; {@link AbandonedRuns} recovers runs cut off by a crash.
 *
 * <p><b>Threads.</b> Registration, admin commands and planning take the core lock briefly and never call task
 * code or a store under it. Each read of a provider's task list runs on a thread of its own
 * ({@link ProviderReads}) and is applied on the {@code control} thread, which never runs plugin code; failure
 * handlers deciding about stuck and abandoned runs run on the plugin-call threads. The timer thread only
 * plans (fires, retries, lock waits) and hands runs to the execution service. Task code runs on its threads, or
 * on the caller's thread for {@link #call}. Failure handlers run on the worker that ran the failed attempt. Run
 * records are written and acknowledged on the recorder thread, task states on the state-writer thread.
 * {@link SchedulerObserver}s get finished runs and timed store writes on a thread of their own each
 * ({@link ObserverHub}): the writers only queue for them, never wait.
 */
public final class SchedulerEngine {

    private static final Logger LOG = LoggerFactory.getLogger(SchedulerEngine.class);

    private final CoreContext ctx;
    private final TaskTimer timer;
    private final StoreBinding stores;
    private final TaskStateWriter states;
    private final Completion completion;
    private final RunShell shell;
    private final Launcher launcher;
    private final Planner planner;
    private final TaskRegistry registry;
    private final AdHocTasks adHoc;
    private final AbandonedRuns abandoned;
    private final TaskAdmin admin;
    private final ProviderReads reads;
    private final ObserverHub observers;
    private boolean recoveredInitialStore; // guarded by the core lock
    /** Held for the whole of a store switch. */
    private final Object storeSwitch = new Object();

    /** For tests: everything on the given executors, run records written at once on the caller's thread. */
    public SchedulerEngine(Clock clock, Executor control, RunExecutor executor, TaskStore store, Settings settings) {
        this(clock, new CoreThreads(control, control, control, control), executor, store, settings, false);
    }

    /**
     * @param control     the core's own work; provider reads and plugin calls run on it too, so a provider that
     *                    blocks holds it up: for tests only (the OSGi component separates them, see
     *                    {@link CoreThreads})
     * @param stateWriter writes task states; must run its tasks one at a time, in order
     * @param executor    the execution service, or null until one is bound ({@link #executor(RunExecutor)})
     */
    public SchedulerEngine(Clock clock, Executor control, Executor stateWriter, RunExecutor executor, TaskStore store,
                    Settings settings) {
        this(clock, new CoreThreads(control, control, control, stateWriter), executor, store, settings, true);
    }

    /**
     * @param threads  what the core's work runs on: the control thread, provider reads, plugin calls, state writes
     * @param executor the execution service, or null until one is bound ({@link #executor(RunExecutor)})
     */
    public SchedulerEngine(Clock clock, CoreThreads threads, RunExecutor executor, TaskStore store, Settings settings) {
        this(clock, threads, executor, store, settings, true);
    }

    /** @param recorderThread false (tests): run records are written at once on the caller's thread */
    SchedulerEngine(Clock clock, CoreThreads threads, RunExecutor executor, TaskStore store, Settings settings,
                    boolean recorderThread) {
        this(clock, threads, executor, store, settings, recorderThread, System::nanoTime);
    }

    /** @param ticker nanoseconds, for timing store writes (tests pass one they move by hand) */
    SchedulerEngine(Clock clock, CoreThreads threads, RunExecutor executor, TaskStore store, Settings settings,
                    boolean recorderThread, LongSupplier ticker) {
        this.ctx = new CoreContext(clock, threads.control(), threads.pluginCalls(), settings);
        this.timer = new TaskTimer(clock);
        this.observers = new ObserverHub(ticker);
        this.stores = new StoreBinding(store, recorderThread, observers);
        this.states = new TaskStateWriter(ctx, threads.stateWriter(), stores);
        RunStats stats = new RunStats(clock.instant());
        TaskRegistry[] registryRef = new TaskRegistry[1]; // completion saves through the registry, built below
        this.completion = new Completion(ctx, stores, stats, slot -> registryRef[0].saveAfterRun(slot));
        this.shell = new RunShell(ctx, completion);
        this.launcher = new Launcher(ctx, timer, executor, completion, shell, stores, new PendingWork(ctx));
        this.completion.followups(launcher);
        this.planner = new Planner(ctx, timer, launcher);
        this.registry = new TaskRegistry(ctx, planner, launcher, states);
        launcher.registered(registry::slot);
        registryRef[0] = registry;
        this.adHoc = new AdHocTasks(ctx, registry, states);
        this.abandoned = new AbandonedRuns(ctx, timer, registry, launcher, completion, stores);
        this.admin = new TaskAdmin(ctx, registry, adHoc, planner, launcher, completion, stores, states);
        this.reads = new ProviderReads(ctx, timer, threads.providerReads(), (handle, definitions) -> {
            registry.applyRead(handle, definitions).forEach(launcher::dispatch);
            abandoned.decideSoon();
        });
        List<StoredTask> known = loadTasks(store);
        List<PendingRun> pending = loadPending(store);
        synchronized (ctx.lock) {
            registry.seed(known);
            adoptPending(pending, false, Set.of());
        }
    }

    private static List<PendingRun> loadPending(TaskStore store) {
        try {
            return store.pendingRuns();
        } catch (RuntimeException e) {
            LOG.error("Could not read the accepted runs the task store holds; they run after the next start that "
                    + "can read them: {}", e.getMessage(), e);
            return List.of();
        }
    }

    /**
     * Takes in the accepted runs a store holds: decisions about abandoned runs go to crash recovery, the rest wait
     * for their tasks; with {@code registeredToo} (a store switch), those of registered tasks that this process
     * does not hold (neither in memory nor in the old store, {@code ours}) run now. Under the lock.
     */
    private List<Execution> adoptPending(List<PendingRun> pending, boolean registeredToo, Set<String> ours) {
        List<PendingRun> decisions = pending.stream().filter(PendingWork::isDecision).toList();
        List<PendingRun> runs = pending.stream().filter(p -> !PendingWork.isDecision(p)).toList();
        abandoned.adopt(decisions);
        if (!registeredToo) {
            launcher.pendingWork.seed(runs, id -> registry.slot(id) != null);
            return List.of();
        }
        launcher.pendingWork.replaceBy(runs, id -> registry.slot(id) != null);
        List<Execution> toDispatch = new ArrayList<>();
        Set<String> known = launcher.knownRunIds(registry.slots());
        known.addAll(ours); // this process's own work, copied from the old store: it holds it already
        Map<TaskId, List<PendingRun>> byTask = new java.util.HashMap<>();
        for (PendingRun p : runs) {
            if (registry.slot(p.taskId()) != null && !known.contains(p.runId())) {
                byTask.computeIfAbsent(p.taskId(), k -> new ArrayList<>()).add(p);
            }
        }
        byTask.forEach((id, list) -> launcher.restore(registry.slot(id), list, toDispatch));
        return toDispatch;
    }

    private static List<StoredTask> loadTasks(TaskStore store) {
        try {
            return store.loadTasks();
        } catch (RuntimeException e) {
            LOG.error("Could not read the tasks the task store holds; their state is not known: {}", e.getMessage(),
                    e);
            return List.of();
        }
    }

    public TaskTimer timer() {
        return timer;
    }

    /**
     * Fires every timer entry due at the clock's current instant (fires, retries, lock waits) on the calling thread.
     * For a hand-moved clock: the test kit drives the core with it; a running timer thread calls the same.
     *
     * @return when the next entry is due, if any
     */
    public Optional<Instant> runDue() {
        return timer.runDue();
    }

    public Clock clock() {
        return ctx.clock;
    }

    // --- providers -------------------------------------------------------------------------------------------

    /** Registers a provider's tasks asynchronously; never blocks, never throws. */
    public void providerAdded(ProviderHandle handle) {
        readLater(handle);
    }

    /** Re-reads a provider's task list asynchronously and applies the difference. */
    public void providerModified(ProviderHandle handle) {
        readLater(handle);
    }

    /** The provider's {@code tasks()} runs on a thread where only it waits; see {@link ProviderReads}. */
    private void readLater(ProviderHandle handle) {
        try {
            reads.request(handle);
        } catch (RejectedExecutionException e) {
            LOG.warn("Scheduler is stopping; tasks of {} are not registered", handle);
        }
    }

    /** See {@link TaskRegistry#providerRemoved}: blocks up to the grace period. */
    public void providerRemoved(ProviderHandle handle) {
        reads.removed(handle);
        registry.providerRemoved(handle).forEach(launcher::dispatch);
    }

    // --- configuration, failure handlers, ad-hoc tasks ----------------------------------------------------------

    /** Sets (or with empty, removes) the override of one configuration; affected tasks are re-registered. */
    public void override(String pid, Optional<TaskOverride> override) {
        List<Execution> toDispatch = new ArrayList<>();
        synchronized (ctx.lock) {
            registry.override(pid, override, toDispatch);
        }
        toDispatch.forEach(launcher::dispatch);
    }

    /** Replaces the failure handlers; they are consulted highest ranking first (then lowest service id). */
    public void handlers(List<RetryDecider.Ranked> newHandlers) {
        completion.handlers(newHandlers);
    }

    public TaskId addTask(long bundleId, String owner, String ownerLabel, TaskDefinition definition, TaskAction action,
                   boolean replace) {
        List<Execution> toDispatch = new ArrayList<>();
        TaskId id = adHoc.addTask(bundleId, owner, ownerLabel, definition, action, replace, toDispatch);
        toDispatch.forEach(launcher::dispatch);
        return id;
    }

    public boolean removeTask(TaskId id) {
        return admin.removeTask(id);
    }

    /** Stops one ad-hoc task (or job) without deleting its state: it becomes dormant. */
    public void retireAdHoc(TaskId id) {
        adHoc.retireAdHoc(id);
    }

    /** The bundle's service instance was released: its ad-hoc tasks go, like a departing provider's. */
    public void releaseAdHoc(long bundleId) {
        ProviderHandle handle = adHoc.releaseAdHoc(bundleId);
        if (handle != null) {
            providerRemoved(handle);
        }
    }

    // --- administration (TaskScheduler) ------------------------------------------------------------------------

    public List<TaskInfo> tasks() {
        return admin.tasks();
    }

    public Optional<TaskInfo> task(TaskId id) {
        return admin.task(id);
    }

    public TaskId resolve(String text) {
        return admin.resolve(text);
    }

    public List<RunRecord> runs(TaskId id, int limit) {
        return admin.runs(id, limit);
    }

    public Optional<RunRecord> run(String runId) {
        return admin.run(runId);
    }

    /** A manual trigger (overlap policy applies) or a replay/submission now (waits for the task's lock). */
    public String trigger(TaskId id, RunTrigger trigger, Map<String, String> arguments) {
        return admin.trigger(id, trigger, arguments, Set.of());
    }

    public RunRecord call(TaskId id, Map<String, String> arguments) {
        return admin.call(id, arguments, Set.of());
    }

    /** Runs now on the caller's thread, holding {@code lockKeys} as well as the task's own. */
    public RunRecord call(TaskId id, Map<String, String> arguments, Set<String> lockKeys) {
        return admin.call(id, arguments, lockKeys);
    }

    public String submit(TaskId id, Map<String, String> arguments, Optional<Instant> at, Set<String> lockKeys) {
        return admin.submit(id, arguments, at, lockKeys);
    }

    public void setEnabled(TaskId id, boolean enabled) {
        admin.setEnabled(id, enabled);
    }

    public void setPaused(TaskId id, boolean paused) {
        admin.setPaused(id, paused);
    }

    public void reschedule(TaskId id, Optional<Schedule> schedule) {
        admin.reschedule(id, schedule);
    }

    public void pauseAll(boolean paused) {
        admin.pauseAll(paused);
    }

    public boolean isPausedAll() {
        return admin.isPausedAll();
    }

    public List<ZonedDateTime> preview(Schedule schedule, Instant from, int count) {
        return admin.preview(schedule, from, count);
    }

    public String describe(Schedule schedule) {
        return admin.describe(schedule);
    }

    public SchedulerStats stats() {
        SchedulerStats s = admin.stats();
        List<ProviderProblem> problems = reads.problems();
        return problems.isEmpty() ? s : new SchedulerStats(s.since(), s.runsByStatus(), s.lag(), s.pools(),
                s.stuckRuns(), s.pendingRetries(), s.heldLocks(), s.paused(), s.executing(), s.heldRuns(), s.history(),
                s.owners(), problems);
    }

    /** @return the providers whose task list could not be read in time (see {@link ProviderReads}), oldest first */
    public List<ProviderProblem> providerProblems() {
        return reads.problems();
    }

    public List<ZonedDateTime> nextFires(TaskId id, int count) {
        return admin.nextFires(id, count);
    }

    public List<DeadLetter> deadLetters() {
        return admin.deadLetters();
    }

    public String replayDeadLetter(String runId) {
        return admin.replayDeadLetter(runId);
    }

    public int purgeDeadLetters(Optional<TaskId> taskId) {
        return admin.purgeDeadLetters(taskId);
    }

    public int purgeHistory(Duration olderThan) {
        return admin.purgeHistory(olderThan);
    }

    /**
     * Registers an observer of every finished run and every store write; see {@link ObserverHub}. Closing the
     * registration removes it; {@link #stop()} closes them all.
     *
     * @throws IllegalStateException once the engine is stopped
     */
    public ObserverHub.Registration observe(SchedulerObserver observer) {
        return observers.observe(observer);
    }

    // --- lifecycle, settings, stores, execution ------------------------------------------------------------------

    /**
     * Binds the execution service, or with null unbinds it: from then on fires are held (scheduled fires as
     * misfires, every other run as a held run) until one is bound again, when held runs are handed over and
     * missed fires follow each task's misfire policy. Not under the lock; never blocks on runs.
     */
    public void executor(RunExecutor executor) {
        if (executor == null) {
            launcher.executor(null);
            LOG.warn("No execution service: fires are held until one is available");
            return;
        }
        launcher.executor(executor);
        List<Execution> toDispatch = new ArrayList<>();
        synchronized (ctx.lock) {
            if (!planner.pausedAll()) {
                registry.catchUpDowntime(toDispatch);
            }
        }
        toDispatch.forEach(launcher::dispatch);
    }

    /**
     * Applies new settings: schedules without their own zone are re-planned if the default zone changed, and
     * per-tenant tasks gain or lose instances when the tenant list changed.
     */
    public void settings(Settings newSettings) {
        List<Execution> toDispatch = new ArrayList<>();
        synchronized (ctx.lock) {
            Settings old = ctx.settings();
            ctx.settings(newSettings);
            if (!old.groups().equals(newSettings.groups())) {
                launcher.groups(newSettings.groups());
            }
            if (!old.defaultZone().equals(newSettings.defaultZone())) {
                planner.zoneChanged(registry.slots());
            }
            if (!old.tenants().equals(newSettings.tenants())) {
                LOG.info("Tenants changed from {} to {}", old.tenants(), newSettings.tenants());
                registry.tenantsChanged(toDispatch);
            }
        }
        toDispatch.forEach(launcher::dispatch);
    }

    public Settings settings() {
        return ctx.settings();
    }

    /**
     * A different store won (a persistent store arriving, or leaving so the in-memory one is back). Task states
     * marked for the old store are written to it first; the switch copies what was recorded in the old store
     * meanwhile (see {@link StoreBinding#switchTo}); the registry adopts what the new store knows (see
     * {@link TaskRegistry#adoptStore}). The first time a store is seen, runs it still holds as RUNNING are
     * recovered as ABANDONED and fires missed while the runtime was down follow the misfire policy. No store call
     * is made under the core lock.
     */
    public void store(TaskStore newStore) {
        synchronized (storeSwitch) { // one switch at a time, start to end (stores bound on different threads)
            switchStore(newStore);
        }
    }

    private void switchStore(TaskStore newStore) {
        if (stores.store() == newStore) {
            return;
        }
        // a store that leaves is still open while it is unbound: what it does not get now it would only get back
        // if it came back
        try {
            states.flushAndWait();
        } catch (IllegalStateException e) {
            LOG.error("Switching task stores: the previous store did not confirm the last task states ({}); they are "
                    + "written to the new one", e.getMessage());
        }
        List<TaskId> registered;
        synchronized (ctx.lock) {
            registered = registry.slots().stream().map(s -> s.id).toList();
        }
        StoreBinding.Switch done = stores.switchTo(newStore, registered);
        if (done == null) {
            return;
        }
        List<StoredTask> held = loadTasks(newStore);
        List<Execution> toDispatch = new ArrayList<>();
        synchronized (ctx.lock) {
            registry.adoptStore(held, done.firstSight());
        }
        if (done.firstSight()) {
            // before the pending runs are adopted: a run the previous process left RUNNING is recorded ABANDONED
            // (which ends its pending run) and decided, not restored and run again as if it had never started
            abandoned.recover(newStore);
        }
        List<PendingRun> pending = loadPending(newStore);
        synchronized (ctx.lock) {
            toDispatch.addAll(adoptPending(pending, true, done.oldPending()));
        }
        synchronized (ctx.lock) {
            if (!planner.pausedAll()) {
                registry.catchUpDowntime(toDispatch);
            }
        }
        toDispatch.forEach(launcher::dispatch);
        abandoned.decideSoon();
    }

    /** Recovers what the initial store holds from a previous process, then starts the timer thread. */
    public void start() {
        recover();
        timer.start("task-scheduler-timer");
    }

    /** Crash recovery against the initial store (tests call it directly instead of {@link #start()}). */
    public void recover() {
        boolean first;
        synchronized (ctx.lock) {
            first = !recoveredInitialStore;
            recoveredInitialStore = true;
        }
        if (first) {
            abandoned.recover(stores.store());
        }
        abandoned.decideSoon();
    }

    /**
     * The first half of {@link #stop()}, for a framework shutdown while every provider is still there (called
     * when the system bundle starts stopping, before any other bundle stops): no more fires and no new run
     * starts; runs already running may finish within the grace period; what is still running then is cancelled
     * (interrupted) and briefly awaited. Runs that have not started (held for an execution service, waiting for a
     * lock or a group permit, queued) stay as they are: nothing is recorded for them here. Blocks up to the grace
     * period plus a second; {@link #stop()} and departing providers then find nothing running. Calling it again,
     * or {@link #stop()} after it, is harmless.
     */
    public void quiesce() {
        List<Execution> running = new ArrayList<>();
        synchronized (ctx.lock) {
            ctx.stop();
            planner.stop(registry.slots());
            launcher.stop(registry.slots());
            registry.slots().forEach(s -> running.addAll(s.running()));
        }
        reads.stop();
        timer.stop();
        List<Execution> started = running.stream().filter(Execution::hasStarted).toList();
        if (started.isEmpty()) {
            return;
        }
        Duration grace = ctx.settings().gracePeriod();
        LOG.info("Framework stopping: no more fires; {} running run(s) get up to {} to finish: {}", started.size(),
                grace, started);
        List<Execution> late = Execution.awaitAll(started, grace, "");
        if (!late.isEmpty()) {
            LOG.warn("Framework stopping: {} run(s) still going after the grace period of {}; cancelling them: {}",
                    late.size(), grace, late);
            late.forEach(e -> e.cancel("the scheduler is stopping"));
            Execution.awaitAll(late, Duration.ofSeconds(1), "the scheduler is stopping");
        }
    }

    /**
     * Stops gracefully: no more fires; running work may finish within the grace period; what is still running
     * then is cancelled (interrupted) and briefly awaited. No provider is called afterwards.
     */
    public void stop() {
        List<Execution> running = new ArrayList<>();
        List<ProviderHandle> handles;
        synchronized (ctx.lock) {
            ctx.stop();
            planner.stop(registry.slots());
            launcher.stop(registry.slots());
            registry.slots().forEach(s -> running.addAll(s.running()));
            handles = registry.handles();
        }
        reads.stop();
        timer.stop();
        Duration grace = ctx.settings().gracePeriod();
        List<Execution> late = Execution.awaitAll(running.stream().filter(Execution::hasStarted).toList(), grace, "");
        handles.forEach(ProviderHandle::close);
        List<Execution> held;
        synchronized (ctx.lock) {
            held = launcher.takeHeld();
        }
        if (!held.isEmpty()) { // accepted, never started: they stay stored and run after the next start
            LOG.warn("Stopping: {} run(s) held for an execution service stay accepted for the next start: {}",
                    held.size(), held);
            held.forEach(e -> completion.finishUnstarted(e, "the scheduler stopped while no execution service was "
                    + "available"));
        }
        // next fires and last runs, so the next start knows what was missed while down; through the writer, so an
        // older batch can never commit after this one
        states.flushAndWait();
        stores.close();
        if (!late.isEmpty()) {
            LOG.warn("Stopping: {} run(s) still going after the grace period of {}; cancelling them: {}", late.size(),
                    grace, late);
            late.forEach(e -> e.cancel("the scheduler is stopping"));
            Execution.awaitAll(late, Duration.ofSeconds(1), "the scheduler is stopping");
        }
        observers.close(); // no observer thread outlives the engine; what is still queued for them is dropped
    }

    public static String digest(TaskDefinition d) {
        return TaskDefinitions.digest(d);
    }
}
