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
import java.util.Collection;
import java.util.HashMap;
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
import org.pluginscheduler.api.SchedulerStats;
import org.pluginscheduler.api.TaskAction;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.TaskInfo;
import org.pluginscheduler.api.TaskSchedule;
import org.pluginscheduler.api.TaskScheduler;
import org.pluginscheduler.api.execution.ExecutableRun;
import org.pluginscheduler.api.execution.ExecutionStats;
import org.pluginscheduler.api.execution.RunExecutor;
import org.pluginscheduler.api.store.PendingRun;
import org.pluginscheduler.api.store.RunBatch;
import org.pluginscheduler.api.store.StoredTask;
import org.pluginscheduler.api.store.TaskStore;
import org.pluginscheduler.impl.core.ProviderHandle;
import org.pluginscheduler.impl.core.SchedulerEngine;
import org.pluginscheduler.impl.core.Settings;
import org.pluginscheduler.impl.core.TaskServices;
import org.pluginscheduler.impl.store.InMemoryTaskStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 * (a {@link Runnable} or {@link TaskAction} component with {@link TaskSchedule}), whose properties are those of the
 * component description bnd wrote for it ({@code OSGI-INF/*.xml}, in {@code target/classes} when Maven runs the
 * tests): its properties, name, configuration policy, modified method and services, as Declarative Services reads
 * them. Only where no description exists (test classes, a build without bnd) are they read from the annotation;
 * see {@link #task(Object, Map)}. {@link #task(Object, Map)} lays a Config Admin configuration over those values
 * and {@link #configure} replaces it later, as a new configuration does at run time (a modification, or a new
 * component if it has no modified method). Tasks belong to the owner set with {@link #owner} when they are added
 * (default {@value TestExecution#DEFAULT_OWNER}); wherever a task id is taken, a bare id ({@code cleanup}) or a
 * qualified one ({@code test.plugin:cleanup}) works.
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
 * <p><b>Limits.</b>
 * <ul>
 * <li>A timeout cannot stop code running on the test's own thread: when the clock passes a run's deadline (only
 * possible if the task code advances the clock itself) the core records the timeout as in production,
 * {@link org.pluginscheduler.api.TaskExecution#isCancelled()} answers true and the test thread's interrupt flag is
 * set until the run returns (it is cleared then); a run that never returns hangs the test. Runs that start while
 * it is still going (its code advances the clock) start with the flag clear, and it is set again when control is
 * back in the timed-out run.</li>
 * <li>There are no worker pools: priorities and pool sizes have no effect, runs never execute in parallel, and
 * stuck runs are not detected. Contention (overlap, lock keys, timeouts) is tested by a run that calls
 * {@link #advance} inside its own code: other work falls due while it is still going.</li>
 * <li>The default zone is UTC, so a test gives the same fires on every machine; the runtime's default is the JVM's
 * zone. Set it with {@link #zone} to test a plugin as it runs where the JVM's zone is another.</li>
 * <li>{@link #scheduler()} has an administrator's scope: it sees and changes every owner's tasks and allows the
 * whole-scheduler operations ({@code pauseAll}, {@code purgeHistory}, ...); a plugin's own {@link TaskScheduler}
 * at run time throws {@code TaskAccessException} for another owner's task and for those.</li>
 * <li>Exponential retries with jitter ({@link org.pluginscheduler.api.RetryPolicy#exponential}) draw their jitter
 * from {@code ThreadLocalRandom}, as in production: their times differ from run to run of a test. Run ids are
 * random too. Assert ranges of retry times (or give the test a jitter of 0) and find runs by task and time, not
 * by a run id written in the test.</li>
 * <li>When a later configuration of a task service is rejected, the scheduler keeps the last good definition
 * where it can, lists the rejected one beside it in {@link #tasks} as an INVALID entry with its problem (as
 * {@code task:list} does) and writes the problems as a WARN to SLF4J (add an SLF4J binding to the test class path
 * to see it); {@link #problems} gives them to the test.</li>
 * <li>The in-memory history keeps {@link #historyLimit} runs per task ({@value #DEFAULT_HISTORY_LIMIT} by
 * default): {@link #runs} lists no more; {@link #advance} returns every run that ended in its window all the
 * same.</li>
 * <li>Group limits, tenants other than those given to {@link #tenants}, persistent stores, Config Admin jobs and
 * failure handler services are not part of the harness. Not thread-safe: drive it from one thread.</li>
 * <li>{@link #configure} changes only the service properties the scheduler reads: it does not call the
 * component's {@code @Activate}/{@code @Modified} methods (fields the component reads from its configuration keep
 * their values: a test calls those methods itself), and a component without a {@code modified} method is re-added
 * as the same object, where the runtime creates a new instance.</li>
 * <li>Factory components and components that are not enabled register no task (see {@link #task(Object, Map)}).
 * </li>
 * </ul>
 */
public final class TaskHarness implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TaskHarness.class);
    /** The service interfaces the scheduler tracks task services under. */
    private static final Set<String> TASK_SERVICES = Set.of(Runnable.class.getName(), TaskAction.class.getName());
    /** The classes whose properties were read from the annotation, logged once each. */
    private static final Set<Class<?>> ANNOTATION_READ = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** The default of {@link #historyLimit}: runs kept per task. */
    public static final int DEFAULT_HISTORY_LIMIT = 10_000;

    private final HarnessClock clock;
    private final RunQueue runQueue;
    private final ComponentXml.Source components;
    private final EndedRuns ended = new EndedRuns();
    private SchedulerEngine engine;
    private int historyLimit = DEFAULT_HISTORY_LIMIT;
    private final HarnessScheduler scheduler;
    private final Map<Object, Registered> registered = new IdentityHashMap<>();
    private String owner = TestExecution.DEFAULT_OWNER;
    /** One bundle id per owner, as each plugin is one bundle: its providers, services and ad-hoc tasks share it. */
    private final Map<String, Long> bundleIds = new HashMap<>();
    private boolean closed;

    private TaskHarness(Instant start, ComponentXml.Source components) {
        this.clock = new HarnessClock(start);
        this.runQueue = new RunQueue(clock);
        this.components = components;
        this.engine = newEngine(Settings.defaults(ZoneOffset.UTC, Duration.ofSeconds(1)));
        this.scheduler = new HarnessScheduler(this);
    }

    private SchedulerEngine newEngine(Settings settings) {
        return new SchedulerEngine(clock, Runnable::run, runQueue,
                new RecordingStore(new InMemoryTaskStore(historyLimit), ended), settings);
    }

    /**
     * @param start the clock's first instant
     * @return a harness with no task, the default zone UTC (the runtime's default is the JVM's, see {@link #zone}),
     *         the owner {@value TestExecution#DEFAULT_OWNER} and a history of {@value #DEFAULT_HISTORY_LIMIT} runs
     *         per task
     */
    public static TaskHarness at(Instant start) {
        return new TaskHarness(Objects.requireNonNull(start, "start"), ComponentXml.CLASS_PATH);
    }

    /** A harness reading component descriptions from {@code components} (tests of the kit). */
    static TaskHarness at(Instant start, ComponentXml.Source components) {
        return new TaskHarness(Objects.requireNonNull(start, "start"), components);
    }

    /**
     * Sets how many runs the harness's in-memory store keeps per task (the oldest finished ones go first), as the
     * runtime's {@code max.runs.per.task} does; {@link #runs} lists at most this many. Set it before adding tasks.
     *
     * @param limit runs kept per task, at least 1 (default {@value #DEFAULT_HISTORY_LIMIT})
     * @throws IllegalArgumentException if {@code limit} is below 1
     * @throws IllegalStateException    if tasks were added already
     * @return this harness
     */
    public TaskHarness historyLimit(int limit) {
        open();
        if (limit < 1) {
            throw new IllegalArgumentException("historyLimit: " + limit + " must be at least 1");
        }
        if (!registered.isEmpty() || !engine.tasks().isEmpty()) {
            throw new IllegalStateException("historyLimit: set it before adding tasks (" + registered.size()
                    + " registered)");
        }
        Settings settings = engine.settings();
        engine.stop();
        historyLimit = limit;
        engine = newEngine(settings);
        return this;
    }

    /**
     * Sets the zone of schedules that name none (the runtime's {@code default.zone}, whose own default is the JVM's
     * zone; the harness's is UTC so that a test gives the same fires on every machine); tasks already registered are
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
        addProvider(provider);
        return this;
    }

    /**
     * Registers a task service with the component properties bnd wrote for it, as Declarative Services registers
     * its component without a configuration.
     *
     * @param service a {@link Runnable} or a {@link TaskAction}, the implementation of a {@code @Component} with
     *                {@code @TaskSchedule}
     * @throws IllegalArgumentException naming the class if it is neither, if its component registers no
     *                                  {@code Runnable}/{@code TaskAction} service, if bnd wrote no component for
     *                                  it (no {@code @Component}), or if no description exists and its class has no
     *                                  {@code @TaskSchedule}; see {@link #task(Object, Map)}
     * @return this harness
     */
    public TaskHarness task(Object service) {
        return task(service, Map.of());
    }

    /**
     * Registers a task service whose component has a configuration ({@code configuration} is laid over its
     * component properties, as Declarative Services does with a Config Admin configuration; empty stands for none).
     *
     * <p>The component properties are those of the component description bnd wrote: during {@code mvn test},
     * bnd-maven-plugin has already written {@code OSGI-INF/<component name>.xml} into {@code target/classes}
     * (process-classes), and the harness reads the one whose {@code <implementation class>} is the service's class,
     * in the directory or jar that class was loaded from: its {@code <property>} and {@code <properties>} values
     * (so {@code @Component(property = ...)} values win over the annotation's, as in the XML), its name
     * ({@code component.name}, which gives the default task id: {@code @Component(name = "acme.named")} gives
     * {@code named}), its {@code configuration-policy}, its {@code modified} method (see {@link #configure}) and
     * its services. A component whose configuration is required ({@code configurationPolicy = REQUIRE}) is not
     * registered without one: its task appears once {@link #configure} gives a configuration. As SCR, the harness
     * reads only the descriptions the manifest's {@code Service-Component} header lists when the folder or jar has
     * a {@code META-INF/MANIFEST.MF} with that header (bnd-maven-plugin writes one), so a description left in
     * {@code target/classes} by a renamed component is not read; two descriptions of one class are refused, naming
     * both files. A description that cannot be read fails only the class it describes (or, if it does not say,
     * a class that no readable description describes). A component that is not enabled ({@code enabled="false"})
     * or is a factory component ({@code factory="..."}) registers no task: SCR registers no such service (its
     * {@code Runnable}/{@code TaskAction} only once a factory's {@code newInstance} is called, which the harness
     * does not do); the harness logs that at INFO. A configuration cannot change {@code component.name} or
     * {@code component.id}: SCR sets them after laying the configuration over the properties. An instance of a
     * subclass (an anonymous stub, a spy) takes the description of the nearest superclass that has one, each
     * looked up in the folder or jar that class was loaded from.
     *
     * <p>Only where that directory or jar holds no component description at all (a class of the test sources,
     * or a build that has not run bnd, such as some IDE builds) are the properties read from the class's
     * {@link TaskSchedule} by the rules bnd follows, with {@code component.name} = the class name (logged at INFO
     * once per class): {@code @Component} attributes are then unknown (DS annotations are not kept at run time).
     * A class without {@code @TaskSchedule} then takes its properties from {@code configuration} alone (it needs
     * {@value TaskSchedule#SCHEDULE_PROPERTY}, and {@code scheduler.id} or {@code component.name}). A description
     * left by an earlier build is read as it is: build with Maven (or let the IDE run bnd) after changing
     * {@code @Component} or {@code @TaskSchedule}. In that fallback the nearest class up the hierarchy that carries
     * {@code @TaskSchedule} gives the properties (and the class name).
     *
     * @param service       a {@link Runnable} or a {@link TaskAction}
     * @param configuration property name to value, e.g. {@code scheduler.task.schedule} → {@code every:PT1H}
     * @throws IllegalArgumentException as {@link #task(Object)} does, and if the component's
     *                                  {@code configuration-policy} is {@code ignore} and a configuration is given, or
     *                                  if its properties (with the configuration) have no
     *                                  {@value TaskSchedule#SCHEDULE_PROPERTY}: the runtime tracks only services
     *                                  with it, so such a service is not a task
     * @throws IllegalStateException    naming the files if two component descriptions name the service's class, or
     *                                  the one that may describe it cannot be read
     * @return this harness
     */
    public TaskHarness task(Object service, Map<String, ?> configuration) {
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(configuration, "configuration");
        open();
        Class<?> type = service.getClass();
        if (!(service instanceof Runnable) && !(service instanceof TaskAction)) {
            throw new IllegalArgumentException("a task service is a Runnable or a TaskAction, not " + type.getName());
        }
        if (registered.containsKey(service)) {
            throw new IllegalArgumentException("already registered: " + service);
        }
        ComponentXml.Component component = null;
        Class<?> described = null; // the class whose description or @TaskSchedule gives the properties
        for (Class<?> c = type; c != null && c != Object.class && component == null; c = c.getSuperclass()) {
            ComponentXml.Found found = components.find(c); // each class in its own folder or jar
            component = found.of(c).orElse(null);
            if (component == null && found.anyXml() && c.isAnnotationPresent(TaskSchedule.class)) {
                throw new IllegalArgumentException(c.getName() + " carries @TaskSchedule but bnd wrote no component"
                        + " for it among the component descriptions (OSGI-INF/*.xml) of " + found.root()
                        + ": without @Component the runtime never registers it");
            }
            described = c;
        }
        Map<String, ?> base;
        if (component != null) {
            if (!component.enabled() || component.factory() != null) {
                String why = component.enabled() ? "a factory component (factory=\"" + component.factory()
                        + "\"): SCR registers a ComponentFactory, not its services, until newInstance"
                        : "not enabled (enabled=\"false\"): SCR registers none of its services";
                LOG.info("Component {} ({}) is {}; no task is registered for it", component.name(),
                        component.source(), why);
                Registered r = new Registered(service, owner, bundleId(owner), "task service " + type.getName(),
                        component, component.properties());
                r.inactive = true;
                r.configured = !configuration.isEmpty();
                registered.put(service, r);
                return this;
            }
            if (component.provides().stream().noneMatch(TASK_SERVICES::contains)) {
                throw new IllegalArgumentException(type.getName() + ": its component " + component.name() + " ("
                        + component.source() + ") registers no Runnable or TaskAction service (it provides "
                        + (component.provides().isEmpty() ? "none" : String.join(", ", component.provides()))
                        + "), so the scheduler never sees it; bnd names only the interfaces the class itself "
                        + "implements: give them with @Component(service = Runnable.class) or TaskAction.class");
            }
            ignoredConfiguration(component, type, configuration);
            base = component.properties();
        } else {
            Class<?> annotated = type;
            while (annotated != null && !annotated.isAnnotationPresent(TaskSchedule.class)) {
                annotated = annotated.getSuperclass();
            }
            base = annotated(annotated == null ? type : annotated, configuration);
        }
        Registered r = new Registered(service, owner, bundleId(owner), "task service " + type.getName(), component,
                base);
        if (r.required() && configuration.isEmpty()) {
            registered.put(service, r);
            LOG.info("Component {} requires a configuration: its task appears once configure(...) gives one",
                    component.name());
            return this;
        }
        Map<String, ?> properties = merged(r, configuration);
        scheduled(type, properties);
        registered.put(service, r);
        r.configured = !configuration.isEmpty();
        r.properties.set(properties);
        activate(r);
        return this;
    }

    /**
     * A service without {@value TaskSchedule#SCHEDULE_PROPERTY} is not a task: the runtime's reference targets
     * {@code (scheduler.task.schedule=*)}, so it never sees it.
     */
    private static void scheduled(Class<?> type, Map<String, ?> properties) {
        if (properties.get(TaskSchedule.SCHEDULE_PROPERTY) == null) {
            throw new IllegalArgumentException(type.getName() + ": its properties have no "
                    + TaskSchedule.SCHEDULE_PROPERTY + " (from @TaskSchedule or the configuration), so the "
                    + "scheduler, which tracks only services with that property, never sees it");
        }
    }

    private static void ignoredConfiguration(ComponentXml.Component component, Class<?> type,
                                             Map<String, ?> configuration) {
        if ("ignore".equals(component.configurationPolicy()) && !configuration.isEmpty()) {
            throw new IllegalArgumentException(type.getName() + ": its component " + component.name()
                    + " has configuration-policy ignore: Declarative Services never gives it a configuration");
        }
    }

    /** The fallback without component descriptions: the annotation's properties, as bnd would write them. */
    private static Map<String, ?> annotated(Class<?> type, Map<String, ?> configuration) {
        if (!type.isAnnotationPresent(TaskSchedule.class)) {
            if (configuration.isEmpty()) {
                ComponentProperties.ofTaskService(type); // throws: says what is missing
            }
            return Map.of();
        }
        if (ANNOTATION_READ.add(type)) {
            LOG.info("No component description (OSGI-INF/*.xml) next to {} (bnd has not processed its folder or "
                    + "jar): its properties are read from its @TaskSchedule", type.getName());
        }
        return ComponentProperties.ofTaskService(type);
    }

    /**
     * The configuration laid over the component properties; with a description, {@code component.name} and
     * {@code component.id} stay SCR's (it sets them after the configuration), so a configuration cannot rename it.
     */
    private static Map<String, ?> merged(Registered r, Map<String, ?> configuration) {
        Map<String, Object> merged = new LinkedHashMap<>(r.base);
        merged.putAll(configuration);
        if (r.component != null) {
            for (String key : List.of("component.name", "component.id")) {
                if (r.base.containsKey(key)) {
                    merged.put(key, r.base.get(key));
                } else {
                    merged.remove(key);
                }
            }
        }
        return merged;
    }

    /**
     * Replaces the configuration of a task service added with {@link #task}: its properties become its component
     * properties with {@code configuration} laid over them (an empty one stands for a deleted configuration), and
     * the task follows as it does at run time:
     * <ul>
     * <li>if its component has a {@code modified} method ({@code @Modified}), Declarative Services modifies it: the
     * service is re-read like a modified service (a changed schedule is re-planned, an unchanged one keeps its next
     * fire, a run in progress goes on);</li>
     * <li>if it has none, Declarative Services deactivates the component and activates a new one: the task service
     * goes away and comes back (a run in progress is cancelled, an {@code every:} schedule starts again and fires
     * at once, in the next {@link #advance});</li>
     * <li>a component whose configuration is required appears with its first configuration and goes away when it
     * is deleted (empty).</li>
     * </ul>
     * Without a component description (see {@link #task(Object, Map)}) whether the component has a modified method
     * is unknown: a change is then a modification. A definition that a configuration makes invalid is reported as
     * at run time (see {@link #problems}). Deleting a configuration that does not exist (empty when the service
     * has none) does nothing, as in SCR. Runs nothing.
     *
     * <p>{@code configure} changes the service properties the scheduler reads, nothing else: it does not call the
     * component's own {@code @Activate} or {@code @Modified} methods, so fields the component sets from its
     * configuration keep their values (a test that needs them changed calls those methods itself, with the same
     * values). Without a {@code modified} method the harness re-registers the same object, where the runtime
     * creates a new instance of the component.
     *
     * @throws IllegalArgumentException if {@code service} was not added as a task service, or its component's
     *                                  {@code configuration-policy} is {@code ignore}, or if the properties with
     *                                  this configuration have no {@value TaskSchedule#SCHEDULE_PROPERTY}
     * @return this harness
     */
    public TaskHarness configure(Object service, Map<String, ?> configuration) {
        Objects.requireNonNull(configuration, "configuration");
        open();
        Registered r = registered.get(service);
        if (r == null || r.properties == null) {
            throw new IllegalArgumentException("not a task service of this harness: " + service);
        }
        if (r.component != null) {
            ignoredConfiguration(r.component, service.getClass(), configuration);
        }
        if (configuration.isEmpty() && !r.configured) {
            return this; // deleting a configuration that does not exist: SCR does nothing
        }
        if (r.inactive) {
            r.configured = !configuration.isEmpty();
            return this;
        }
        if (r.required() && configuration.isEmpty()) {
            r.configured = false;
            deactivate(r);
            r.properties.set(null);
            return this;
        }
        Map<String, ?> properties = merged(r, configuration);
        scheduled(service.getClass(), properties);
        r.configured = !configuration.isEmpty();
        r.properties.set(properties);
        if (r.handle == null) {
            activate(r);
        } else if (r.component == null || r.component.modified() != null) {
            engine.providerModified(r.handle);
        } else {
            deactivate(r);
            activate(r);
        }
        return this;
    }

    /**
     * Removes a provider or task service, as if its service went away: its tasks become dormant and are no longer
     * listed as active.
     *
     * @return this harness
     */
    public TaskHarness remove(Object providerOrService) {
        open();
        Registered r = registered.remove(providerOrService);
        if (r == null) {
            throw new IllegalArgumentException("not registered with this harness: " + providerOrService);
        }
        deactivate(r);
        return this;
    }

    /**
     * Re-reads the task lists of every provider and task service of the current {@link #owner}, as
     * {@link TaskScheduler#reloadTasks()} does for the calling plugin; like {@link #configure}, runs nothing.
     *
     * @return this harness
     */
    public TaskHarness reload() {
        open();
        registered.values().stream().filter(r -> r.owner.equals(owner) && r.handle != null)
                .forEach(r -> engine.providerModified(r.handle));
        return this;
    }

    /**
     * Re-reads the task list of one provider or task service, as a modified service is re-read; runs nothing.
     *
     * @throws IllegalArgumentException if it is not registered
     * @return this harness
     */
    public TaskHarness reload(Object providerOrService) {
        open();
        Registered r = registered.get(providerOrService);
        if (r == null) {
            throw new IllegalArgumentException("not registered with this harness: " + providerOrService);
        }
        if (r.handle != null) {
            engine.providerModified(r.handle);
        }
        return this;
    }

    /**
     * The problems of the last definition read for a task service, each {@code "<property>: detail"}; empty if it
     * is good. When a later configuration is bad the scheduler keeps the task on its last good definition where
     * it can (listing the rejected definition beside it as an INVALID entry of {@link #tasks}; where it cannot, the
     * task is INVALID) and writes the problems as a WARN to SLF4J: this is the direct way for a test to see them. A
     * schedule that parses but that the scheduling libraries reject is reported in
     * {@link #taskInfo}'s problem only.
     *
     * @param taskId the task's id, bare or qualified: the id of its last good definition if a later
     *               {@code scheduler.id} is bad
     * @throws IllegalArgumentException if no task service of this harness has that task
     * @return the problems, in the order the scheduler reports them
     */
    public List<String> problems(String taskId) {
        TaskId id = id(taskId);
        for (Registered r : registered.values()) {
            Map<String, ?> properties = r.properties == null ? null : r.properties.get();
            if (properties == null || !r.owner.equals(id.owner())) {
                continue;
            }
            TaskServices.Described described = TaskServices.describe(properties);
            if (described.definition().id().equals(id.id()) || id.id().equals(r.lastGoodId)) {
                return described.problems();
            }
        }
        throw new IllegalArgumentException("no task service of this harness has task " + taskId);
    }

    /**
     * Moves the clock forward by {@code duration}, running everything that falls due on the way, in time order.
     *
     * @return the runs that ended in the window (skipped fires, failed and retried attempts included), in the
     *         order they ended (a skipped fire at its scheduled time); runs that end inside a nested advance (task code moving the clock) are returned by
     *         it and by the enclosing one. Gathered as the runs end, not from the history, so a history shorter
     *         than the window ({@link #historyLimit}) loses none of them.
     * @throws IllegalArgumentException naming {@code duration} if it is negative or takes the clock past
     *                                  {@link Instant#MAX}
     */
    public List<RunRecord> advance(Duration duration) {
        Objects.requireNonNull(duration, "duration");
        if (duration.isNegative()) {
            throw new IllegalArgumentException("duration must not be negative: " + duration);
        }
        Instant target;
        try {
            target = clock.instant().plus(duration);
        } catch (ArithmeticException | java.time.DateTimeException e) {
            throw new IllegalArgumentException("advance(" + duration + ") takes the clock past " + Instant.MAX
                    + " from " + now(), e);
        }
        return advanceTo(target);
    }

    /**
     * Moves the clock forward to {@code target}, running everything that falls due on the way, in time order. If
     * task code advanced the clock beyond {@code target} meanwhile, the clock stays where that left it.
     *
     * @return the runs that ended in the window, in the order they ended
     * @throws IllegalArgumentException if {@code target} is before {@link #now()}
     */
    public List<RunRecord> advanceTo(Instant target) {
        Objects.requireNonNull(target, "target");
        open();
        if (target.isBefore(clock.instant())) {
            throw new IllegalArgumentException("the clock cannot go back: " + target + " is before " + now());
        }
        int from = ended.open();
        try {
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
            return ended.since(from);
        } finally {
            ended.close();
        }
    }

    /** @return the clock's current instant */
    public Instant now() {
        return clock.instant();
    }

    /** @return the clock (its zone is the harness's zone); pass it to code under test that needs the time */
    public Clock clock() {
        return clock;
    }

    /**
     * @return the task's runs, newest first, as {@link TaskScheduler#runs} lists them: at most
     *         {@link #historyLimit} of them
     */
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

    /** @return the bundle id of {@code owner}, the same for every provider, task service and ad-hoc task of it */
    long bundleId(String owner) {
        return bundleIds.computeIfAbsent(owner, o -> (long) bundleIds.size() + 1);
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

    private void addProvider(ScheduledTaskProvider provider) {
        open();
        if (registered.containsKey(provider)) {
            throw new IllegalArgumentException("already registered: " + provider);
        }
        Registered r = new Registered(provider, owner, bundleId(owner), "provider " + provider.getClass().getName(),
                null, null);
        registered.put(provider, r);
        r.handle = ProviderHandle.forProvider(r.owner, r.bundleId, r.owner + " 0.0.0", r.label + " of " + r.owner,
                provider);
        engine.providerAdded(r.handle);
    }

    /** Registers a task service as a new service: a new adapter (nothing remembered) under a new handle. */
    private void activate(Registered r) {
        AtomicReference<Map<String, ?>> properties = r.properties;
        TaskServices.Adapter adapter = new TaskServices.Adapter(() -> {
            Map<String, ?> read = properties.get();
            TaskServices.Described d = TaskServices.describe(read);
            if (d.problems().isEmpty()) {
                r.lastGoodId = d.definition().id();
            }
            return read;
        }, r.key);
        r.handle = ProviderHandle.forProvider(r.owner, r.bundleId, r.owner + " 0.0.0", r.label + " of " + r.owner,
                adapter);
        engine.providerAdded(r.handle);
    }

    /** Takes a provider or task service away, as its service's unregistration does. */
    private void deactivate(Registered r) {
        if (r.handle != null) {
            ProviderHandle handle = r.handle;
            r.handle = null;
            engine.providerRemoved(handle);
        }
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

    /** A provider or task service of this harness. */
    private static final class Registered {
        final Object key;
        final String owner;
        final long bundleId;
        final String label;
        /** Its component description; null for a provider, or a task service read from its annotation. */
        final ComponentXml.Component component;
        /** A task service's component properties (before any configuration); null for a provider. */
        final Map<String, ?> base;
        /** A task service's current properties, null while a required configuration is missing. */
        final AtomicReference<Map<String, ?>> properties;
        /** Null while it is not registered with the core (a required configuration is missing). */
        ProviderHandle handle;
        /** The id of a task service's last definition without problems. */
        volatile String lastGoodId;
        /** Whether a task service has a configuration now (a deletion of none does nothing). */
        boolean configured;
        /** A disabled or factory component: SCR registers none of its services, so it is never activated. */
        boolean inactive;

        Registered(Object key, String owner, long bundleId, String label, ComponentXml.Component component,
                   Map<String, ?> base) {
            this.key = key;
            this.owner = owner;
            this.bundleId = bundleId;
            this.label = label;
            this.component = component;
            this.base = base;
            this.properties = base == null ? null : new AtomicReference<>();
        }

        boolean required() {
            return component != null && "require".equals(component.configurationPolicy());
        }
    }

    /**
     * The runs that ended while an advance is going on, in the order their final records were written; kept only
     * while an advance runs (nested ones included), so it holds no more than the outermost window's runs.
     */
    static final class EndedRuns {
        private final List<RunRecord> runs = new ArrayList<>();
        private final Map<String, Integer> index = new HashMap<>();
        private int depth;

        /** @return where the opening window's runs begin */
        int open() {
            depth++;
            return runs.size();
        }

        void close() {
            if (--depth == 0) {
                runs.clear();
                index.clear();
            }
        }

        /** Notes a written run record: a final one ended its run (a later final record of it replaces it). */
        void written(RunRecord run) {
            if (depth == 0 || !run.status().isFinal()) {
                return;
            }
            Integer at = index.get(run.runId());
            if (at == null) {
                index.put(run.runId(), runs.size());
                runs.add(run);
            } else {
                runs.set(at, run);
            }
        }

        /** @return the runs that ended since {@code from}, in the order they ended */
        List<RunRecord> since(int from) {
            List<RunRecord> window = new ArrayList<>(runs.subList(from, runs.size()));
            window.sort(Comparator.comparing((RunRecord r) -> r.endTime().orElse(r.scheduledTime())) // skipped
                    .thenComparing(RunRecord::scheduledTime).thenComparing(RunRecord::attempt));
            return window;
        }
    }

    /** The in-memory store, telling {@link EndedRuns} of every run record written. */
    static final class RecordingStore implements TaskStore {
        private final TaskStore store;
        private final EndedRuns ended;

        RecordingStore(TaskStore store, EndedRuns ended) {
            this.store = store;
            this.ended = ended;
        }

        @Override
        public List<StoredTask> loadTasks() {
            return store.loadTasks();
        }

        @Override
        public Optional<StoredTask> loadTask(TaskId id) {
            return store.loadTask(id);
        }

        @Override
        public void saveTask(StoredTask task) {
            store.saveTask(task);
        }

        @Override
        public void saveTasks(List<StoredTask> tasks) {
            store.saveTasks(tasks);
        }

        @Override
        public void deleteTask(TaskId id) {
            store.deleteTask(id);
        }

        @Override
        public void recordRun(RunRecord run) {
            store.recordRun(run);
            ended.written(run);
        }

        @Override
        public void recordRuns(List<RunRecord> runs) {
            store.recordRuns(runs);
            runs.forEach(ended::written);
        }

        @Override
        public void write(RunBatch batch) {
            store.write(batch);
            batch.runs().forEach(ended::written);
        }

        @Override
        public void savePending(List<PendingRun> runs) {
            store.savePending(runs);
        }

        @Override
        public List<PendingRun> pendingRuns() {
            return store.pendingRuns();
        }

        @Override
        public void removePending(Collection<String> runIds) {
            store.removePending(runIds);
        }

        @Override
        public List<RunRecord> runs(TaskId id, int limit) {
            return store.runs(id, limit);
        }

        @Override
        public Optional<RunRecord> run(String runId) {
            return store.run(runId);
        }

        @Override
        public List<RunRecord> runningRuns() {
            return store.runningRuns();
        }

        @Override
        public void addDeadLetter(DeadLetter deadLetter) {
            store.addDeadLetter(deadLetter);
        }

        @Override
        public List<DeadLetter> deadLetters() {
            return store.deadLetters();
        }

        @Override
        public boolean removeDeadLetter(String runId) {
            return store.removeDeadLetter(runId);
        }

        @Override
        public int pruneRuns(Instant endedBefore, int keepPerTask) {
            return store.pruneRuns(endedBefore, keepPerTask);
        }

        @Override
        public Optional<SchedulerStats.History> history() {
            return store.history();
        }
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

        /** @return a view of this clock in another zone: it reads the harness's current instant too */
        @Override
        public Clock withZone(ZoneId newZone) {
            return new Zoned(this, Objects.requireNonNull(newZone, "zone"));
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    /** The harness clock seen in another zone. */
    private static final class Zoned extends Clock {
        private final HarnessClock clock;
        private final ZoneId zone;

        Zoned(HarnessClock clock, ZoneId zone) {
            this.clock = clock;
            this.zone = zone;
        }

        @Override
        public ZoneId getZone() {
            return zone;
        }

        @Override
        public Clock withZone(ZoneId newZone) {
            return new Zoned(clock, Objects.requireNonNull(newZone, "zone"));
        }

        @Override
        public Instant instant() {
            return clock.instant();
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

        private record Deadline(Instant at, Duration timeout, Running running) {
        }

        /** A run in progress on the test's thread. */
        private static final class Running {
            final ExecutableRun run;
            /** Whether its interrupt flag is set (by its timeout); the thread's flag shows it while it is on top. */
            boolean interrupted;
            boolean returned;

            Running(ExecutableRun run) {
                this.run = run;
            }
        }

        /** The runs in progress, innermost first: a run's code may advance the clock and so run others. */
        private final ArrayDeque<Running> running = new ArrayDeque<>();
        /** The flag was set outside any run when the outermost run started: set again when it returns. */
        private boolean outsideInterrupted;

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

        /**
         * Runs one run on this thread. Runs nest when task code advances the clock, and they share the thread's
         * interrupt flag: so the flag of the enclosing run (set by its timeout) is saved and cleared before a nested
         * run starts and set again when control is back in it, and a timeout that falls due while a nested run is
         * on top is noted for its own run and set only once that run is on top again.
         */
        void runWatched(ExecutableRun run) {
            Running enclosing = running.peek();
            if (Thread.interrupted()) { // set for the enclosing run (or by code outside any run): keep it for it
                if (enclosing != null) {
                    enclosing.interrupted = true;
                } else {
                    outsideInterrupted = true;
                }
            }
            Running current = new Running(run);
            running.push(current);
            Deadline deadline = null;
            if (run.timeout().isPresent()) {
                deadline = new Deadline(clock.instant().plus(run.timeout().get()), run.timeout().get(), current);
                deadlines.add(deadline);
            }
            try {
                run.run();
            } finally {
                current.returned = true;
                running.pop();
                if (deadline != null) {
                    deadlines.remove(deadline);
                }
                Thread.interrupted(); // a timeout interrupted this run: that ends with the run
                if (enclosing != null ? enclosing.interrupted : outsideInterrupted) {
                    if (enclosing == null) {
                        outsideInterrupted = false;
                    }
                    Thread.currentThread().interrupt();
                }
            }
        }

        /** Tells runs whose deadline passed that they timed out. @return the next deadline */
        Optional<Instant> fireDeadlines(Instant now) {
            while (!deadlines.isEmpty() && !deadlines.peek().at().isAfter(now)) {
                Deadline d = deadlines.poll();
                if (!d.running().returned) {
                    boolean flag = Thread.interrupted();
                    d.running().run.timedOut(d.timeout());
                    if (Thread.interrupted()) { // the core interrupted "its thread": the flag is that run's
                        d.running().interrupted = true;
                    }
                    Running top = running.peek();
                    if (flag || top != null && top.interrupted) {
                        Thread.currentThread().interrupt();
                    }
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
