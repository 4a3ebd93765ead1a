package org.pluginscheduler.runtime.launch;

import java.util.concurrent.TimeUnit;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.launch.Framework;

/**
 * Stops the OSGi framework when the JVM is asked to exit (SIGTERM, SIGINT without a console, System.exit).
 * <p>
 * The bnd launcher in the executable jar registers no such hook: without it, {@code kill <pid>} ends the JVM
 * without stopping a single bundle, so components are never deactivated, running tasks are not cancelled and
 * stores are not closed. This class is not a bundle: it sits on the launcher's class path ({@code -runpath} in
 * cnf/scheduler.bndrun) and the launcher starts it as an embedded activator with the system bundle's context.
 * <p>
 * The wait for the framework to stop is bounded: {@code -Dpluginscheduler.shutdown.timeout=<seconds>},
 * default 30.
 */
public class GracefulShutdown implements BundleActivator {

    /** Read by the bnd launcher: start this activator right after the framework is initialised. */
    public static final String IMMEDIATE = "AFTER_FRAMEWORK_INIT";

    private Thread hook;

    @Override
    public void start(BundleContext context) {
        Framework framework = (Framework) context.getBundle(0);
        long timeoutMillis = TimeUnit.SECONDS.toMillis(Long.getLong("pluginscheduler.shutdown.timeout", 30L));
        hook = new Thread(() -> stopAndWait(framework, timeoutMillis), "pluginscheduler-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    @Override
    public void stop(BundleContext context) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // the hook is running or about to run; nothing to undo
        }
    }

    private static void stopAndWait(Framework framework, long timeoutMillis) {
        int state = framework.getState();
        if ((state & (Bundle.STARTING | Bundle.ACTIVE)) == 0) {
            return; // stopped normally ('stop 0', Ctrl-D): the launcher is exiting after that
        }
        System.err.println("pluginscheduler: JVM shutting down, stopping the OSGi framework");
        try {
            framework.stop();
            if (framework.waitForStop(timeoutMillis).getType() == org.osgi.framework.FrameworkEvent.WAIT_TIMEDOUT) {
                System.err.println("pluginscheduler: framework did not stop within " + timeoutMillis + " ms");
            }
        } catch (BundleException | InterruptedException e) {
            System.err.println("pluginscheduler: stopping the framework failed: " + e);
        }
    }
}
