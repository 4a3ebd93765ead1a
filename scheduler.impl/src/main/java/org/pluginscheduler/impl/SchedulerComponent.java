package org.pluginscheduler.impl;

import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.osgi.framework.Bundle;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;
import org.pluginscheduler.api.MisfirePolicy;
import org.pluginscheduler.api.Priority;
import org.pluginscheduler.api.TaskAction;
import org.pluginscheduler.api.ScheduledTaskProvider;
import org.pluginscheduler.api.TaskFailureHandler;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.store.TaskStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The OSGi face of the core: tracks {@link ScheduledTaskProvider} services (whiteboard) and the best
 * {@link TaskStore}, owns the engine's threads, and applies configuration {@value SchedulerConfiguration#PID}.
 *
 * <p>Bind and updated callbacks only hand work to the engine, which reads task lists on its own thread; they never
 * block and never throw. Unbind blocks up to the grace period while the departing provider's runs end, so a
 * stopping bundle does not lose its classes under a running task. Registered as a service of its own class so the
 * bundle-scoped {@code TaskScheduler} component can reach it; the package is private.
 */
@Component(service = SchedulerComponent.class, immediate = true, configurationPid = SchedulerConfiguration.PID)
@Designate(ocd = SchedulerConfiguration.class)
public final class SchedulerComponent {

    private static final Logger LOG = LoggerFactory.getLogger(SchedulerComponent.class);

    /**
     * How long after start-up abandoned runs wait for their retry decision, so failure handlers (retry rules,
     * plugin hooks) that start alongside the scheduler are bound by then.
     */
    static final Duration RECOVERY_DELAY = Duration.ofSeconds(3);

    /** The pseudo bundle id that owns configuration-defined jobs. */
    static final long JOBS_BUNDLE_ID = -1;

    /**
     * By service id, so that at activation the providers bound meanwhile are read in the order their services were
     * registered: a plugin deployed first (FileInstall starts deploy/ at level 3) gets its tasks registered, and
     * fired, first. Guarded by this.
     */
    private final Map<Long, ProviderHandle> handles = new TreeMap<>();
    private final Map<TaskId, String> jobs = new HashMap<>(); // job id -> configuration pid; guarded by this
    private final Map<Long, ServiceReference<TaskAction>> handlerRefs = new HashMap<>(); // guarded by this
    private final Map<Long, TaskAction> handlerServices = new HashMap<>(); // guarded by this
    private volatile org.osgi.service.cm.ConfigurationAdmin configurationAdmin;
    private final Map<Long, RetryDecider.Ranked> failureHandlers = new HashMap<>(); // guarded by this
    private volatile TaskStore store;
    private SchedulerEngine engine; // guarded by this
    private PooledWorkers workers;
    private ExecutorService control;
    private ExecutorService stateWriter;
    private Validated lastGood;

    /** A validated configuration: the engine's settings plus pool sizes. */
    record Validated(Settings settings, Map<Priority, Integer> threads) {
    }

    @Activate
    void activate(SchedulerConfiguration configuration) {
        Validated validated = validate(configuration).orElseGet(SchedulerComponent::defaults);
        lastGood = validated;
        workers = new PooledWorkers(validated.threads());
        control = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                named("task-scheduler-registry-"));
        stateWriter = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                named("task-state-writer-"));
        synchronized (this) {
            engine = new SchedulerEngine(Clock.systemUTC(), control, stateWriter, workers, store,
                    validated.settings());
            engine.handlers(List.copyOf(failureHandlers.values()));
            engine.start();
            handles.values().forEach(engine::providerAdded);
        }
        LOG.info("Scheduler started: {}", describe(validated));
    }

    @Modified
    void modified(SchedulerConfiguration configuration) {
        validate(configuration).ifPresent(validated -> {
            lastGood = validated;
            engine().settings(validated.settings());
            workers.resize(validated.threads());
            LOG.info("Scheduler configuration applied: {}", describe(validated));
        });
    }

    private static String describe(Validated v) {
        Settings s = v.settings();
        return "default zone " + s.defaultZone() + ", threads " + v.threads() + ", grace period " + s.gracePeriod()
                + ", lock retry delay " + s.lockRetryDelay() + ", default misfire " + s.defaultMisfire().kind()
                + ", tenants " + s.tenants() + ", groups " + s.groups().keySet();
    }

    private static Validated defaults() {
        Map<Priority, Integer> threads = new EnumMap<>(Priority.class);
        threads.put(Priority.REALTIME, 2);
        threads.put(Priority.NORMAL, 8);
        threads.put(Priority.BACKGROUND, 2);
        Settings d = Settings.defaults(ZoneId.systemDefault(), Duration.ofSeconds(10));
        return new Validated(new Settings(d.defaultZone(), d.gracePeriod(), d.lockRetryDelay(),
                d.defaultMisfire(), d.tenants(), d.groups(), d.stuckAfter(), RECOVERY_DELAY), threads);
    }

    @Deactivate
    void deactivate() {
        SchedulerEngine stopping;
        synchronized (this) {
            stopping = engine;
            engine = null;
        }
        stopping.stop();
        control.shutdownNow();
        stateWriter.shutdown();
        try {
            stateWriter.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        workers.shutdown();
        LOG.info("Scheduler stopped");
    }

    /** @return the running engine */
    synchronized SchedulerEngine engine() {
        if (engine == null) {
            throw new IllegalStateException("the scheduler is not running");
        }
        return engine;
    }

    // --- providers (whiteboard) ------------------------------------------------------------------------------

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindProvider(ScheduledTaskProvider provider, ServiceReference<ScheduledTaskProvider> reference) {
        Bundle bundle = reference.getBundle();
        if (bundle == null) {
            return; // unregistered while being bound
        }
        long serviceId = (Long) reference.getProperty(Constants.SERVICE_ID);
        String ownerLabel = bundle.getSymbolicName() + " " + bundle.getVersion();
        ProviderHandle handle = ProviderHandle.forProvider(bundle.getSymbolicName(), bundle.getBundleId(),
                ownerLabel, "provider service " + serviceId + " of " + ownerLabel, provider);
        synchronized (this) {
            handles.put(serviceId, handle);
            if (engine != null) {
                engine.providerAdded(handle);
            }
        }
    }

    void updatedProvider(ServiceReference<ScheduledTaskProvider> reference) {
        synchronized (this) {
            ProviderHandle handle = handles.get((Long) reference.getProperty(Constants.SERVICE_ID));
            if (handle != null && engine != null) {
                engine.providerModified(handle);
            }
        }
    }

    void unbindProvider(ServiceReference<ScheduledTaskProvider> reference) {
        ProviderHandle handle;
        SchedulerEngine current;
        synchronized (this) {
            handle = handles.remove((Long) reference.getProperty(Constants.SERVICE_ID));
            current = engine;
        }
        if (handle != null && current != null) {
            current.providerRemoved(handle); // outside the monitor: may wait for the grace period
        }
    }

    /** Re-reads the providers of one bundle (its request through {@code TaskScheduler.reloadTasks()}). */
    void reload(long bundleId) {
        synchronized (this) {
            handles.values().stream().filter(h -> h.bundleId == bundleId).forEach(engine()::providerModified);
        }
    }

    // --- store ------------------------------------------------------------------------------------------------

    @Reference(policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void bindStore(TaskStore newStore) {
        store = newStore;
        SchedulerEngine current;
        synchronized (this) {
            current = engine;
        }
        if (current != null) {
            current.store(newStore);
            LOG.info("Task store changed to {}", newStore.getClass().getName());
        }
    }

    void unbindStore(TaskStore oldStore) {
        // a greedy dynamic reference binds the replacement before unbinding the old one; nothing to do
    }

    // --- configuration-defined jobs -----------------------------------------------------------------------------

    /** Reserves a job id for a configuration. @throws IllegalArgumentException if another configuration has it */
    synchronized void claimJob(TaskId id, String pid) {
        String owner = jobs.get(id);
        if (owner != null && !owner.equals(pid)) {
            throw new IllegalArgumentException("id: job " + id + " is already defined by configuration " + owner);
        }
        jobs.put(id, pid);
    }

    synchronized void releaseJob(TaskId id, String pid) {
        jobs.remove(id, pid);
    }

    /**
     * Deletes the configuration that defines a job (and its file in etc/, if FileInstall made it), which removes
     * the job.
     *
     * @return false if no configuration defines it
     */
    boolean deleteJob(TaskId id) {
        String pid;
        synchronized (this) {
            pid = jobs.get(id);
        }
        org.osgi.service.cm.ConfigurationAdmin cm = configurationAdmin;
        if (pid == null || cm == null) {
            return false;
        }
        try {
            org.osgi.service.cm.Configuration configuration = cm.getConfiguration(pid, "?");
            Object file = configuration.getProperties() == null ? null
                    : configuration.getProperties().get("felix.fileinstall.filename");
            configuration.delete();
            if (file != null) {
                java.nio.file.Path path = java.nio.file.Path.of(java.net.URI.create(String.valueOf(file)));
                java.nio.file.Files.deleteIfExists(path);
                LOG.info("Deleted {} with the configuration of job {}", path, id);
            }
            return true;
        } catch (java.io.IOException | RuntimeException e) {
            throw new IllegalStateException("could not delete configuration " + pid + " of job " + id + ": "
                    + e.getMessage(), e);
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    void bindConfigurationAdmin(org.osgi.service.cm.ConfigurationAdmin cm) {
        configurationAdmin = cm;
    }

    void unbindConfigurationAdmin(org.osgi.service.cm.ConfigurationAdmin cm) {
        if (configurationAdmin == cm) {
            configurationAdmin = null;
        }
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            target = "(" + TaskAction.HANDLER_PROPERTY + "=*)")
    synchronized void bindHandler(TaskAction action, ServiceReference<TaskAction> reference) {
        long id = (Long) reference.getProperty(Constants.SERVICE_ID);
        handlerRefs.put(id, reference);
        handlerServices.put(id, action);
    }

    synchronized void unbindHandler(ServiceReference<TaskAction> reference) {
        long id = (Long) reference.getProperty(Constants.SERVICE_ID);
        handlerRefs.remove(id);
        handlerServices.remove(id);
    }

    /** @return the job handler of this name (the highest-ranked if several), or null */
    synchronized TaskAction handler(String name) {
        return handlerRefs.entrySet().stream()
                .filter(e -> name.equals(String.valueOf(e.getValue().getProperty(TaskAction.HANDLER_PROPERTY))))
                .max((a, b) -> a.getValue().compareTo(b.getValue()))
                .map(e -> handlerServices.get(e.getKey())).orElse(null);
    }

    // --- failure handlers (whiteboard) -------------------------------------------------------------------------

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindFailureHandler(TaskFailureHandler handler, ServiceReference<TaskFailureHandler> reference) {
        long id = (Long) reference.getProperty(Constants.SERVICE_ID);
        Object ranking = reference.getProperty(Constants.SERVICE_RANKING);
        Bundle bundle = reference.getBundle();
        String name = "failure handler " + id + (bundle == null ? "" : " of " + bundle.getSymbolicName());
        synchronized (this) {
            failureHandlers.put(id, new RetryDecider.Ranked(handler, ranking instanceof Integer r ? r : 0, id, name));
            if (engine != null) {
                engine.handlers(List.copyOf(failureHandlers.values()));
            }
        }
    }

    void updatedFailureHandler(TaskFailureHandler handler, ServiceReference<TaskFailureHandler> reference) {
        bindFailureHandler(handler, reference);
    }

    void unbindFailureHandler(ServiceReference<TaskFailureHandler> reference) {
        synchronized (this) {
            failureHandlers.remove((Long) reference.getProperty(Constants.SERVICE_ID));
            if (engine != null) {
                engine.handlers(List.copyOf(failureHandlers.values()));
            }
        }
    }

    // --- configuration ----------------------------------------------------------------------------------------

    /** @return the settings, or empty (after logging which field is wrong) to keep the last good ones */
    static Optional<Validated> validate(SchedulerConfiguration c) {
        try {
            ZoneId zone = ZoneId.systemDefault();
            if (!c.default_zone().isBlank()) {
                try {
                    zone = ZoneId.of(c.default_zone().trim());
                } catch (DateTimeException e) {
                    throw new IllegalArgumentException("default.zone: unknown time zone '" + c.default_zone() + "'");
                }
            }
            Map<Priority, Integer> threads = new EnumMap<>(Priority.class);
            threads.put(Priority.REALTIME, threads("realtime.threads", c.realtime_threads()));
            threads.put(Priority.NORMAL, threads("worker.threads", c.worker_threads()));
            threads.put(Priority.BACKGROUND, threads("background.threads", c.background_threads()));
            if (c.grace_period_seconds() < 0 || c.grace_period_seconds() > 3600) {
                throw new IllegalArgumentException("grace.period.seconds: " + c.grace_period_seconds()
                        + " is not in 0–3600");
            }
            if (c.lock_retry_delay_ms() < 1 || c.lock_retry_delay_ms() > 3_600_000) {
                throw new IllegalArgumentException("lock.retry.delay.ms: " + c.lock_retry_delay_ms()
                        + " is not in 1–3600000");
            }
            if (c.stuck_after_seconds() < 1 || c.stuck_after_seconds() > 3600) {
                throw new IllegalArgumentException("stuck.after.seconds: " + c.stuck_after_seconds()
                        + " is not in 1–3600");
            }
            MisfirePolicy misfire = misfire(c.default_misfire());
            List<String> tenants = new ArrayList<>();
            for (String tenant : split(c.tenants(), "[,\\s]+")) {
                String t = tenant.trim();
                if (t.isEmpty()) {
                    continue;
                }
                if (!TaskId.ID_PATTERN.matcher(t).matches()) {
                    throw new IllegalArgumentException("tenants: '" + t + "' must match " + TaskId.ID_PATTERN.pattern());
                }
                if (tenants.contains(t)) {
                    throw new IllegalArgumentException("tenants: '" + t + "' is listed twice");
                }
                tenants.add(t);
            }
            Map<String, GroupLimits.Limit> groups = GroupLimits.parse(split(c.groups(), ";").toArray(String[]::new));
            return Optional.of(new Validated(new Settings(zone,
                    Duration.ofSeconds(c.grace_period_seconds()), Duration.ofMillis(c.lock_retry_delay_ms()), misfire,
                    tenants, groups, Duration.ofSeconds(c.stuck_after_seconds()), RECOVERY_DELAY), threads));
        } catch (IllegalArgumentException e) {
            // DS throws IllegalArgumentException too when a value cannot be converted (e.g. "ten" for an int)
            LOG.error("Configuration {} rejected: {}; the last good configuration stays in force",
                    SchedulerConfiguration.PID, e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * A list property arrives as an array (a .config file or Config Admin) or as one string (a .cfg file); a
     * string is split, so {@code tenants = acme, globex} and {@code groups = a:concurrency=1; b:rate=5/PT1M} work.
     */
    private static List<String> split(String[] values, String separator) {
        List<String> result = new ArrayList<>();
        for (String value : values == null ? new String[0] : values) {
            for (String part : value.split(separator)) {
                if (!part.isBlank()) {
                    result.add(part.trim());
                }
            }
        }
        return result;
    }

    private static int threads(String field, int value) {
        if (value < 1 || value > 1024) {
            throw new IllegalArgumentException(field + ": " + value + " is not in 1–1024");
        }
        return value;
    }

    static MisfirePolicy misfire(String text) {
        String t = text.trim().toUpperCase(Locale.ROOT);
        if (t.equals("RUN_ONCE")) {
            return MisfirePolicy.runOnce();
        }
        if (t.equals("SKIP")) {
            return MisfirePolicy.skip();
        }
        if (t.startsWith("CATCH_UP:")) {
            try {
                return MisfirePolicy.catchUp(Integer.parseInt(t.substring("CATCH_UP:".length()).trim()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("default.misfire: '" + text + "' needs a maximum in 1–10000, "
                        + "e.g. CATCH_UP:10");
            }
        }
        throw new IllegalArgumentException("default.misfire: '" + text + "' is not RUN_ONCE, SKIP or CATCH_UP:<max>");
    }

    private static ThreadFactory named(String prefix) {
        AtomicInteger counter = new AtomicInteger();
        return runnable -> {
            Thread t = new Thread(runnable, prefix + counter.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
