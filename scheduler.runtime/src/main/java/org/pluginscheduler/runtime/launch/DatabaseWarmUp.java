package org.pluginscheduler.runtime.launch;

import java.sql.Connection;
import java.sql.Driver;
import java.sql.Statement;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.SynchronousBundleListener;

/**
 * Loads and initialises the H2 database engine on a thread of its own while the framework thread starts logging,
 * Config Admin and FileInstall, so that the durable store, which opens its database at start level 9 before the
 * scheduler core starts, does not pay for H2's first use on that thread.
 * <p>
 * On a cold start most of the store's open is H2 itself: some 600 classes loaded, verified and initialised, and its
 * engine, SQL parser and MVStore run for the first time. As soon as the framework has resolved the H2 bundle, this
 * opens a private in-memory database through H2's driver, runs a few statements of the kinds the store runs (create
 * a table and an index, merge, query) and drops it. The store's file database, its configuration and the start
 * order are untouched: this only does early, and next to the framework thread, work the store would otherwise do
 * first. Any failure is ignored: the store opens its database either way and reports its own errors.
 * <p>
 * Not a bundle: it is on the launcher's class path (-runpath) and started by the bnd launcher.
 */
public class DatabaseWarmUp implements BundleActivator, SynchronousBundleListener {

    /** Read by the bnd launcher: register before any bundle is installed. */
    public static final String IMMEDIATE = "AFTER_FRAMEWORK_INIT";

    private static final String H2 = "com.h2database";

    private final AtomicBoolean started = new AtomicBoolean();
    private BundleContext context;

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
        Bundle bundle = event.getBundle();
        if (event.getType() != BundleEvent.RESOLVED || !H2.equals(bundle.getSymbolicName())
                || !started.compareAndSet(false, true)) {
            return;
        }
        context.removeBundleListener(this);
        Thread thread = new Thread(() -> warmUp(bundle), "h2-warm-up");
        thread.setDaemon(true);
        thread.start();
    }

    private static void warmUp(Bundle h2) {
        try {
            Driver driver = (Driver) h2.loadClass("org.h2.Driver").getMethod("load").invoke(null);
            // unnamed: a private database, dropped when this connection closes; no shutdown hook
            try (Connection connection = driver.connect("jdbc:h2:mem:;DB_CLOSE_ON_EXIT=FALSE", new Properties());
                 Statement statement = connection.createStatement()) {
                statement.execute("CREATE TABLE warm_up (id VARCHAR NOT NULL PRIMARY KEY, "
                        + "at TIMESTAMP(9) WITH TIME ZONE, flag BOOLEAN, text CHARACTER LARGE OBJECT)");
                statement.execute("CREATE INDEX warm_up_by_at ON warm_up (at, id)");
                statement.execute("MERGE INTO warm_up (id, at, flag, text) KEY (id) "
                        + "VALUES ('a', CURRENT_TIMESTAMP, TRUE, 'b')");
                statement.execute("SELECT id, at, flag, text FROM warm_up WHERE id = 'a' ORDER BY at DESC");
            }
        } catch (Exception | LinkageError e) {
            // only a warm-up: the store opens its database either way and reports what fails there
        }
    }
}
