package org.pluginscheduler.impl;

import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.Map;
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
import org.pluginscheduler.api.ScheduledTaskProvider;
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

    private final Map<Long, ProviderHandle> handles = new HashMap<>(); // guarded by this
    private volatile TaskStore store;
    private SchedulerEngine engine; // guarded by this
    private ThreadPoolExecutor workers;
    private ExecutorService control;
    private SchedulerEngine.Settings lastGood = new SchedulerEngine.Settings(ZoneId.systemDefault(),
            Duration.ofSeconds(10));

    @Activate
    void activate(SchedulerConfiguration configuration) {
        SchedulerEngine.Settings settings = validate(configuration).orElse(lastGood);
        lastGood = settings;
        int threads = validThreads(configuration.worker_threads()) ? configuration.worker_threads() : 8;
        workers = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                named("task-worker-"));
        control = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                named("task-scheduler-registry-"));
        synchronized (this) {
            engine = new SchedulerEngine(Clock.systemUTC(), control, workers, store, settings);
            engine.start();
            handles.values().forEach(engine::providerAdded);
        }
        LOG.info("Scheduler started: default zone {}, {} worker threads, grace period {}",
                settings.defaultZone(), threads, settings.gracePeriod());
    }

    @Modified
    void modified(SchedulerConfiguration configuration) {
        validate(configuration).ifPresent(settings -> {
            lastGood = settings;
            engine().settings(settings);
            if (validThreads(configuration.worker_threads())) {
                resize(configuration.worker_threads());
            }
            LOG.info("Scheduler configuration applied: default zone {}, {} worker threads, grace period {}",
                    settings.defaultZone(), configuration.worker_threads(), settings.gracePeriod());
        });
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
        workers.shutdown();
        try {
            if (!workers.awaitTermination(1, TimeUnit.SECONDS)) {
                workers.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            workers.shutdownNow();
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

    // --- configuration ----------------------------------------------------------------------------------------

    /** @return the settings, or empty (after logging which field is wrong) to keep the last good ones */
    private java.util.Optional<SchedulerEngine.Settings> validate(SchedulerConfiguration c) {
        try {
            ZoneId zone = ZoneId.systemDefault();
            if (!c.default_zone().isBlank()) {
                try {
                    zone = ZoneId.of(c.default_zone().trim());
                } catch (DateTimeException e) {
                    throw new IllegalArgumentException("default.zone: unknown time zone '" + c.default_zone() + "'");
                }
            }
            if (!validThreads(c.worker_threads())) {
                throw new IllegalArgumentException("worker.threads: " + c.worker_threads() + " is not in 1–1024");
            }
            if (c.grace_period_seconds() < 0 || c.grace_period_seconds() > 3600) {
                throw new IllegalArgumentException("grace.period.seconds: " + c.grace_period_seconds()
                        + " is not in 0–3600");
            }
            return java.util.Optional.of(new SchedulerEngine.Settings(zone, Duration.ofSeconds(c.grace_period_seconds())));
        } catch (IllegalArgumentException e) {
            // DS throws IllegalArgumentException too when a value cannot be converted (e.g. "ten" for an int)
            LOG.error("Configuration {} rejected: {}; the last good configuration stays in force",
                    SchedulerConfiguration.PID, e.getMessage());
            return java.util.Optional.empty();
        }
    }

    private static boolean validThreads(int threads) {
        return threads >= 1 && threads <= 1024;
    }

    private void resize(int threads) {
        if (threads > workers.getMaximumPoolSize()) {
            workers.setMaximumPoolSize(threads);
            workers.setCorePoolSize(threads);
        } else {
            workers.setCorePoolSize(threads);
            workers.setMaximumPoolSize(threads);
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
