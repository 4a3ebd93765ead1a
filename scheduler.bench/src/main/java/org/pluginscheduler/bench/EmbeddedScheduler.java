package org.pluginscheduler.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;
import org.pluginscheduler.api.SchedulerAdmin;
import org.pluginscheduler.api.store.TaskStore;

/**
 * Our scheduler as it really runs: the project's bundles in an embedded Felix framework with SCR and Config Admin,
 * configured through Config Admin. The system bundle exports the API packages from the bench's class path (the
 * scheduler.api bundle is not installed), so the bench registers providers and calls {@link SchedulerAdmin} through
 * the framework's own {@link BundleContext} with no class loader tricks.
 */
final class EmbeddedScheduler implements AutoCloseable {

    /**
     * The API packages with their versions, as the scheduler.api bundle on the class path exports them (read from its
     * manifest, so a new API version needs no edit here: the bundles import the version they were built against).
     */
    static final String API_PACKAGES = apiPackages();

    private static String apiPackages() {
        try {
            java.net.URL where = SchedulerAdmin.class.getProtectionDomain().getCodeSource().getLocation();
            Path location = Path.of(where.toURI());
            java.util.jar.Manifest manifest;
            if (Files.isDirectory(location)) {
                try (var in = Files.newInputStream(location.resolve("META-INF/MANIFEST.MF"))) {
                    manifest = new java.util.jar.Manifest(in);
                }
            } else {
                try (var jar = new java.util.jar.JarFile(location.toFile())) {
                    manifest = jar.getManifest();
                }
            }
            String exported = manifest.getMainAttributes().getValue(Constants.EXPORT_PACKAGE);
            java.util.List<String> packages = new java.util.ArrayList<>();
            StringBuilder clause = new StringBuilder();
            boolean quoted = false;
            for (char c : (exported + ",").toCharArray()) {
                if (c == '"') {
                    quoted = !quoted;
                } else if (c == ',' && !quoted) {
                    String[] parts = clause.toString().split(";");
                    for (String part : parts) {
                        if (part.startsWith("version=")) {
                            packages.add(parts[0] + ";" + part);
                        }
                    }
                    clause.setLength(0);
                    continue;
                }
                clause.append(c);
            }
            if (packages.isEmpty()) {
                throw new IllegalStateException("no versioned package in " + exported);
            }
            return String.join(",", packages);
        } catch (Exception e) {
            throw new IllegalStateException("cannot read the API packages' versions from the scheduler.api bundle's "
                    + "manifest: " + e, e);
        }
    }

    /**
     * More than the scheduler in the same framework (W1: the web surface).
     *
     * @param properties     framework properties, added to the scheduler's own
     * @param systemPackages more packages the system bundle exports from the class path (comma-separated, may be
     *                       empty)
     * @param configurations Config Admin configurations (PID → properties), set before these bundles start
     * @param bundles        bundles of {@link Env#bundles()} (names without .jar), installed in this order and
     *                       started once the scheduler runs, so the scheduler's bundles are wired before these
     *                       offer alternatives (pax-logging-api exports org.slf4j 1.7.36 too)
     */
    record Extras(Map<String, String> properties, String systemPackages,
                  Map<String, Map<String, Object>> configurations, List<String> bundles) {

        static final Extras NONE = new Extras(Map.of(), "", Map.of(), List.of());
    }

    private final Framework framework;
    private final SchedulerAdmin scheduler;
    private final ServiceReference<SchedulerAdmin> schedulerRef;
    private final Path h2File;
    private final Bundle configAdmin;

    private EmbeddedScheduler(Framework framework, ServiceReference<SchedulerAdmin> ref, SchedulerAdmin scheduler,
                              Path h2File, Bundle configAdmin) {
        this.framework = framework;
        this.schedulerRef = ref;
        this.scheduler = scheduler;
        this.h2File = h2File;
        this.configAdmin = configAdmin;
    }

    /**
     * @param work    an empty folder: framework storage, and the H2 database when durable
     * @param durable with the H2 store (scheduler.store.h2 + H2 + org.osgi.service.jdbc), else the core's in-memory
     *                store
     * @param threads worker threads of the NORMAL pool (worker.threads)
     */
    static EmbeddedScheduler start(Path work, boolean durable, int threads) throws Exception {
        return start(work, durable, threads, Extras.NONE);
    }

    /** As {@link #start(Path, boolean, int)}, with {@code extras} in the same framework. */
    static EmbeddedScheduler start(Path work, boolean durable, int threads, Extras extras) throws Exception {
        Path bundles = Env.bundles();
        if (!Files.isRegularFile(bundles.resolve("scheduler.impl.jar"))) {
            throw new IllegalStateException("no bundles in " + bundles + ": build the bench with Maven first "
                    + "(mvn -pl scheduler.bench -am -DskipTests install)");
        }
        Map<String, String> props = new HashMap<>();
        props.put(Constants.FRAMEWORK_STORAGE, work.resolve("felix-cache").toString());
        props.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        // the API (and the logging API) come from the bench's class path, shared with the bundles
        props.put(Constants.FRAMEWORK_SYSTEMPACKAGES_EXTRA, API_PACKAGES + ",org.slf4j;version=1.7.36"
                + (extras.systemPackages().isEmpty() ? "" : "," + extras.systemPackages()));
        props.put("felix.log.level", "1");
        props.put("felix.service.urlhandlers", "false"); // several frameworks may run one after another in a JVM
        props.putAll(extras.properties());
        FrameworkFactory factory = ServiceLoader.load(FrameworkFactory.class).iterator().next();
        Framework framework = factory.newFramework(props);
        framework.init();
        framework.start();
        BundleContext ctx = framework.getBundleContext();
        try {
            // Config Admin first, so the scheduler and store find their configuration when they activate
            Bundle cm = install(ctx, bundles, "org.apache.felix.configadmin");
            cm.start();
            Map<String, Object> core = new HashMap<>(extra("bench.scheduler"));
            configure(cm, "org.pluginscheduler.scheduler", core);
            // every bench task has one owner (the framework), which the bulkheads would hold to half of each pool;
            // the peers use all their threads, so ours does too
            Map<String, Object> execution = new HashMap<>(Map.of("worker.threads", threads,
                    "owner.share.percent", 100));
            execution.putAll(extra("bench.execution"));
            configure(cm, "org.pluginscheduler.execution", execution);
            Map<String, Object> memory = extra("bench.store.memory");
            if (!memory.isEmpty()) {
                configure(cm, "org.pluginscheduler.store.memory", memory);
            }
            Path h2File = null;
            if (durable) {
                h2File = work.resolve("scheduler");
                Map<String, Object> store = new HashMap<>(Map.of("url", "jdbc:h2:file:" + h2File
                        + System.getProperty("bench.h2.url.suffix", "")));
                store.putAll(extra("bench.store.h2"));
                configure(cm, "org.pluginscheduler.store.h2", store);
            }
            List<String> names = new ArrayList<>(List.of("org.osgi.util.function", "org.osgi.util.promise",
                    "org.osgi.service.component", "org.apache.felix.scr"));
            if (durable) {
                names.addAll(List.of("org.osgi.service.jdbc", "h2", "scheduler.store.h2"));
            }
            names.add("scheduler.execution");
            names.add("scheduler.impl");
            List<Bundle> installed = new ArrayList<>();
            for (String name : names) {
                installed.add(install(ctx, bundles, name));
            }
            for (Bundle b : installed) {
                b.start();
            }
            if (!Env.await(() -> ctx.getServiceReference(SchedulerAdmin.class) != null, 30_000)) {
                throw new IllegalStateException("the scheduler did not start: " + states(ctx));
            }
            if (durable) {
                boolean h2 = Env.await(() -> {
                    ServiceReference<TaskStore> best = ctx.getServiceReference(TaskStore.class);
                    return best != null && Integer.valueOf(100).equals(best.getProperty(Constants.SERVICE_RANKING));
                }, 30_000);
                if (!h2) {
                    throw new IllegalStateException("the H2 store did not start (see the log): " + states(ctx));
                }
                Env.sleep(200); // DS rebinds the scheduler's greedy store reference on the registering thread
            }
            for (Map.Entry<String, Map<String, Object>> c : extras.configurations().entrySet()) {
                configure(cm, c.getKey(), c.getValue());
            }
            List<Bundle> more = new ArrayList<>();
            for (String name : extras.bundles()) {
                more.add(install(ctx, bundles, name));
            }
            for (Bundle b : more) {
                b.start();
            }
            ServiceReference<SchedulerAdmin> ref = ctx.getServiceReference(SchedulerAdmin.class);
            return new EmbeddedScheduler(framework, ref, ctx.getService(ref), h2File, cm);
        } catch (Exception | Error e) {
            framework.stop();
            framework.waitForStop(30_000);
            throw e;
        }
    }

    /**
     * Extra configuration for exploring, never set by the documented runs: system property {@code name} as
     * {@code key=value,key=value} (values that look like integers become Integers).
     */
    private static Map<String, Object> extra(String name) {
        Map<String, Object> values = new HashMap<>();
        String text = System.getProperty(name, "");
        for (String pair : text.split(",")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                String v = pair.substring(eq + 1).trim();
                values.put(pair.substring(0, eq).trim(), v.matches("-?\\d{1,9}") ? (Object) Integer.valueOf(v) : v);
            }
        }
        return values;
    }

    private static Bundle install(BundleContext ctx, Path dir, String name) throws Exception {
        Path jar = dir.resolve(name + ".jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("missing bundle " + jar);
        }
        return ctx.installBundle(jar.toUri().toString());
    }

    /**
     * Sets a configuration through the Config Admin service. Reflective, through the classes of the Config Admin
     * bundle: org.osgi.service.cm is not on the bench's class path (it would have to be exported by the system
     * bundle, which would change how the real bundles wire).
     */
    private static void configure(Bundle cm, String pid, Map<String, Object> values) throws Exception {
        BundleContext ctx = cm.getBundleContext();
        Class<?> adminType = cm.loadClass("org.osgi.service.cm.ConfigurationAdmin");
        Class<?> configurationType = cm.loadClass("org.osgi.service.cm.Configuration");
        ServiceReference<?> ref = ctx.getServiceReference(adminType.getName());
        Object admin = ctx.getService(ref);
        try {
            Object configuration = adminType.getMethod("getConfiguration", String.class, String.class)
                    .invoke(admin, pid, "?");
            Dictionary<String, Object> d = new Hashtable<>(values);
            configurationType.getMethod("update", Dictionary.class).invoke(configuration, d);
        } finally {
            ctx.ungetService(ref);
        }
    }

    /**
     * Creates or updates the factory configuration {@code factoryPid~name} (Config Admin 1.6's named factory
     * configurations), reflectively like {@link #configure}.
     */
    void configureFactory(String factoryPid, String name, Map<String, Object> values) throws Exception {
        BundleContext ctx = configAdmin.getBundleContext();
        Class<?> adminType = configAdmin.loadClass("org.osgi.service.cm.ConfigurationAdmin");
        Class<?> configurationType = configAdmin.loadClass("org.osgi.service.cm.Configuration");
        ServiceReference<?> ref = ctx.getServiceReference(adminType.getName());
        Object admin = ctx.getService(ref);
        try {
            Object configuration = adminType.getMethod("getFactoryConfiguration", String.class, String.class,
                    String.class).invoke(admin, factoryPid, name, "?");
            Dictionary<String, Object> d = new Hashtable<>(values);
            configurationType.getMethod("update", Dictionary.class).invoke(configuration, d);
        } finally {
            ctx.ungetService(ref);
        }
    }

    private static String states(BundleContext ctx) {
        StringBuilder sb = new StringBuilder();
        for (Bundle b : ctx.getBundles()) {
            sb.append(b.getSymbolicName()).append('=').append(b.getState()).append(' ');
        }
        return sb.toString();
    }

    /** @return every bundle's symbolic name and state (for errors) */
    String bundleStates() {
        return states(framework.getBundleContext());
    }

    SchedulerAdmin scheduler() {
        return scheduler;
    }

    BundleContext context() {
        return framework.getBundleContext();
    }

    /** @return the H2 database file (without .mv.db) of a durable scheduler */
    Path h2File() {
        return h2File;
    }

    @Override
    public void close() throws Exception {
        framework.getBundleContext().ungetService(schedulerRef);
        framework.stop();
        framework.waitForStop(60_000);
    }
}
