package org.pluginscheduler.impl;

import java.util.concurrent.atomic.AtomicBoolean;

import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.Constants;
import org.osgi.framework.SynchronousBundleListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives running work its grace period while the plugins are still active when the whole framework stops
 * (SIGTERM, {@code stop 0}, {@code Framework.stop()}), whatever the bundles' start levels.
 *
 * <p>Why: a framework shutdown stops bundles from the highest start level down, and within one level the most
 * recently installed first. A plugin at the core's level or above (the sample plugin at 10, a plugin started at a
 * higher level, the Pax Exam probe) is therefore stopped before the core: its provider service goes, the core
 * treats that as a plugin leaving on its own and cancels its runs at once. The core's own stop would have given
 * them the grace period, but comes too late.
 *
 * <p>How: a {@link SynchronousBundleListener}. The framework (Felix: {@code Felix.stop()} starts the thread
 * {@code FelixShutdown}, which runs {@code stopBundle(systemBundle)}) moves the system bundle to STOPPING and
 * fires {@link BundleEvent#STOPPING} for it to synchronous listeners on that thread, before its activator lowers
 * the start level to 0 and so before any other bundle is stopped. The listener quiesces the core there
 * ({@code SchedulerEngine.quiesce()}: no more fires, running runs get the grace period, then are cancelled) and
 * returns; the bundles stop afterwards and find nothing running. Blocking there holds only the system bundle's
 * lock: another {@code Framework.stop()} waits for it, nothing that running task code or the stores need.
 *
 * <p>A plugin stopped, updated or uninstalled while the framework runs is not concerned: the core cancels its
 * runs and awaits them up to the grace period, as before.
 */
final class FrameworkShutdownGuard implements SynchronousBundleListener {

    private static final Logger LOG = LoggerFactory.getLogger(FrameworkShutdownGuard.class);

    private final BundleContext context;
    private final Runnable quiesce;
    private final AtomicBoolean fired = new AtomicBoolean();

    private FrameworkShutdownGuard(BundleContext context, Runnable quiesce) {
        this.context = context;
        this.quiesce = quiesce;
    }

    /**
     * @param quiesce run once, on the thread that stops the framework, when the system bundle starts stopping
     * @return the registered guard; {@link #close()} it when the core stops
     */
    static FrameworkShutdownGuard register(BundleContext context, Runnable quiesce) {
        FrameworkShutdownGuard guard = new FrameworkShutdownGuard(context, quiesce);
        context.addBundleListener(guard);
        return guard;
    }

    @Override
    public void bundleChanged(BundleEvent event) {
        if (event.getType() != BundleEvent.STOPPING
                || event.getBundle().getBundleId() != Constants.SYSTEM_BUNDLE_ID
                || !fired.compareAndSet(false, true)) {
            return;
        }
        long start = System.nanoTime();
        try {
            quiesce.run();
        } catch (RuntimeException e) { // the framework must go on stopping
            LOG.error("Quiescing the scheduler for the framework shutdown failed: {}", e.toString(), e);
        }
        LOG.info("Framework stopping: the scheduler is quiet after {} ms; the bundles stop now",
                (System.nanoTime() - start) / 1_000_000);
    }

    /** Stops listening (the core stops); harmless if the bundle's context is no longer valid. */
    void close() {
        try {
            context.removeBundleListener(this);
        } catch (IllegalStateException contextGone) {
            // the bundle stopped: its listeners are gone with it
        }
    }
}
