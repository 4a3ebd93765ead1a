package org.pluginscheduler.runtime.launch;

import java.util.concurrent.TimeUnit;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.launch.Framework;

/**
 * Stops the OSGi framework when the JVM is asked to exit (SIGTERM, SIGINT without a console, System.exit).
 * <p>
 * The bnd launcher in the executable jar registers no such hook: without it, {@code kill <pid>} ends the JVM
 * without stopping a single bundle, so components are never deactivated, running tasks are not cancelled and
 * stores are not closed. This class is not a bundle: it sits on the launcher's class path ({@code -runpath} in
 * cnf/scheduler.bndrun) and the launcher starts it as an embedded activator with the system bundle's context.
 * <p>
 * The wait for the framework to stop is bounded: {@code -Dpluginscheduler.shutdown.timeout=<seconds>}; by
 * default 30 s, or the scheduler core's grace period ({@code grace.period.seconds}, read from its service
 * properties when the JVM begins to exit) plus {@value #MARGIN_SECONDS} s if that is longer: on shutdown the core
 * gives running work the grace period before the bundles stop, and the stores close after that.
 */
public class GracefulShutdown implements BundleActivator {

    /** Read by the bnd launcher: start this activator right after the framework is initialised. */
    public static final String IMMEDIATE = "AFTER_FRAMEWORK_INIT";

    static final String TIMEOUT_PROPERTY = "pluginscheduler.shutdown.timeout";
    static final long DEFAULT_TIMEOUT_SECONDS = 30;
    /** What the shutdown may take beyond the core's grace period: cancelling late runs, stopping, closing stores. */
    static final long MARGIN_SECONDS = 20;
    /** The scheduler core's component; its configuration properties are its service properties. */
    static final String CORE_FILTER = "(objectClass=org.pluginscheduler.impl.SchedulerComponent)";
    static final String GRACE_PROPERTY = "grace.period.seconds";
    static final long DEFAULT_GRACE_SECONDS = 10;

    private Thread hook;

    @Override
    public void start(BundleContext context) {
        Framework framework = (Framework) context.getBundle(0);
        hook = new Thread(() -> stopAndWait(framework, TimeUnit.SECONDS.toMillis(timeoutSeconds(context))),
                "pluginscheduler-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** @return the configured limit, else the default or the core's grace period plus the margin if longer */
    static long timeoutSeconds(BundleContext context) {
        if (System.getProperty(TIMEOUT_PROPERTY) != null) {
            return Long.getLong(TIMEOUT_PROPERTY, DEFAULT_TIMEOUT_SECONDS);
        }
        return Math.max(DEFAULT_TIMEOUT_SECONDS, graceSeconds(context) + MARGIN_SECONDS);
    }

    private static long graceSeconds(BundleContext context) {
        try {
            ServiceReference<?>[] core = context.getServiceReferences((String) null, CORE_FILTER);
            Object grace = core == null ? null : core[0].getProperty(GRACE_PROPERTY);
            return grace == null ? DEFAULT_GRACE_SECONDS : Long.parseLong(String.valueOf(grace).trim());
        } catch (InvalidSyntaxException | IllegalStateException | NumberFormatException e) {
            return DEFAULT_GRACE_SECONDS; // no core, a stopped framework, or a value the core rejects as well
        }
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
