package org.pluginscheduler.testkit;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

import org.pluginscheduler.api.DeadLetter;
import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.ScheduledTaskProvider;
import org.pluginscheduler.api.TaskAction;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.TaskInfo;
import org.pluginscheduler.api.TaskSchedule;
import org.pluginscheduler.api.TaskScheduler;
import org.pluginscheduler.api.execution.ExecutableRun;
import org.pluginscheduler.api.execution.ExecutionStats;
import org.pluginscheduler.api.execution.RunExecutor;
import org.pluginscheduler.impl.core.ProviderHandle;
import org.pluginscheduler.impl.core.SchedulerEngine;
import org.pluginscheduler.impl.core.Settings;
import org.pluginscheduler.impl.core.TaskServices;
import org.pluginscheduler.impl.store.InMemoryTaskStore;

/**
 * Runs a plugin's tasks in the test's JVM, on the test's thread, against a clock the test moves: the real scheduler
 * core (schedules, misfires, retries, overlap, locks, validation) with its in-memory store, without an OSGi
 * framework and without sleeping.
 *
 * <pre>
 * try (TaskHarness harness = TaskHarness.at(Instant.parse("2026-06-01T00:00:00Z")).task(new NightlyCleanup())) {
 *     harness.advance(Duration.ofDays(2));
 *     assertEquals(2, harness.runs("NightlyCleanup").size());
 * }
 * </pre>
 *
 * <p><b>Tasks.</b> {@link #provider} registers a {@link ScheduledTaskProvider}; {@link #task(Object)} a task service
 * (a {@link Runnable} or {@link TaskAction} whose class carries {@link TaskSchedule}), whose properties are read
 * from the annotation as Declarative Services (bnd) writes them, plus {@code component.name} = the class name (the
 * DS default; a component with another {@code name} must give {@code scheduler.id} or {@code component.name} in a
 * configuration). {@link #task(Object, Map)} lays a Config Admin configuration over those values and
 * {@link #configure} replaces it later, as a new configuration does at run time. Tasks belong to the owner set
 * with {@link #owner} when they are added (default {@value TestExecution#DEFAULT_OWNER}); wherever a task id is
 * taken, a bare id ({@code cleanup}) or a qualified one ({@code test.plugin:cleanup}) works.
 *
 * <p><b>Time.</b> The clock moves only in {@link #advance}/{@link #advanceTo}, which walk the window fire by fire:
 * the clock is set to each instant at which something is due (a fire, a retry, a run waiting for a lock, a
 * submission), that work runs on the calling thread, and so on until the end of the window. Task code therefore
 * sees {@link org.pluginscheduler.api.TaskExecution#startTime()} equal to its due time, and a run takes no time
 * on the clock unless the task's own code moves it: code that calls {@link #advance} inside a run (a "slow"
 * run) is how a test makes runs overlap, hit their timeout or wait for a lock. Adding, configuring and removing
 * tasks registers them at once (their state and next fires can be asserted right away) but runs nothing: a fire
 * due at the current instant (an interval's first) runs in the next {@code advance}, {@code advance(Duration.ZERO)}
 * included. Trigger, submit, call and the other {@link #scheduler()} operations do run what they make due now
 * before they return.
 *
 * <p><b>Limits.</b> A timeout cannot stop code running on the test's own thread: when the clock passes a run's
 * deadline (only possible if the task code advances the clock itself) the core records the timeout as in
 * production, {@link org.pluginscheduler.api.TaskExecution#isCancelled()} answers true and the test thread's
 * interrupt flag is set until the run returns (it is cleared then); a run that never returns hangs the test.
 * There are no worker pools: priorities and pool sizes have no effect, runs never execute in parallel, and stuck
 * runs are not detected. Group limits, tenants other than those given to {@link #tenants}, persistent stores,
 * Config Admin jobs and failure handler services are not part of the harness. Not thread-safe: drive it from one
 * thread.
 */
public final class TaskHarness implements AutoCloseable {

    private final HarnessClock clock;
    private final RunQueue runQueue;
    private final SchedulerEngine engine;
    private final HarnessScheduler scheduler;
    private final Map<Object, Registered> registered = new IdentityHashMap<>();
    private String owner = TestExecution.DEFAULT_OWNER;
    private long nextBundleId = 1;
    private boolean closed;

    private TaskHarness(Instant start) {
        this.clock = new HarnessClock(start);
        this.runQueue = new RunQueue(clock);
        this.engine = new SchedulerEngine(clock, Runnable::run, runQueue, new InMemoryTaskStore(10_000),
                Settings.defaults(ZoneOffset.UTC, Duration.ofSeconds(1)));
        this.scheduler = new HarnessScheduler(this);
    }

    /**
     * @param start the clock's first instant
     * @return a harness with no task, the default zone UTC and the owner {@value TestExecution#DEFAULT_OWNER}
     */
    public static TaskHarness at(Instant start) {
        return new TaskHarness(Objects.requireNonNull(start, "start"));
    }

    /**
     * Sets the zone of schedules that name none (the runtime's {@code default.zone}); tasks already registered are
     * re-planned.
     *
     * @return this harness
     */
    public TaskHarness zone(ZoneId zone) {
        Objects.requireNonNull(zone, "zone");
        Settings s = engine.settings();
        engine.settings(new Settings(zone, s.gracePeriod(), s.lockRetryDelay(), s.defaultMisfire(), s.tenants(),
                s.groups(), s.recoveryDelay(), s.providerReadTimeout()));
        clock.zone = zone;
        return this;
    }

    /**
     * Sets the tenants that per-tenant tasks are instantiated for (the runtime's {@code tenants}).
     *
     * @return this harness
     */
    public TaskHarness tenants(String... tenants) {
        Settings s = engine.settings();
        engine.settings(new Settings(s.defaultZone(), s.gracePeriod(), s.lockRetryDelay(), s.defaultMisfire(),
                List.of(tenants), s.groups(), s.recoveryDelay(), s.providerReadTimeout()));
        return this;
    }

    /**
     * Sets the owner (the bundle symbolic name) of the providers and task services added from now on.
     *
     * @return this harness
     */
    public TaskHarness owner(String owner) {
        this.owner = Objects.requireNonNull(owner, "owner");
        return this;
    }

    /**
     * Registers a provider, as if its service appeared: its tasks are read and validated at once (an invalid
     * definition is listed INVALID with its problem, see {@link #tasks()}); nothing runs before the next
     * {@link #advance}.
     *
     * @return this harness
     */
    public TaskHarness provider(ScheduledTaskProvider provider) {
        Objects.requireNonNull(provider, "provider");
        add(provider, provider, "provider " + provider.getClass().getName(), null);
        return this;
    }

    /**
     * Registers a task service with the properties its class's {@link TaskSchedule} gives it.
     *
     * @param service a {@link Runnable} or a {@link TaskAction} whose class carries {@code @TaskSchedule}
     * @throws IllegalArgumentException if it is neither, or its class has no {@code @TaskSchedule}
     *
     * @return this harness
     */
    public TaskHarness task(Object service) {
        return task(service, Map.of());
    }

    /**
     * Registers a task service whose component has a configuration: {@code configuration} is laid over the
     * annotation's values, as Declarative Services does with a Config Admin configuration. If the class carries no
     * {@code @TaskSchedule}, the configuration alone gives the properties (it then needs
     * {@value TaskSchedule#SCHEDULE_PROPERTY}, and {@code scheduler.id} or {@code component.name}).
     *
     * @param service       a {@link Runnable} or a {@link TaskAction}
     * @param configuration property name to value, e.g. {@code scheduler.task.schedule} → {@code every:PT1H}
     *
     * @return this harness
     */
    public TaskHarness task(Object service, Map<String, ?> configuration) {
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(configuration, "configuration");
        if (!(service instanceof Runnable) && !(service instanceof TaskAction)) {
            throw new IllegalArgumentException("a task service is a Runnable or a TaskAction, not "
                    + service.getClass().getName());
        }
        AtomicReference<Map<String, ?>> properties = new AtomicReference<>(properties(service, configuration));
        TaskServices.Adapter adapter = new TaskServices.Adapter(properties::get, service);
        add(service, adapter, "task service " + service.getClass().getName(), properties);
        return this;
    }

    /**
     * Replaces the configuration of a task service added with {@link #task}: its properties become the
     * annotation's values with {@code configuration} laid over them, and the task is re-read like a modified
     * service (a changed schedule is re-planned; an unchanged one keeps its next fire).
     *
     * @throws IllegalArgumentException if {@code service} was not added as a task service
     *
     * @return this harness
     */
    public TaskHarness configure(Object service, Map<String, ?> configuration) {
        Registered r = registered.get(service);
        if (r == null || r.properties == null) {
            throw new IllegalArgumentException("not a task service of this harness: " + service);
        }
        r.properties.set(properties(service, configuration));
        engine.providerModified(r.handle);
        return this;
    }

    /**
     * Removes a provider or task service, as if its service went away: its tasks become dormant and are no longer
     * listed as active.
     *
     * @return this harness
     */
    public TaskHarness remove(Object providerOrService) {
        Registered r = registered.remove(providerOrService);
        if (r == null) {
            throw new IllegalArgumentException("not registered with this harness: " + providerOrService);
        }
        engine.providerRemoved(r.handle);
        return this;
    }

    /**
     * Moves the clock forward by {@code duration}, running everything that falls due on the way, in time order.
     *
     * @return the runs that ended in the window (skipped fires, failed and retried attempts included), in the
     *         order they ended (a skipped fire at its scheduled time); runs that end inside a nested advance
     *         (task code moving the clock) are returned by it and by the enclosing one
     */
    public List<RunRecord> advance(Duration duration) {
        if (duration.isNegative()) {
            throw new IllegalArgumentException("duration must not be negative: " + duration);
        }
        return advanceTo(clock.instant().plus(duration));
    }

    /**
     * Moves the clock forward to {@code target}, running everything that falls due on the way, in time order. If
     * task code advanced the clock beyond {@code target} meanwhile, the clock stays where that left it.
     *
     * @return the runs that ended in the window, in the order they ended
     * @throws IllegalArgumentException if {@code target} is before {@link #now()}
     */
    public List<RunRecord> advanceTo(Instant target) {
        open();
        if (target.isBefore(clock.instant())) {
            throw new IllegalArgumentException("the clock cannot go back: " + target + " is before " + now());
        }
        Set<String> before = runIds();
        Optional<Instant> next = settle();
        while (next.isPresent() && !next.get().isAfter(target)) {
            if (next.get().isAfter(clock.instant())) {
                clock.now = next.get();
            }
            next = settle();
        }
        if (target.isAfter(clock.instant())) { // a run's own advance may have gone past the window already
            clock.now = target;
        }
        settle();
        return finishedSince(before);
    }

    /** @return the clock's current instant */
    public Instant now() {
        return clock.instant();
    }

    /** @return the clock (its zone is the harness's zone); pass it to code under test that needs the time */
    public Clock clock() {
        return clock;
    }

    /** @return the task's runs, newest first, as {@link TaskScheduler#runs} lists them */
    public List<RunRecord> runs(String taskId) {
        return engine.runs(id(taskId), Integer.MAX_VALUE);
    }

    /** @return the task's next {@code count} fires from now, in the task's zone */
    public List<ZonedDateTime> nextFires(String taskId, int count) {
        return engine.nextFires(id(taskId), count);
    }

    /**
     * @return the task as {@code task:list} shows it: state (e.g. INVALID), problem, definition, next fire, last
     *         status
     * @throws org.pluginscheduler.api.NoSuchTaskException if there is no such task
     */
    public TaskInfo taskInfo(String taskId) {
        return engine.task(id(taskId)).orElseThrow();
    }

    /** @return every task, active or not */
    public List<TaskInfo> tasks() {
        return engine.tasks();
    }

    /** @return runs that exhausted their retries, for dead-letter eligible tasks */
    public List<DeadLetter> deadLetters() {
        return engine.deadLetters();
    }

    /**
     * @return a {@link TaskScheduler} acting on this harness's tasks with an administrator's scope (trigger,
     *         submit, call, enable, disable, pause, reschedule, ...); what an operation makes due now runs before
     *         it returns, later submissions when the clock reaches them
     */
    public TaskScheduler scheduler() {
        return scheduler;
    }

    /** Stops the core: nothing fires any more. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            engine.stop();
        }
    }

    // --- internals ----------------------------------------------------------------------------------------------

    SchedulerEngine engine() {
        return engine;
    }

    String owner() {
        return owner;
    }

    TaskId id(String taskId) {
        Objects.requireNonNull(taskId, "taskId");
        return engine.resolve(taskId);
    }

    private void open() {
        if (closed) {
            throw new IllegalStateException("the harness is closed");
        }
    }

    private void add(Object key, ScheduledTaskProvider provider, String label,
                     AtomicReference<Map<String, ?>> properties) {
        open();
        if (registered.containsKey(key)) {
            throw new IllegalArgumentException("already registered: " + key);
        }
        long bundleId = nextBundleId++;
        ProviderHandle handle = ProviderHandle.forProvider(owner, bundleId, owner + " 0.0.0", label + " of " + owner,
                provider);
        registered.put(key, new Registered(handle, properties));
        engine.providerAdded(handle);
    }

    private static Map<String, ?> properties(Object service, Map<String, ?> configuration) {
        Map<String, Object> merged = new LinkedHashMap<>();
        if (service.getClass().isAnnotationPresent(TaskSchedule.class)) {
            merged.putAll(ComponentProperties.ofTaskService(service.getClass()));
        } else if (configuration.isEmpty()) {
            ComponentProperties.ofTaskService(service.getClass()); // throws: says what is missing
        }
        merged.putAll(configuration);
        return merged;
    }

    /**
     * Runs everything due at the current instant: timer entries, then queued runs one at a time, until nothing is
     * left. Reentrant (task code may advance the clock).
     *
     * @return when the next thing is due
     */
    Optional<Instant> settle() {
        for (int rounds = 0; ; rounds++) {
            if (rounds > 1_000_000) {
                throw new IllegalStateException("more than a million fires at " + now()
                        + ": a task that makes work due at once without end?");
            }
            Optional<Instant> next = engine.runDue();
            Optional<Instant> deadline = runQueue.fireDeadlines(clock.instant());
            ExecutableRun run = runQueue.poll();
            if (run == null) {
                return earliest(next, deadline);
            }
            runQueue.runWatched(run);
        }
    }

    private static Optional<Instant> earliest(Optional<Instant> a, Optional<Instant> b) {
        if (a.isEmpty()) {
            return b;
        }
        if (b.isEmpty()) {
            return a;
        }
        return a.get().isBefore(b.get()) ? a : b;
    }

    private Set<String> runIds() {
        Set<String> ids = new HashSet<>();
        for (TaskInfo t : engine.tasks()) {
            engine.runs(t.id(), Integer.MAX_VALUE).forEach(r -> ids.add(r.runId()));
        }
        return ids;
    }

    private List<RunRecord> finishedSince(Set<String> before) {
        List<RunRecord> finished = new ArrayList<>();
        for (TaskInfo t : engine.tasks()) {
            for (RunRecord r : engine.runs(t.id(), Integer.MAX_VALUE)) {
                if (!before.contains(r.runId()) && r.status().isFinal()) {
                    finished.add(r);
                }
            }
        }
        finished.sort(Comparator.comparing((RunRecord r) -> r.endTime().orElse(r.scheduledTime())) // skipped: none
                .thenComparing(RunRecord::scheduledTime).thenComparing(RunRecord::attempt));
        return finished;
    }

    private record Registered(ProviderHandle handle, AtomicReference<Map<String, ?>> properties) {
    }

    /** The clock the test moves; its zone is the harness's. */
    private static final class HarnessClock extends Clock {
        volatile Instant now;
        volatile ZoneId zone = ZoneOffset.UTC;

        HarnessClock(Instant start) {
            this.now = start;
        }

        @Override
        public ZoneId getZone() {
            return zone;
        }

        @Override
        public Clock withZone(ZoneId newZone) {
            return Clock.fixed(now, newZone); // a snapshot: the core only asks for instants
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    /**
     * The execution service: runs are queued and run on the test's thread by {@link #settle()}; deadlines are
     * watched against the harness clock.
     */
    private static final class RunQueue implements RunExecutor {
        private final ArrayDeque<ExecutableRun> queue = new ArrayDeque<>();
        private final PriorityQueue<Deadline> deadlines = new PriorityQueue<>(Comparator.comparing(Deadline::at));
        private final Clock clock;

        RunQueue(Clock clock) {
            this.clock = clock;
        }

        private record Deadline(Instant at, Duration timeout, ExecutableRun run, boolean[] returned) {
        }

        @Override
        public void execute(ExecutableRun run) {
            queue.add(run);
        }

        @Override
        public void executeHere(ExecutableRun run) {
            runWatched(run);
        }

        ExecutableRun poll() {
            return queue.poll();
        }

        void runWatched(ExecutableRun run) {
            boolean[] returned = new boolean[1];
            Deadline deadline = null;
            if (run.timeout().isPresent()) {
                deadline = new Deadline(clock.instant().plus(run.timeout().get()), run.timeout().get(), run, returned);
                deadlines.add(deadline);
            }
            try {
                run.run();
            } finally {
                returned[0] = true;
                if (deadline != null) {
                    deadlines.remove(deadline);
                }
                Thread.interrupted(); // a timeout interrupted the test's thread: that ends with the run
            }
        }

        /** Tells runs whose deadline passed that they timed out. @return the next deadline */
        Optional<Instant> fireDeadlines(Instant now) {
            while (!deadlines.isEmpty() && !deadlines.peek().at().isAfter(now)) {
                Deadline d = deadlines.poll();
                if (!d.returned()[0]) {
                    d.run().timedOut(d.timeout());
                }
            }
            return deadlines.isEmpty() ? Optional.empty() : Optional.of(deadlines.peek().at());
        }

        @Override
        public ExecutionStats stats() {
            return new ExecutionStats(List.of(), 0);
        }
    }
}
