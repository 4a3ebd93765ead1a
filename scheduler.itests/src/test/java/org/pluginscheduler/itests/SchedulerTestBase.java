package org.pluginscheduler.itests;

import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import static org.ops4j.pax.exam.CoreOptions.mavenBundle;
import static org.ops4j.pax.exam.CoreOptions.options;
import static org.ops4j.pax.exam.CoreOptions.workingDirectory;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import javax.inject.Inject;

import org.junit.After;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.pluginscheduler.api.NoSuchTaskException;
import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.TaskDefinition;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.TaskInfo;
import org.pluginscheduler.api.TaskResult;
import org.pluginscheduler.api.SchedulerAdmin;
import org.pluginscheduler.api.TaskState;
import org.pluginscheduler.itests.plugin.TestPluginActivator;

/**
 * What every integration test shares: the framework (Felix with SCR, Config Admin, Metatype, pax-logging-api and
 * the scheduler bundles), plugin installation with clean-up, and waiting on conditions with a deadline.
 *
 * <p>Waiting: tests never sleep for a fixed time. {@link #await} polls every 20 ms up to {@link #TIMEOUT}. To show
 * that something does <em>not</em> happen (a stopped plugin's task does not fire), {@link #letTheSchedulerTick}
 * waits until an unrelated task with the same period fired several times: then the absent fires would have
 * happened too.
 *
 * <p>Each test uses its own bundle symbolic names, so tests of one class can share a framework (PerClass).
 */
public abstract class SchedulerTestBase {

    /** How long a condition may take to come true; generous, since conditions are usually met in 0.2–0.5 s. */
    protected static final Duration TIMEOUT = Duration.ofSeconds(5);

    /** The period of the test tasks. */
    protected static final String FAST = "every:PT0.2S";

    @Inject
    protected BundleContext context;

    /** The probe bundle's own instance (the service is bundle-scoped). */
    @Inject
    protected SchedulerAdmin scheduler;

    private final List<Bundle> installed = new ArrayList<>();
    private int witnesses;

    @Configuration
    public Option[] config() throws IOException {
        return baseOptions();
    }

    protected Option[] baseOptions() throws IOException {
        Path work = Files.createDirectories(Path.of(System.getProperty("itest.work", "target/itest")));
        // a fresh folder per framework: call logs of earlier runs must not count
        Path logs = Files.createTempDirectory(work, getClass().getSimpleName() + "-logs-");
        return options(
                workingDirectory(work.resolve("paxexam").toString()),
                frameworkProperty(TestPluginActivator.LOG_DIR).value(logs.toAbsolutePath().toString()),
                mavenBundle("org.ops4j.pax.logging", "pax-logging-api").versionAsInProject(),
                mavenBundle("org.osgi", "org.osgi.util.function").versionAsInProject(),
                mavenBundle("org.osgi", "org.osgi.util.promise").versionAsInProject(),
                mavenBundle("org.osgi", "org.osgi.service.component").versionAsInProject(),
                mavenBundle("org.apache.felix", "org.apache.felix.configadmin").versionAsInProject(),
                mavenBundle("org.apache.felix", "org.apache.felix.metatype").versionAsInProject(),
                mavenBundle("org.apache.felix", "org.apache.felix.scr").versionAsInProject(),
                projectBundle("itest.bundle.api"),
                projectBundle("itest.bundle.impl"),
                projectBundle("itest.bundle.execution"),
                junitBundles());
    }

    /**
     * A reactor bundle, by the path failsafe passes in (the file Maven resolved: the fresh target/*.jar in a
     * reactor build), so a plain {@code mvn verify} tests what it just built.
     */
    protected static Option projectBundle(String property) {
        String path = System.getProperty(property);
        if (path == null || !new File(path).isFile()) {
            throw new IllegalStateException("system property " + property + " must name the bundle jar (set by "
                    + "maven-failsafe-plugin in scheduler.itests/pom.xml); it is " + path);
        }
        return bundle(new File(path).toURI().toString());
    }

    @After
    public void uninstallPlugins() throws BundleException {
        Collections.reverse(installed);
        for (Bundle bundle : installed) {
            if (bundle.getState() != Bundle.UNINSTALLED) {
                bundle.uninstall();
            }
        }
        installed.clear();
    }

    // --- plugins ------------------------------------------------------------------------------------------------

    protected Bundle install(TestPlugin plugin) throws BundleException {
        Bundle bundle = context.installBundle(plugin.location(), plugin.build());
        installed.add(bundle);
        return bundle;
    }

    protected Bundle start(TestPlugin plugin) throws BundleException {
        Bundle bundle = install(plugin);
        bundle.start();
        return bundle;
    }

    /** @return the plugin's call log, {@code <version> <event> <task-id> <run-id>} per line, oldest first */
    protected List<String> calls(String symbolicName) {
        Path file = Path.of(context.getProperty(TestPluginActivator.LOG_DIR)).resolve(symbolicName + ".log");
        try {
            return Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8) : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return the lines of {@link #calls} that contain {@code text} */
    protected List<String> calls(String symbolicName, String text) {
        return calls(symbolicName).stream().filter(l -> l.contains(text)).collect(Collectors.toList());
    }

    // --- scheduler queries --------------------------------------------------------------------------------------

    /** @return the task's runs, newest first; none while the task is not known yet (it registers asynchronously) */
    protected List<RunRecord> runs(TaskId id) {
        try {
            return scheduler.runs(id, 1000);
        } catch (NoSuchTaskException e) {
            return List.of();
        }
    }

    protected List<RunRecord> runs(TaskId id, RunStatus status) {
        return runs(id).stream().filter(r -> r.status() == status).collect(Collectors.toList());
    }

    /** @return every entry for this id: usually one; a conflicting claim adds a CONFLICT entry */
    protected List<TaskInfo> entries(TaskId id) {
        return scheduler.tasks().stream().filter(t -> t.id().equals(id)).collect(Collectors.toList());
    }

    protected TaskInfo awaitState(TaskId id, TaskState state) {
        return await(id + " " + state, () -> entries(id).stream().filter(t -> t.state() == state).findFirst());
    }

    protected RunRecord awaitRun(TaskId id, String what, Predicate<RunRecord> condition) {
        return await("a run of " + id + " " + what,
                () -> runs(id).stream().filter(condition).findFirst());
    }

    /** Waits for {@code count} runs of {@code id} with {@code status}. */
    protected List<RunRecord> awaitRuns(TaskId id, RunStatus status, int count) {
        return await(count + " " + status + " runs of " + id, () -> {
            List<RunRecord> found = runs(id, status);
            return found.size() >= count ? Optional.of(found) : Optional.empty();
        });
    }

    /**
     * Waits until an independent task of the probe, with the same period as the test tasks, has fired
     * {@code fires} times. Proves that time passed with the scheduler's timer and workers running, so a task that
     * should no longer fire would have fired meanwhile.
     */
    protected void letTheSchedulerTick(int fires) {
        TaskId witness = scheduler.addTask(TaskDefinition.builder("witness-" + ++witnesses).schedule(FAST).build(),
                execution -> TaskResult.success(), false);
        try {
            awaitRuns(witness, RunStatus.SUCCEEDED, fires);
        } finally {
            scheduler.removeTask(witness);
        }
    }

    // --- waiting ------------------------------------------------------------------------------------------------

    /** Polls every 20 ms until {@code probe} returns a value; fails after {@link #TIMEOUT}, showing every task. */
    /**
     * Updates the scheduler core's configuration and waits until the core has applied it (its service
     * properties show the new values).
     */
    protected void configureScheduler(java.util.Map<String, Object> properties) throws Exception {
        org.osgi.framework.ServiceReference<org.osgi.service.cm.ConfigurationAdmin> cmRef =
                context.getServiceReference(org.osgi.service.cm.ConfigurationAdmin.class);
        org.osgi.service.cm.ConfigurationAdmin cm = context.getService(cmRef);
        try {
            org.osgi.service.cm.Configuration configuration =
                    cm.getConfiguration("org.pluginscheduler.scheduler", "?");
            configuration.update(new java.util.Hashtable<>(properties));
            awaitTrue("the scheduler applied " + properties, () -> {
                try {
                    org.osgi.framework.ServiceReference<?>[] refs = context.getServiceReferences((String) null,
                            "(objectClass=org.pluginscheduler.impl.SchedulerComponent)");
                    return refs != null && properties.entrySet().stream().allMatch(
                            e -> sameValue(e.getValue(), refs[0].getProperty(e.getKey())));
                } catch (org.osgi.framework.InvalidSyntaxException e) {
                    throw new IllegalStateException(e);
                }
            });
        } finally {
            context.ungetService(cmRef);
        }
    }

    /** Configuration values compared as the scheduler sees them: arrays by content, the rest by text. */
    private static boolean sameValue(Object expected, Object actual) {
        if (expected instanceof Object[] a) {
            return actual instanceof Object[] b && java.util.Arrays.equals(a, b);
        }
        return String.valueOf(expected).equals(String.valueOf(actual));
    }

    protected <T> T await(String what, Supplier<Optional<T>> probe) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (true) {
            Optional<T> value = probe.get();
            if (value.isPresent()) {
                return value.get();
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + TIMEOUT.toMillis() + " ms waiting for " + what
                        + "\ntasks:\n" + scheduler.tasks().stream().map(TaskInfo::toString)
                        .collect(Collectors.joining("\n")));
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what, e);
            }
        }
    }

    protected void awaitTrue(String what, BooleanSupplier condition) {
        await(what, () -> condition.getAsBoolean() ? Optional.of(Boolean.TRUE) : Optional.empty());
    }
}
