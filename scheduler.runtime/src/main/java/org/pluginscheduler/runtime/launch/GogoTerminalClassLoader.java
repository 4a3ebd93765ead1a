package org.pluginscheduler.runtime.launch;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.SynchronousBundleListener;
import org.osgi.framework.wiring.BundleWiring;

/**
 * Lets the Gogo shell get a real terminal (line editing, history, completion, Ctrl-C) instead of a dumb one.
 * <p>
 * JLine 3.30 looks its terminal providers (jni, exec, ...) up through the thread context class loader only.
 * In this runtime that is the launcher's class loader, which cannot see inside the JLine bundle, so every
 * provider is "not found" and JLine falls back to a dumb terminal, silently under
 * {@code org.jline.terminal.dumb=true}; Ctrl-C then kills the JVM instead of the running command (JLine
 * issue jline3#2110, fixed upstream after 3.30; Karaf works around it the same way). gogo.jline builds its
 * terminal while it starts, on the thread that starts it, so this listener, which runs synchronously on that
 * thread, sets the JLine bundle's class loader as context class loader for exactly that start.
 * <p>
 * Not a bundle: it is on the launcher's class path (-runpath) and started by the bnd launcher.
 */
public class GogoTerminalClassLoader implements BundleActivator, SynchronousBundleListener {

    /** Read by the bnd launcher: register before any bundle starts. */
    public static final String IMMEDIATE = "AFTER_FRAMEWORK_INIT";

    private static final String SHELL = "org.apache.felix.gogo.jline";
    private static final String JLINE = "org.jline";

    private BundleContext context;
    private final ThreadLocal<ClassLoader> previous = new ThreadLocal<>();

    @Override
    public void start(BundleContext context) {
        this.context = context;
        context.addBundleListener(this);
    }

    @Override
    public void stop(BundleContext context) {
        context.removeBundleListener(this);
    }

    @Override
    public void bundleChanged(BundleEvent event) {
        if (!SHELL.equals(event.getBundle().getSymbolicName())) {
            return;
        }
        Thread thread = Thread.currentThread();
        switch (event.getType()) {
            case BundleEvent.STARTING -> {
                ClassLoader jline = jlineClassLoader();
                if (jline != null) {
                    previous.set(thread.getContextClassLoader());
                    thread.setContextClassLoader(jline);
                }
            }
            case BundleEvent.STARTED, BundleEvent.STOPPED -> {
                if (previous.get() != null) {
                    thread.setContextClassLoader(previous.get());
                    previous.remove();
                }
            }
            default -> {
                // not ours
            }
        }
    }

    private ClassLoader jlineClassLoader() {
        for (Bundle bundle : context.getBundles()) {
            if (JLINE.equals(bundle.getSymbolicName())) {
                BundleWiring wiring = bundle.adapt(BundleWiring.class);
                if (wiring != null) {
                    return wiring.getClassLoader();
                }
            }
        }
        return null;
    }
}
