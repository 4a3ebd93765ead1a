package org.pluginscheduler.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.pluginscheduler.itests.TestPlugin.plugin;

import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.startlevel.BundleStartLevel;
import org.osgi.framework.wiring.BundleWiring;
import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.ScheduledTaskProvider;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.TaskState;
import org.pluginscheduler.itests.plugin.TestPluginActivator;

/**
 * Issue 11: when the framework stops ({@code stop 0}, SIGTERM through the runtime's shutdown hook), running work
 * gets the grace period while its plugin is still active, then what is left is cancelled.
 *
 * <p>The layout is the one that failed: the plugin stops before the scheduler core. Pax Exam starts its provisioned
 * bundles (the core among them) at level 3 and the probe at 5; the plugin is installed after the probe at the
 * probe's level, so a shutdown (highest level first, then latest installed first) stops it first. Before the fix
 * its provider left at once and the core cancelled its runs ("went away").
 *
 * <p>The test stops the framework it runs in, as {@code stop 0} does ({@code Framework.stop()} returns at once;
 * Felix stops on a thread of its own), and watches from the test thread while the probe is still active. So this
 * class has one test, and the framework is gone when it ends.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class GracefulStopIT extends SchedulerTestBase {

    private static final String BY_HAND = "cron:0 3 1 1 *";
    private static final long GRACE_SECONDS = 4;

    @Test
    public void frameworkShutdownGivesRunningWorkTheGracePeriodWithItsPluginActiveThenCancels() throws Exception {
        configureScheduler(Map.of("grace.period.seconds", String.valueOf(GRACE_SECONDS)));
        String bsn = "itest.graceful";
        // not through install(): the framework is gone when the test ends, nothing to uninstall then
        Bundle plugin = context.installBundle(plugin(bsn).location(), plugin(bsn)
                .tasks("work=" + BY_HAND + "|long=" + BY_HAND).block("work=PT2.5S").slow("long").build());
        int probeLevel = context.getBundle().adapt(BundleStartLevel.class).getStartLevel();
        plugin.adapt(BundleStartLevel.class).setStartLevel(probeLevel);
        plugin.start();
        Bundle core = Arrays.stream(context.getBundles()).filter(b -> "scheduler.impl".equals(b.getSymbolicName()))
                .findFirst().orElseThrow();
        assertTrue("the plugin stops before the core: a higher start level, or the same and installed later",
                probeLevel > core.adapt(BundleStartLevel.class).getStartLevel()
                        || probeLevel == core.adapt(BundleStartLevel.class).getStartLevel()
                        && plugin.getBundleId() > core.getBundleId());
        TaskId work = TaskId.of(bsn, "work");
        TaskId slow = TaskId.of(bsn, "long");
        awaitState(work, TaskState.ACTIVE);
        awaitState(slow, TaskState.ACTIVE);
        String slowRun = scheduler.trigger(slow);
        String workRun = scheduler.trigger(work);
        await("both runs RUNNING", () -> status(slowRun).filter(s -> s == RunStatus.RUNNING)
                .flatMap(s -> status(workRun)).filter(s -> s == RunStatus.RUNNING));

        Framework framework = (Framework) context.getBundle(Constants.SYSTEM_BUNDLE_ID);
        // read after the shutdown, when the probe's context is no longer valid
        Path callLog = Path.of(context.getProperty(TestPluginActivator.LOG_DIR)).resolve(bsn + ".log");
        loadWhatTheRunnerNeedsAfterTheTest();
        long stop = System.nanoTime();
        framework.stop(); // what 'stop 0' and the runtime's shutdown hook do

        Thread.sleep(1000);
        int frameworkState = framework.getState();
        int pluginState = plugin.getState();
        boolean providerRegistered = Arrays.stream(
                Optional.ofNullable(plugin.getRegisteredServices()).orElse(new ServiceReference<?>[0]))
                .anyMatch(r -> Arrays.asList((String[]) r.getProperty(Constants.OBJECTCLASS))
                        .contains(ScheduledTaskProvider.class.getName()));
        Optional<RunStatus> workNow = status(workRun);
        long observed = millisSince(stop);
        assertTrue("observed while the 2.5 s run must still run (" + observed + " ms into the shutdown; a machine "
                + "this slow proves nothing)", observed < 2000);
        assertEquals("1 s into the shutdown the framework is stopping", Bundle.STOPPING, frameworkState);
        assertEquals("1 s into the shutdown the plugin is active", Bundle.ACTIVE, pluginState);
        assertTrue("1 s into the shutdown the plugin's provider is registered", providerRegistered);
        assertEquals("1 s into the shutdown the 2.5 s run is still running", Optional.of(RunStatus.RUNNING), workNow);

        RunRecord finished = await("the 2.5 s run finished", () -> scheduler.run(workRun)
                .filter(r -> r.status() != RunStatus.RUNNING));
        long finishedAfter = millisSince(stop);
        assertEquals("the 2.5 s run finished within the grace period: " + finished, RunStatus.SUCCEEDED,
                finished.status());
        assertTrue("it ran its 2.5 s: " + finished, finished.duration().orElseThrow().toMillis() >= 2500);
        assertEquals("the plugin is still active when it has finished", Bundle.ACTIVE, plugin.getState());
        assertEquals("the framework is still stopping", Bundle.STOPPING, framework.getState());

        long graceMillis = TimeUnit.SECONDS.toMillis(GRACE_SECONDS);
        Thread.sleep(Math.max(0, graceMillis - 1000 - millisSince(stop)));
        Optional<RunStatus> slowNow = status(slowRun);
        pluginState = plugin.getState();
        observed = millisSince(stop);
        assertTrue("observed before the grace period ended (" + observed + " ms into the shutdown; a machine this "
                + "slow proves nothing)", observed < graceMillis);
        assertEquals("a second before the grace period ends, the minute-long run still runs",
                Optional.of(RunStatus.RUNNING), slowNow);
        assertEquals("and its plugin is still active", Bundle.ACTIVE, pluginState);

        FrameworkEvent stopped = framework.waitForStop(TimeUnit.SECONDS.toMillis(GRACE_SECONDS + 15));
        long stoppedAfter = millisSince(stop);
        System.out.println("framework stop: the 2.5 s run finished after " + finishedAfter + " ms, the framework "
                + "stopped after " + stoppedAfter + " ms");
        assertEquals("the framework stopped", FrameworkEvent.STOPPED, stopped.getType());
        assertTrue("the shutdown waited for the grace period: " + stoppedAfter + " ms", stoppedAfter >= graceMillis);
        List<String> calls = Files.readAllLines(callLog);
        assertTrue("the minute-long run was interrupted, cancelled: " + calls,
                calls.contains("1.0.0 interrupted cancelled=true long " + slowRun));
        assertFalse("the 2.5 s run was not interrupted: " + calls,
                calls.stream().anyMatch(l -> l.contains("interrupted") && l.endsWith(" work " + workRun)));
    }

    /**
     * Once the framework has stopped, its bundles' class loaders load nothing more ("the bundle wiring ... is no
     * longer valid"), yet JUnit and Pax Exam's invoker, which run inside it, still have to finish and report this
     * test. So every class of their bundles is resolved now, through the class loader of each of them and of the
     * probe: {@code Class.forName} records each loader as an initiating loader of the class, so later references
     * from their code find it without asking the (then invalid) wiring.
     */
    private void loadWhatTheRunnerNeedsAfterTheTest() {
        List<Bundle> runner = new ArrayList<>();
        for (Bundle bundle : context.getBundles()) {
            String name = String.valueOf(bundle.getSymbolicName());
            if (name.contains("junit") || name.startsWith("org.ops4j.pax.exam") || bundle.equals(context.getBundle())) {
                runner.add(bundle);
            }
        }
        List<String> classes = new ArrayList<>();
        for (Bundle bundle : runner) {
            Enumeration<URL> entries = bundle.equals(context.getBundle()) ? null
                    : bundle.findEntries("/", "*.class", true);
            while (entries != null && entries.hasMoreElements()) {
                String path = entries.nextElement().getPath();
                classes.add(path.substring(path.startsWith("/") ? 1 : 0, path.length() - ".class".length())
                        .replace('/', '.'));
            }
        }
        for (Bundle bundle : runner) {
            BundleWiring wiring = bundle.adapt(BundleWiring.class);
            ClassLoader loader = wiring == null ? null : wiring.getClassLoader();
            if (loader == null) {
                continue;
            }
            for (String className : classes) {
                try {
                    Class.forName(className, false, loader);
                } catch (ClassNotFoundException | LinkageError notVisibleThere) {
                    // not visible to that bundle, or needs an optional dependency: not used from there either
                }
            }
        }
    }

    private Optional<RunStatus> status(String runId) {
        return scheduler.run(runId).map(RunRecord::status);
    }

    private static long millisSince(long nanos) {
        return Duration.ofNanos(System.nanoTime() - nanos).toMillis();
    }
}
