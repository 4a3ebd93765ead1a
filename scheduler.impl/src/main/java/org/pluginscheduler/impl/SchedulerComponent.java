package org.pluginscheduler.impl;

import java.time.Clock;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
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
import org.pluginscheduler.api.ScheduledTaskProvider;
import org.pluginscheduler.api.TaskAction;
import org.pluginscheduler.api.TaskSchedule;
import org.pluginscheduler.api.TaskFailureHandler;
import org.pluginscheduler.api.execution.RunExecutor;
import org.pluginscheduler.api.store.TaskStore;
import org.pluginscheduler.impl.core.CoreThreads;
import org.pluginscheduler.impl.core.ProviderHandle;
import org.pluginscheduler.impl.core.RetryDecider;
import org.pluginscheduler.impl.core.SchedulerEngine;
import org.pluginscheduler.impl.core.Settings;
import org.pluginscheduler.impl.core.TaskServices;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The OSGi face of the core: tracks {@link ScheduledTaskProvider} services (whiteboard), the best
 * {@link TaskStore} and the best {@link RunExecutor}, owns the core's threads (control, provider reads, plugin
 * calls, state writer), and
 * applies configuration {@value SchedulerConfiguration#PID} (validated by {@link CoreSettings}).
 *
 * <p>Bind and updated callbacks only hand work to the engine, which reads task lists on its own thread; they never
 * block and never throw. Unbind blocks up to the grace period while the departing provider's runs end, so a
 * stopping bundle does not lose its classes under a running task. When the whole framework stops, the
 * {@link FrameworkShutdownGuard} quiesces the engine before any bundle stops, so running work gets the grace period
 * with its plugin still active. Registered as a service of its own class so the
 * bundle-scoped {@code TaskScheduler} component can reach it; the package is private.
 */
@Component(service = SchedulerComponent.class, immediate = true, configurationPid = SchedulerConfiguration.PID)
@Designate(ocd = SchedulerConfiguration.class)
public final class SchedulerComponent {

    private static final Logger LOG = LoggerFactory.getLogger(SchedulerComponent.class);

    /** Threads for failure handlers of stuck and abandoned runs; idle ones end after 30 s. */
    private static final int PLUGIN_CALL_THREADS = 4;

    /** The pseudo bundle id that owns configuration-defined jobs. */
    static final long JOBS_BUNDLE_ID = -1;

    /**
     * By service id, so that at activation the providers bound meanwhile are read in the order their services were
     * registered: a plugin deployed first (FileInstall starts deploy/ at level 3) gets its tasks registered, and
     * fired, first. Guarded by this.
     */
    private final Map<Long, ProviderHandle> handles = new TreeMap<>();
    /**
     * Task services by service id; apart from {@link #handles}, so a service that is a provider and a task service
     * too counts as both, and each goes with its own unbinding.
     */
    private final Map<Long, ProviderHandle> taskServices = new TreeMap<>();
    private final Map<Long, RetryDecider.Ranked> failureHandlers = new HashMap<>(); // guarded by this
    private volatile TaskStore store;
    private SchedulerEngine engine; // guarded by this
    /** The execution service bound now, or null. Guarded by this. */
    private RunExecutor executor;
    private ExecutorService control;
    /** Failure handlers deciding about stuck and abandoned runs: plugin code, never on the control thread. */
    private ExecutorService pluginCalls;
    private ExecutorService stateWriter;
    /** Quiesces the engine when the framework starts shutting down, before any plugin stops. */
    private FrameworkShutdownGuard shutdownGuard;

    @Activate
    void activate(BundleContext context, Map<String, Object> properties) {
        CoreSettings.warnMoved(properties);
        Settings validated = CoreSettings.validate(properties).orElseGet(CoreSettings::defaults);
        control = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                named("task-scheduler-registry-"));
        stateWriter = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                named("task-state-writer-"));
        ThreadPoolExecutor calls = new ThreadPoolExecutor(PLUGIN_CALL_THREADS, PLUGIN_CALL_THREADS, 30,
                TimeUnit.SECONDS, new LinkedBlockingQueue<>(), named("task-scheduler-plugin-call-"));
        calls.allowCoreThreadTimeOut(true);
        pluginCalls = calls;
        // a thread per read of a provider's tasks(), daemon and named; ProviderReads bounds how many there are
        ThreadFactory readThreads = named("task-scheduler-provider-read-");
        CoreThreads threads = new CoreThreads(control, read -> readThreads.newThread(read).start(), pluginCalls,
                stateWriter);
        synchronized (this) {
            engine = new SchedulerEngine(Clock.systemUTC(), threads, executor, store, validated);
            engine.handlers(List.copyOf(failureHandlers.values()));
            engine.start();
            handles.values().forEach(engine::providerAdded);
            taskServices.values().forEach(engine::providerAdded);
        }
        shutdownGuard = FrameworkShutdownGuard.register(context, this::quiesceForShutdown);
        LOG.info("Scheduler started: {}{}", CoreSettings.describe(validated),
                executor == null ? "; no execution service yet: fires are held until one is available" : "");
    }

    @Modified
    void modified(Map<String, Object> properties) {
        CoreSettings.warnMoved(properties);
        CoreSettings.validate(properties).ifPresent(validated -> {
            engine().settings(validated);
            LOG.info("Scheduler configuration applied: {}", CoreSettings.describe(validated));
        });
    }

    /** The framework is shutting down: see {@link FrameworkShutdownGuard}. */
    private void quiesceForShutdown() {
        SchedulerEngine current;
        synchronized (this) {
            current = engine;
        }
        if (current != null) {
            current.quiesce(); // outside the monitor: waits up to the grace period
        }
    }

    @Deactivate
    void deactivate() {
        shutdownGuard.close();
        SchedulerEngine stopping;
        synchronized (this) {
            stopping = engine;
            engine = null;
        }
        stopping.stop();
        control.shutdownNow();
        pluginCalls.shutdownNow();
        stateWriter.shutdown();
        try {
            stateWriter.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
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
        updated(handles, reference);
    }

    void unbindProvider(ServiceReference<ScheduledTaskProvider> reference) {
        unbind(handles, reference);
    }

    private void updated(Map<Long, ProviderHandle> from, ServiceReference<?> reference) {
        synchronized (this) {
            ProviderHandle handle = from.get((Long) reference.getProperty(Constants.SERVICE_ID));
            if (handle != null && engine != null) {
                engine.providerModified(handle);
            }
        }
    }

    private void unbind(Map<Long, ProviderHandle> from, ServiceReference<?> reference) {
        ProviderHandle handle;
        SchedulerEngine current;
        synchronized (this) {
            handle = from.remove((Long) reference.getProperty(Constants.SERVICE_ID));
            current = engine;
        }
        if (handle != null && current != null) {
            current.providerRemoved(handle); // outside the monitor: may wait for the grace period
        }
    }

    // --- task services (whiteboard): one task each, described by its TaskSchedule properties ---------------------

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, target = "(" + TaskSchedule.SCHEDULE_PROPERTY + "=*)")
    void bindTaskAction(TaskAction service, ServiceReference<TaskAction> reference) {
        bindTaskService(service, reference);
    }

    void updatedTaskAction(ServiceReference<TaskAction> reference) {
        updated(taskServices, reference);
    }

    void unbindTaskAction(ServiceReference<TaskAction> reference) {
        unbind(taskServices, reference);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, target = "(" + TaskSchedule.SCHEDULE_PROPERTY + "=*)")
    void bindRunnable(Runnable service, ServiceReference<Runnable> reference) {
        bindTaskService(service, reference);
    }

    void updatedRunnable(ServiceReference<Runnable> reference) {
        updated(taskServices, reference);
    }

    void unbindRunnable(ServiceReference<Runnable> reference) {
        unbind(taskServices, reference);
    }

    /** A task service becomes a provider of its one task; a service registered as both kinds counts once. */
    private void bindTaskService(Object service, ServiceReference<?> reference) {
        Bundle bundle = reference.getBundle();
        if (bundle == null) {
            return; // unregistered while being bound
        }
        long serviceId = (Long) reference.getProperty(Constants.SERVICE_ID);
        String ownerLabel = bundle.getSymbolicName() + " " + bundle.getVersion();
        TaskServices.Adapter adapter = new TaskServices.Adapter(() -> properties(reference), service);
        ProviderHandle handle = ProviderHandle.forProvider(bundle.getSymbolicName(), bundle.getBundleId(),
                ownerLabel, "task service " + serviceId + " (" + service.getClass().getName() + ") of " + ownerLabel,
                adapter);
        synchronized (this) {
            if (taskServices.containsKey(serviceId)) {
                return; // the same service, bound as its other kind (Runnable and TaskAction)
            }
            taskServices.put(serviceId, handle);
            if (engine != null) {
                engine.providerAdded(handle);
            }
        }
    }

    private static Map<String, Object> properties(ServiceReference<?> reference) {
        Map<String, Object> properties = new HashMap<>();
        for (String key : reference.getPropertyKeys()) {
            properties.put(key, reference.getProperty(key));
        }
        return properties;
    }

    /** Re-reads the providers of one bundle (its request through {@code TaskScheduler.reloadTasks()}). */
    void reload(long bundleId) {
        synchronized (this) {
            handles.values().stream().filter(h -> h.bundleId == bundleId).forEach(engine()::providerModified);
            taskServices.values().stream().filter(h -> h.bundleId == bundleId).forEach(engine()::providerModified);
        }
    }

    // --- execution service --------------------------------------------------------------------------------------

    /** The highest-ranked execution service; a better one replaces it (bound first, then the old one unbound). */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    synchronized void bindExecutor(RunExecutor newExecutor) {
        // under the monitor, so binds and unbinds from different threads reach the engine in the order they
        // happened here; the engine only hands held runs over, it never waits for a run
        executor = newExecutor;
        if (engine != null) {
            engine.executor(newExecutor);
            LOG.info("Execution service bound: {}", newExecutor.getClass().getName());
        }
    }

    synchronized void unbindExecutor(RunExecutor oldExecutor) {
        if (executor != oldExecutor) {
            return; // replaced by a better one already
        }
        executor = null;
        if (engine != null) {
            engine.executor(null);
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


    // --- failure handlers (whiteboard) -------------------------------------------------------------------------

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindFailureHandler(TaskFailureHandler handler, ServiceReference<TaskFailureHandler> reference) {
        long id = (Long) reference.getProperty(Constants.SERVICE_ID);
        Object ranking = reference.getProperty(Constants.SERVICE_RANKING);
        Bundle bundle = reference.getBundle();
        // what the handler says it is (a retry rule: "Retry rule ratelimit") tells an operator which one decided
        Object description = reference.getProperty(Constants.SERVICE_DESCRIPTION);
        String name = "failure handler " + id + (bundle == null ? "" : " of " + bundle.getSymbolicName())
                + (description instanceof String d && !d.isBlank() ? " (" + d + ")" : "");
        Set<String> owners = new HashSet<>(ownersOf(reference.getProperty(TaskFailureHandler.OWNERS)));
        if (bundle != null) {
            owners.add(bundle.getSymbolicName()); // its own bundle's tasks, always
        }
        synchronized (this) {
            failureHandlers.put(id, new RetryDecider.Ranked(handler, ranking instanceof Integer r ? r : 0, id, name,
                    owners));
            if (engine != null) {
                engine.handlers(List.copyOf(failureHandlers.values()));
            }
        }
    }

    /** @return the owner names of a {@link TaskFailureHandler#OWNERS} property: a string, an array or a collection */
    static List<String> ownersOf(Object property) {
        if (property instanceof String one) {
            return List.of(one.trim());
        }
        if (property instanceof String[] many) {
            return Arrays.stream(many).filter(Objects::nonNull).map(String::trim).toList();
        }
        if (property instanceof Collection<?> many) {
            return many.stream().filter(String.class::isInstance).map(o -> ((String) o).trim()).toList();
        }
        return List.of();
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

    private static ThreadFactory named(String prefix) {
        AtomicInteger counter = new AtomicInteger();
        return runnable -> {
            Thread t = new Thread(runnable, prefix + counter.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
